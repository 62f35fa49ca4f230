/**
 * Benchmark (issue 20): LLM serving against the in-process limit, side by side. (L) node-llama-cpp
 * alone, in its own process (bench/lib/llm-limit.ts): N sequences x 128 tokens in one context with
 * the server's settings (stories260K, one thread, context 256), greedy, EOS ignored. (N) Nereid as
 * a child process (`nereid serve`, 32 sequence slots, one thread) with N OpenAI SSE streams of 128
 * tokens started together from this process. For N = 1, 8 and 32, L and N alternate (which goes
 * first alternates too) and repeat BENCH_ROUNDS times; medians. Reported: output tokens/s, TTFT and
 * inter-token latency p50/p99 over the requests (genai-perf's per-request ITL: (last token - first
 * token) / (tokens - 1); timed where the tokens come out: in-process for L, at the SSE client for N),
 * and Nereid's CPU per output token (all threads, and its main thread) from /proc. (H), alternated
 * with them, is the HTTP floor of TTFT: the same N streams against a bare node:http child process
 * that answers each with one SSE token at once (bench/lib/sse-floor-server.ts). Writes
 * bench/results/llm.json.
 * Run: `npm run bench:llm` (BENCH_ROUNDS default 5, BENCH_LEVELS default "1,8,32").
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Agent, setGlobalDispatcher } from 'undici';
import { processCpu } from './lib/cpu-accounting.js';
import {
  type LlmServer,
  quantile,
  ROOT,
  requestItlMs,
  STORIES_GGUF,
  startLlmServer,
  stopLlmServer,
  streamCompletion,
  writeLlmRepository,
} from './lib/llm-server.js';
import { type ServerProcess, startSseFloor } from './lib/server-process.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const LEVELS = (process.env.BENCH_LEVELS ?? '1,8,32').split(',').map(Number);
const TOKENS = 128;
const LIMIT_SCRIPT = join(ROOT, 'dist', 'bench', 'lib', 'llm-limit.js');

// Connections stay open between rounds (undici closes idle ones after 4 s by default, and the
// in-process runs in between take longer): TTFT then measures the server, not TCP set-up.
setGlobalDispatcher(new Agent({ keepAliveTimeout: 600_000, keepAliveMaxTimeout: 600_000, connections: 64 }));

/** One measurement of one side. */
interface Sample {
  tokensPerS: number;
  ttftP50Ms: number;
  ttftP99Ms: number;
  itlP50Ms: number;
  itlP99Ms: number;
  /** Nereid only: CPU of all its threads, and of its main thread, per output token. */
  cpuUsPerToken?: number;
  mainCpuUsPerToken?: number;
  /** Nereid only: mean TTFT the server measured (arrival at the core to the first token), ms. */
  serverTtftMeanMs?: number;
}

/** Sum and count of the server's TTFT histogram (from /metrics). */
async function serverTtft(server: LlmServer): Promise<{ sum: number; count: number }> {
  const text = await (await fetch(`http://127.0.0.1:${server.metrics}/metrics`)).text();
  const read = (name: string) =>
    Number(new RegExp(`^${name}\\{[^}]*\\} ([0-9.e+-]+)`, 'm').exec(text)?.[1] ?? 0);
  return {
    sum: read('nereid_llm_time_to_first_token_seconds_sum'),
    count: read('nereid_llm_time_to_first_token_seconds_count'),
  };
}

async function limit(n: number): Promise<Sample> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [LIMIT_SCRIPT, STORIES_GGUF, String(n), String(TOKENS)],
    {
      cwd: ROOT,
      timeout: 600_000,
    },
  );
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Sample;
}

async function served(server: LlmServer, n: number): Promise<Sample> {
  const pid = server.child.pid!;
  const ttftBefore = await serverTtft(server);
  const before = processCpu(pid);
  const start = performance.now();
  const results = await Promise.all(Array.from({ length: n }, () => streamCompletion(server, TOKENS)));
  const seconds = (performance.now() - start) / 1000;
  const after = processCpu(pid);
  const ttftAfter = await serverTtft(server);
  const tokens = results.reduce((sum, r) => sum + r.tokens, 0);
  const ttft = results.map((r) => r.ttftMs);
  const gaps = results.map((r) => requestItlMs(r.ttftMs, r.lastMs, r.tokens));
  return {
    tokensPerS: tokens / seconds,
    ttftP50Ms: quantile(ttft, 0.5),
    ttftP99Ms: quantile(ttft, 0.99),
    itlP50Ms: quantile(gaps, 0.5),
    itlP99Ms: quantile(gaps, 0.99),
    cpuUsPerToken: (after.mainUs + after.otherUs - before.mainUs - before.otherUs) / tokens,
    mainCpuUsPerToken: (after.mainUs - before.mainUs) / tokens,
    serverTtftMeanMs:
      ((ttftAfter.sum - ttftBefore.sum) / Math.max(1, ttftAfter.count - ttftBefore.count)) * 1000,
  };
}

/** TTFT p50 of N streams against the HTTP floor (one SSE token per request, at once); median of 3 bursts. */
async function floor(process_: ServerProcess, n: number): Promise<number> {
  const server: LlmServer = { child: process_.child, http: process_.port, metrics: -1, stop: process_.stop };
  const bursts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const results = await Promise.all(Array.from({ length: n }, () => streamCompletion(server, 1)));
    bursts.push(
      quantile(
        results.map((r) => r.ttftMs),
        0.5,
      ),
    );
  }
  return quantile(bursts, 0.5);
}

function median(values: number[]): number {
  return quantile(values, 0.5);
}

function medians(samples: Sample[]): Sample {
  const keys = Object.keys(samples[0]!) as (keyof Sample)[];
  return Object.fromEntries(keys.map((k) => [k, median(samples.map((s) => s[k]!))])) as unknown as Sample;
}

async function main(): Promise<void> {
  const repository = writeLlmRepository(32, 1, false);
  const server = await startLlmServer(repository);
  const httpFloor = await startSseFloor();
  const samples: Record<number, { limit: Sample[]; nereid: Sample[]; floorTtftMs: number[] }> = {};
  try {
    await served(server, Math.max(...LEVELS)); // warm-up, and every connection opened
    await floor(httpFloor, Math.max(...LEVELS));
    for (let round = 0; round < ROUNDS; round++) {
      for (const n of LEVELS) {
        samples[n] ??= { limit: [], nereid: [], floorTtftMs: [] };
        const limitFirst = (round + n) % 2 === 0;
        for (const side of limitFirst ? ['limit', 'nereid'] : ['nereid', 'limit']) {
          const sample = side === 'limit' ? await limit(n) : await served(server, n);
          samples[n]![side as 'limit' | 'nereid'].push(sample);
          process.stderr.write(`round ${round + 1} N=${n} ${side}: ${JSON.stringify(sample)}\n`);
        }
        // The floor right after N, so both see the same load.
        samples[n]!.floorTtftMs.push(await floor(httpFloor, n));
      }
    }
  } finally {
    await stopLlmServer(server);
    await httpFloor.stop();
    rmSync(repository, { recursive: true, force: true });
  }
  const f = (x: number | undefined) => (x === undefined ? '-' : x >= 100 ? x.toFixed(0) : x.toFixed(2));
  console.log(
    `LLM serving vs in-process node-llama-cpp: ${ROUNDS} rounds, ${TOKENS} tokens per sequence, medians; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  console.log(
    'N  | L tok/s | N tok/s | ratio | TTFT p50 L/N ms | HTTP floor H ms | (N-H)/L | TTFT p99 L/N ms | server TTFT mean N ms | ITL p50 L/N ms | ITL p99 L/N ms | CPU us/token (main)',
  );
  const summary: Record<number, { limit: Sample; nereid: Sample; floorTtftMs: number }> = {};
  for (const n of LEVELS) {
    const l = medians(samples[n]!.limit);
    const s = medians(samples[n]!.nereid);
    const h = median(samples[n]!.floorTtftMs);
    summary[n] = { limit: l, nereid: s, floorTtftMs: h };
    console.log(
      `${String(n).padEnd(3)}| ${f(l.tokensPerS)} | ${f(s.tokensPerS)} | ${(s.tokensPerS / l.tokensPerS).toFixed(2)} | ${f(l.ttftP50Ms)} / ${f(s.ttftP50Ms)} | ${f(h)} | ${((s.ttftP50Ms - h) / l.ttftP50Ms).toFixed(2)} | ${f(l.ttftP99Ms)} / ${f(s.ttftP99Ms)} | ${f(s.serverTtftMeanMs)} | ${f(l.itlP50Ms)} / ${f(s.itlP50Ms)} | ${f(l.itlP99Ms)} / ${f(s.itlP99Ms)} | ${f(s.cpuUsPerToken)} (${f(s.mainCpuUsPerToken)})`,
    );
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(
    join(ROOT, 'bench', 'results', 'llm.json'),
    `${JSON.stringify({ date: new Date().toISOString(), rounds: ROUNDS, tokens: TOKENS, loadavg: loadavg(), summary, samples }, null, 2)}\n`,
  );
}

await main();
