/**
 * Benchmark (issue 20): does a saturated LLM slow the rest of the server? Nereid runs as a child
 * process serving `stories` (stories260K GGUF, 32 sequence slots) and the ONNX example `simple`.
 * In each round and for each llama.cpp thread count, two phases of BENCH_DURATION_MS: idle (only a
 * probe sending `simple` requests one after the other, 20 ms apart) and saturated (the same probe
 * while 32 OpenAI SSE streams of 128 tokens each, greedy, EOS ignored, run in a closed loop).
 * Reported per phase: `simple`'s latency p50/p99 seen by the probe, the server main thread's
 * event-loop delay (prom-client's monitorEventLoopDelay over the phase, read from /metrics), the
 * LLM's output tokens/s and inter-token latency p50 at the client, and the server's main-thread
 * CPU per output token. Medians over rounds; phases and variants alternate. Writes
 * bench/results/llm-main-thread.json.
 * Run: `npm run bench:llm-main-thread` (BENCH_DURATION_MS default 8000, BENCH_ROUNDS default 3,
 * BENCH_THREADS default "1,2").
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { processCpu } from './lib/cpu-accounting.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const GGUF = join(ROOT, '..', 'shared', 'models', 'stories260K.gguf');
const EXAMPLES = join(ROOT, 'examples', 'model_repository');
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const STREAMS = 32;
const TOKENS = 128;
const PROBE_GAP_MS = 20;

interface Server {
  child: ChildProcess;
  http: number;
  metrics: number;
}

function writeRepository(threads: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-bench-llm-'));
  mkdirSync(join(dir, 'stories', '1'), { recursive: true });
  symlinkSync(GGUF, join(dir, 'stories', '1', 'model.gguf'));
  writeFileSync(
    join(dir, 'stories', 'config.pbtxt'),
    [
      'backend: "llamacpp"',
      `parameters { key: "max_num_seqs" value { string_value: "${STREAMS}" } }`,
      'parameters { key: "context_length" value { string_value: "256" } }',
      `parameters { key: "threads" value { string_value: "${threads}" } }`,
    ].join('\n'),
  );
  symlinkSync(join(EXAMPLES, 'simple'), join(dir, 'simple'), 'dir');
  return dir;
}

function startServer(repository: string): Promise<Server> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--model-repository',
      repository,
      '--http-port',
      '0',
      '--http-address',
      '127.0.0.1',
      '--allow-grpc=false',
      '--metrics-port',
      '0',
      '--allow-cpu-metrics=false',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let text = '';
    child.stderr!.on('data', (d) => {
      text += d;
      const http = /Started HTTPService at [0-9.]+:(\d+)/.exec(text)?.[1];
      const metrics = /Started Metrics Service at [0-9.]+:(\d+)/.exec(text)?.[1];
      if (http !== undefined && metrics !== undefined)
        resolve({ child, http: Number(http), metrics: Number(metrics) });
    });
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}:\n${text}`)));
  });
}

async function stopServer(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

/** Event-loop delay of the server's main thread since the previous scrape (prom-client resets it). */
async function eventLoopDelay(server: Server): Promise<{ p50Ms: number; p99Ms: number; maxMs: number }> {
  const text = await (await fetch(`http://127.0.0.1:${server.metrics}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? Number.NaN) * 1000;
  return {
    p50Ms: read('nereid_nodejs_eventloop_lag_p50_seconds'),
    p99Ms: read('nereid_nodejs_eventloop_lag_p99_seconds'),
    maxMs: read('nereid_nodejs_eventloop_lag_max_seconds'),
  };
}

const SIMPLE_BODY = JSON.stringify({
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(1) },
  ],
});

/** Sends `simple` requests one after the other, PROBE_GAP_MS apart, until `until`; returns latencies in ms. */
async function probe(server: Server, until: number): Promise<number[]> {
  const latencies: number[] = [];
  while (Date.now() < until) {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${server.http}/v2/models/simple/infer`, {
      method: 'POST',
      body: SIMPLE_BODY,
    });
    await res.arrayBuffer();
    latencies.push(performance.now() - t0);
    await new Promise((resolve) => setTimeout(resolve, PROBE_GAP_MS));
  }
  return latencies;
}

/** One closed-loop stream of OpenAI completions until `until`; adds its tokens and inter-token gaps. */
async function stream(server: Server, until: number, gaps: number[]): Promise<number> {
  let tokens = 0;
  const body = JSON.stringify({
    model: 'stories',
    prompt: 'Once upon a time',
    max_tokens: TOKENS,
    temperature: 0,
    ignore_eos: true,
    stream: true,
  });
  // Streams still running at the end of the phase are cut there (a slow variant's 128 tokens can take longer).
  const signal = AbortSignal.timeout(Math.max(1, until - Date.now()));
  while (Date.now() < until) {
    let res: Response;
    try {
      res = await fetch(`http://127.0.0.1:${server.http}/v1/completions`, { method: 'POST', body, signal });
    } catch {
      break;
    }
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let last = -1;
    let buffered = '';
    for (;;) {
      let chunk: Awaited<ReturnType<typeof reader.read>>;
      try {
        chunk = await reader.read();
      } catch {
        break;
      }
      const { value, done } = chunk;
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end = buffered.indexOf('\n\n');
      while (end !== -1) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (event.includes('"text":"') && !event.includes('"text":""')) {
          const now = performance.now();
          if (last >= 0) gaps.push(now - last);
          last = now;
          tokens++;
        }
        end = buffered.indexOf('\n\n');
      }
    }
  }
  return tokens;
}

function quantile(values: number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

interface Phase {
  simpleP50Ms: number;
  simpleP99Ms: number;
  loopP50Ms: number;
  loopP99Ms: number;
  loopMaxMs: number;
  tokensPerS: number;
  itlP50Ms: number;
  mainCpuUsPerToken: number;
}

async function runPhase(server: Server, saturated: boolean): Promise<Phase> {
  await eventLoopDelay(server); // resets the server's histogram
  const cpuBefore = processCpu(server.child.pid!);
  const t0 = performance.now();
  const until = Date.now() + DURATION_MS;
  const gaps: number[] = [];
  const [latencies, tokens] = await Promise.all([
    probe(server, until),
    saturated
      ? Promise.all(Array.from({ length: STREAMS }, () => stream(server, until, gaps))).then((t) =>
          t.reduce((a, b) => a + b, 0),
        )
      : Promise.resolve(0),
  ]);
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = processCpu(server.child.pid!);
  const loop = await eventLoopDelay(server);
  return {
    simpleP50Ms: quantile(latencies, 0.5),
    simpleP99Ms: quantile(latencies, 0.99),
    loopP50Ms: loop.p50Ms,
    loopP99Ms: loop.p99Ms,
    loopMaxMs: loop.maxMs,
    tokensPerS: tokens / seconds,
    itlP50Ms: quantile(gaps, 0.5),
    mainCpuUsPerToken: tokens === 0 ? Number.NaN : (cpuAfter.mainUs - cpuBefore.mainUs) / tokens,
  };
}

async function main(): Promise<void> {
  const results: Record<string, { idle: Phase[]; saturated: Phase[] }> = {};
  for (let round = 0; round < ROUNDS; round++) {
    for (const threads of round % 2 === 0 ? THREADS : [...THREADS].reverse()) {
      const key = `threads=${threads}`;
      results[key] ??= { idle: [], saturated: [] };
      const repository = writeRepository(threads);
      const server = await startServer(repository);
      try {
        const order = round % 2 === 0 ? [false, true] : [true, false];
        for (const saturated of order) {
          const phase = await runPhase(server, saturated);
          results[key]![saturated ? 'saturated' : 'idle'].push(phase);
          process.stderr.write(
            `round ${round + 1} ${key} ${saturated ? 'saturated' : 'idle'}: ${JSON.stringify(phase)}\n`,
          );
        }
      } finally {
        await stopServer(server);
        rmSync(repository, { recursive: true, force: true });
      }
    }
  }
  const summary: Record<string, Record<string, Record<string, number>>> = {};
  for (const [key, phases] of Object.entries(results)) {
    summary[key] = {};
    for (const name of ['idle', 'saturated'] as const) {
      const list = phases[name];
      const fields = Object.keys(list[0]!) as (keyof Phase)[];
      summary[key]![name] = Object.fromEntries(
        fields.map((f) => [f, Number(median(list.map((p) => p[f])).toFixed(3))]),
      );
    }
  }
  console.log(
    `LLM main-thread benchmark: ${ROUNDS} rounds x ${DURATION_MS} ms per phase, medians; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  for (const [key, phases] of Object.entries(summary)) {
    for (const [name, p] of Object.entries(phases)) {
      console.log(
        `${key.padEnd(10)} ${name.padEnd(9)} simple p50 ${p.simpleP50Ms} ms p99 ${p.simpleP99Ms} ms | event loop p50 ${p.loopP50Ms} ms p99 ${p.loopP99Ms} ms max ${p.loopMaxMs} ms | ${p.tokensPerS} tokens/s, ITL p50 ${p.itlP50Ms} ms, main thread ${p.mainCpuUsPerToken} us/token`,
      );
    }
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'llm-main-thread.json'),
    `${JSON.stringify({ date: new Date().toISOString(), durationMs: DURATION_MS, rounds: ROUNDS, summary, results }, null, 2)}\n`,
  );
}

await main();
