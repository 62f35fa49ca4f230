/**
 * Benchmark (issue 24): what one open dashboard page costs the server, measured side by side in
 * one run against the same server with no page open. `nereid serve` runs the bundled example
 * repository (every model loaded, metrics on as by default) in a child process; the page is an
 * SSE reader in this process, so its own CPU is not counted.
 *   1. Idle: the server process's CPU time (utime + stime from /proc) per second of wall time.
 *   2. Under load: HTTP throughput and p99 of `simple` at concurrency 16.
 *   3. In this process, on an InferenceServer with the same repository: the main-thread time of one
 *      tick (DashboardSampler.sample + JSON of the frame and models table), median of 500.
 * Each pair alternates (no page, one page) BENCH_REPS times (default 3); medians are reported,
 * with the size of one frame event. Writes bench/results/dashboard.json. Run: `npm run bench:dashboard`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { type ClientRequest, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { silentLogger } from '../src/common/logger.js';
import { InferenceServer } from '../src/core/index.js';
import { DashboardSampler } from '../src/frontends/dashboard/index.js';
import { binaryRequest } from './lib/binary-request.js';
import { median, runInferLoad } from './lib/load-generator.js';
import { startNereid } from './lib/server-process.js';

const REPS = Number(process.env.BENCH_REPS ?? 3);
const IDLE_MS = Number(process.env.BENCH_IDLE_MS ?? 10_000);
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 3000);
const RESULTS = new URL('../../bench/results/', import.meta.url);
const REPOSITORY = fileURLToPath(new URL('../../examples/model_repository', import.meta.url));
/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const TICKS_PER_S = 100;

/** CPU time of process `pid` so far, in ms. */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_S;
}

/** An open dashboard stream; `frameBytes` is the size of the last frame event received. */
interface Page {
  frameBytes: number;
  /** Model versions in the last frame. */
  frameModels: number;
  close(): void;
}

function openPage(port: number): Promise<Page> {
  return new Promise((resolve, reject) => {
    let req: ClientRequest | null = null;
    const page: Page = { frameBytes: 0, frameModels: 0, close: () => req?.destroy() };
    req = request({ host: '127.0.0.1', port, path: '/dashboard/events' }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`dashboard answered ${res.statusCode}`));
      res.setEncoding('utf8');
      let buffer = '';
      res.on('data', (d: string) => {
        buffer += d;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end + 2);
          if (block.startsWith('event: frame')) {
            page.frameBytes = Buffer.byteLength(block);
            page.frameModels = JSON.parse(block.slice(block.indexOf('data: ') + 6)).models.length;
          }
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf('\n\n');
        }
      });
      resolve(page);
    });
    req.on('error', () => {});
    req.end();
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Median main-thread µs of one tick's work (sample + serialisation) on an in-process server. */
async function tickUs(): Promise<number> {
  const server = await InferenceServer.start({ modelRepositories: [REPOSITORY], logger: silentLogger });
  try {
    const sampler = new DashboardSampler(server);
    sampler.start();
    const times: number[] = [];
    for (let i = 0; i < 500; i++) {
      const start = performance.now();
      const sample = sampler.sample(1);
      JSON.stringify(sample.frame);
      JSON.stringify(sample.models);
      times.push((performance.now() - start) * 1000);
    }
    sampler.stop();
    return median(times);
  } finally {
    await server.shutdown();
  }
}

async function main(): Promise<void> {
  const server = await startNereid(REPOSITORY, ['--allow-metrics=true', '--metrics-port=0']);
  const pid = server.child.pid!;
  const a = new Int32Array(16).fill(1);
  const body = binaryRequest([
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(a.buffer) },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(a.buffer.slice(0)) },
  ]);
  const idle: Record<'none' | 'page', number[]> = { none: [], page: [] };
  const rps: Record<'none' | 'page', number[]> = { none: [], page: [] };
  const p99: Record<'none' | 'page', number[]> = { none: [], page: [] };
  let frameBytes = 0;
  let frameModels = 0;
  try {
    // Warm up: the first load on a fresh server runs slower (JIT, allocator); it is not measured.
    await runInferLoad(server.port, 'simple', body, { concurrency: 16, durationMs: DURATION_MS });
    await sleep(2000);
    for (let rep = 0; rep < REPS; rep++) {
      for (const mode of ['none', 'page'] as const) {
        const page = mode === 'page' ? await openPage(server.port) : null;
        await sleep(1500);
        const startCpu = cpuMs(pid);
        const start = performance.now();
        await sleep(IDLE_MS);
        idle[mode].push(((cpuMs(pid) - startCpu) / (performance.now() - start)) * 1000);
        const load = await runInferLoad(server.port, 'simple', body, {
          concurrency: 16,
          durationMs: DURATION_MS,
        });
        if (load.errors > 0) throw new Error(`load errors: ${load.firstError}`);
        rps[mode].push(load.throughputPerS);
        p99[mode].push(load.p99Us);
        if (page !== null) {
          frameBytes = page.frameBytes;
          frameModels = page.frameModels;
          page.close();
        }
        process.stdout.write(
          `rep ${rep + 1} ${mode.padEnd(4)}: idle ${idle[mode].at(-1)!.toFixed(1)} ms CPU/s, simple c16 ${load.throughputPerS.toFixed(0)} req/s p99 ${load.p99Us.toFixed(0)} us\n`,
        );
      }
    }
  } finally {
    await server.stop();
  }
  const tick = await tickUs();
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(
    new URL('dashboard.json', RESULTS),
    `${JSON.stringify({ date: new Date().toISOString(), reps: REPS, idleMs: IDLE_MS, idleCpuMsPerS: idle, simpleC16PerS: rps, simpleC16P99Us: p99, frameBytes, frameModels, tickUs: tick }, null, 2)}\n`,
  );
  const idleNone = median(idle.none);
  const idlePage = median(idle.page);
  process.stdout.write(
    [
      '',
      `Dashboard cost, medians of ${REPS} alternating runs (${new Date().toISOString()}):`,
      `  idle server CPU:     ${idleNone.toFixed(1)} ms/s with no page, ${idlePage.toFixed(1)} ms/s with one page open (${idlePage >= idleNone ? '+' : '−'}${Math.abs(idlePage - idleNone).toFixed(1)} ms/s)`,
      `  simple c16 req/s:    ${median(rps.none).toFixed(0)} with no page, ${median(rps.page).toFixed(0)} with one page (ratio ${(median(rps.page) / median(rps.none)).toFixed(3)})`,
      `  simple c16 p99 (us): ${median(p99.none).toFixed(0)} with no page, ${median(p99.page).toFixed(0)} with one page`,
      `  one frame event:     ${frameBytes} bytes (${frameModels} model versions)`,
      `  one tick in process: ${tick.toFixed(0)} us of main-thread time (sample + JSON), median of 500`,
      '',
    ].join('\n'),
  );
}

await main();
