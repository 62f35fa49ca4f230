/**
 * Where a real model's request spends its time in Nereid (issue 26): text_orientation (one FP32
 * [1,3,48,192] input, 110 592 bytes, binary tensors) at concurrency 1, stage by stage from
 * Nereid's own Triton trace (HTTP_RECV_START … HTTP_SEND_END at rate 1), next to the same load on a
 * bare node:http server answering the same bytes (the HTTP floor with that body) and an untraced
 * Nereid (the end-to-end figure and the share outside the model, from the statistics API's
 * compute_infer). Then, at concurrency 16 with dynamic batching, the server main thread's CPU per
 * request against the bare server's for the same 110 KB body. Rounds alternate the targets.
 *
 * Run: `npm run bench:breakdown [-- --rounds 3] [--seconds 3]`; writes bench/results/latency-breakdown.json.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildExampleRepository } from '../src/tools/examples/index.js';
import { CpuMeter } from './lib/cpu-accounting.js';
import { median, runInferLoad } from './lib/load-generator.js';
import { benchRequest } from './lib/model-request.js';
import { modelStatsOf, statMeansUs } from './lib/model-stats.js';
import { type ServerProcess, startBareMirror, startNereid } from './lib/server-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'text_orientation';
const BATCHED = 'text_orientation_batched';

/** The stages of a traced request, each from one Triton trace activity to the next. */
const STAGES = [
  ['receive', 'HTTP_RECV_START', 'HTTP_RECV_END'],
  ['decode', 'HTTP_RECV_END', 'REQUEST_START'],
  ['admit', 'REQUEST_START', 'QUEUE_START'],
  ['hand-off and wake-up', 'QUEUE_START', 'COMPUTE_START'],
  ['ORT tensor creation', 'COMPUTE_START', 'COMPUTE_INPUT_END'],
  ['model run', 'COMPUTE_INPUT_END', 'COMPUTE_OUTPUT_START'],
  ['output tensors', 'COMPUTE_OUTPUT_START', 'COMPUTE_END'],
  ['answer back to main', 'COMPUTE_END', 'REQUEST_END'],
  ['encode', 'REQUEST_END', 'HTTP_SEND_START'],
  ['send', 'HTTP_SEND_START', 'HTTP_SEND_END'],
] as const;

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** Adds BATCHED: text_orientation with `dynamic_batching { }` (the bundled one has none). */
function addBatchedModel(repo: string): void {
  cpSync(join(repo, MODEL), join(repo, BATCHED), { recursive: true });
  const file = join(repo, BATCHED, 'config.pbtxt');
  const config = readFileSync(file, 'utf8').replace(`name: "${MODEL}"`, `name: "${BATCHED}"`);
  writeFileSync(file, `${config}\ndynamic_batching { }\n`);
}

/** Per-request stage durations (µs) of a Triton trace file, requests with every stamp only. */
function stagesOf(traceFile: string, skip: number): Record<string, number[]> {
  const entries = JSON.parse(readFileSync(traceFile, 'utf8')) as {
    id: number;
    timestamps?: { name: string; ns: number }[];
  }[];
  const byId = new Map<number, Map<string, number>>();
  for (const e of entries) {
    for (const t of e.timestamps ?? []) {
      let stamps = byId.get(e.id);
      if (stamps === undefined) byId.set(e.id, (stamps = new Map()));
      stamps.set(t.name, t.ns);
    }
  }
  const complete = [...byId.values()].filter((s) => STAGES.every(([, a, b]) => s.has(a) && s.has(b)));
  const out: Record<string, number[]> = { 'server total': [] };
  for (const stamps of complete.slice(skip)) {
    for (const [name, a, b] of STAGES) (out[name] ??= []).push((stamps.get(b)! - stamps.get(a)!) / 1000);
    out['server total']!.push((stamps.get('HTTP_SEND_END')! - stamps.get('HTTP_RECV_START')!) / 1000);
  }
  return out;
}

async function main(): Promise<void> {
  const rounds = option('rounds', 3);
  const seconds = option('seconds', 3);
  const repo = mkdtempSync(join(tmpdir(), 'nereid-breakdown-'));
  const traceFile = join(repo, 'trace.json');
  const servers: ServerProcess[] = [];
  try {
    buildExampleRepository(repo);
    addBatchedModel(repo);
    const request = benchRequest(MODEL);
    const plain = await startNereid(repo);
    servers.push(plain);
    const traced = await startNereid(repo, [
      '--trace-config',
      'level=TIMESTAMPS',
      '--trace-config',
      'rate=1',
      '--trace-config',
      `triton,file=${traceFile}`,
    ]);
    servers.push(traced);
    const bare = await startBareMirror(plain.port, MODEL, request);
    servers.push(bare);

    const load = (port: number, model: string, concurrency: number) =>
      runInferLoad(port, model, request, {
        concurrency,
        threads: concurrency === 1 ? 1 : 2,
        warmupMs: 500,
        durationMs: seconds * 1000,
      });
    const c1 = {
      bare: [] as number[],
      nereid: [] as number[],
      traced: [] as number[],
      outside: [] as number[],
    };
    const c16 = {
      bareMain: [] as number[],
      nereidMain: [] as number[],
      ratio: [] as number[],
      nereidRps: [] as number[],
    };
    const c1Stats: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      c1.bare.push((await load(bare.port, MODEL, 1)).p50Us);
      const before = await modelStatsOf(plain.port, MODEL);
      const run = await load(plain.port, MODEL, 1);
      const after = await modelStatsOf(plain.port, MODEL);
      const means = statMeansUs(before, after);
      const computeUs = means.compute_infer;
      for (const [k, v] of Object.entries(means)) (c1Stats[k] ??= []).push(v);
      c1.nereid.push(run.p50Us);
      c1.outside.push(1 - computeUs / run.p50Us);
      c1.traced.push((await load(traced.port, MODEL, 1)).p50Us);

      const bareMeter = new CpuMeter(bare.child.pid!);
      const bareRun = await load(bare.port, MODEL, 16);
      const bareMain = bareMeter.stop(bareRun.totalRequests).serverMainUs;
      const meter = new CpuMeter(plain.child.pid!);
      const batchedRun = await load(plain.port, BATCHED, 16);
      const nereidMain = meter.stop(batchedRun.totalRequests).serverMainUs;
      c16.bareMain.push(bareMain);
      c16.nereidMain.push(nereidMain);
      c16.ratio.push(nereidMain / bareMain);
      c16.nereidRps.push(batchedRun.throughputPerS);
      console.log(
        `round ${round + 1}: c1 p50 bare ${c1.bare.at(-1)!.toFixed(0)} µs, Nereid ${run.p50Us.toFixed(0)} µs ` +
          `(model run ${computeUs.toFixed(0)} µs, outside ${(100 * c1.outside.at(-1)!).toFixed(1)} %), traced ` +
          `${c1.traced.at(-1)!.toFixed(0)} µs; c16 batched ${batchedRun.throughputPerS.toFixed(0)} req/s, main-thread CPU ` +
          `per request Nereid ${nereidMain.toFixed(0)} µs / bare ${bareMain.toFixed(0)} µs = ${c16.ratio.at(-1)!.toFixed(2)}×`,
      );
    }
    await traced.stop();
    servers.splice(servers.indexOf(traced), 1);
    console.log('\nc1 untraced, statistics API (mean µs per request):');
    const statMeans: Record<string, number> = {};
    for (const [k, v] of Object.entries(c1Stats)) {
      statMeans[k] = median(v);
      console.log(`  ${k.padEnd(22)} ${median(v).toFixed(1).padStart(8)}`);
    }
    const stages = stagesOf(traceFile, 50);
    console.log('\nc1 stages (median µs of the traced requests):');
    const stageMedians: Record<string, number> = {};
    for (const [name, values] of Object.entries(stages)) {
      stageMedians[name] = median(values);
      console.log(`  ${name.padEnd(22)} ${median(values).toFixed(1).padStart(8)}`);
    }
    const summary = {
      date: new Date().toISOString(),
      command: `npm run bench:breakdown -- --rounds ${rounds} --seconds ${seconds}`,
      c1: {
        bareP50Us: median(c1.bare),
        nereidP50Us: median(c1.nereid),
        tracedP50Us: median(c1.traced),
        modelRunUs: median(c1Stats.compute_infer!),
        outsideShare: median(c1.outside),
        statisticsMeansUs: statMeans,
        stageMediansUs: stageMedians,
        tracedRequests: stages['server total']!.length,
      },
      c16Batched: {
        nereidThroughputPerS: median(c16.nereidRps),
        nereidMainCpuUsPerRequest: median(c16.nereidMain),
        bareMainCpuUsPerRequest: median(c16.bareMain),
        mainCpuRatio: median(c16.ratio),
      },
    };
    console.log(JSON.stringify(summary, null, 2));
    writeFileSync(
      join(ROOT, 'bench/results/latency-breakdown.json'),
      `${JSON.stringify(summary, null, 2)}\n`,
    );
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
