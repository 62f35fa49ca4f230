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
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { processCpu } from './lib/cpu-accounting.js';
import {
  type LlmServer,
  quantile,
  ROOT,
  startLlmServer,
  stopLlmServer,
  streamCompletion,
  writeLlmRepository,
} from './lib/llm-server.js';

const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const THREADS = (process.env.BENCH_THREADS ?? '1,2').split(',').map(Number);
const STREAMS = 32;
const TOKENS = 128;
const PROBE_GAP_MS = 20;

type Server = LlmServer;

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

/** One closed-loop stream of OpenAI completions until `until` (the running one is cut there); adds its gaps. */
async function stream(server: Server, until: number, gaps: number[]): Promise<number> {
  const signal = AbortSignal.timeout(Math.max(1, until - Date.now()));
  let tokens = 0;
  while (Date.now() < until) {
    const done = await streamCompletion(server, TOKENS, signal);
    tokens += done.tokens;
    gaps.push(...done.gapsMs);
  }
  return tokens;
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
      const repository = writeLlmRepository(STREAMS, threads, true);
      const server = await startLlmServer(repository);
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
        await stopLlmServer(server);
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
