/**
 * Benchmark (issue 21): `nereid tune` on the PaddleOCR text-orientation classifier (the bundled
 * example, compute-bound) and the synthetic MLP 512→2048→2048→1000 (memory-bound at batch 1),
 * each on a server tune starts, with the default search space and a 20 ms p99 budget. Prints each
 * run's table, recommendation and time; then measures the winner against the model's shipped
 * config side by side on one server: both loaded in turn, alternating, 3 rounds each at the load
 * level tune reported for each, medians and their ratio. Writes bench/results/tune.json.
 * Run: `npm run bench:tune` (BENCH_TUNE_SEARCH=exhaustive, BENCH_TUNE_MODELS=mlp, BENCH_TUNE_BUDGET_MS=20,
 * BENCH_TUNE_INTERVAL_MS=1000 for tune's measurement windows).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExampleRepository, bundledRepositoryDir, writeMlpModel } from '../src/tools/examples/index.js';
import { runPerf } from '../src/tools/perf/index.js';
import {
  applyCandidate,
  type Candidate,
  type ConfigObject,
  chosenPoint,
  defaultServerEntry,
  formatDuration,
  openControl,
  runTune,
  startOwnedServer,
  type TuneReport,
} from '../src/tools/tune/index.js';

const SEARCH = (process.env.BENCH_TUNE_SEARCH ?? 'quick') as 'quick' | 'exhaustive';
const MODELS = (process.env.BENCH_TUNE_MODELS ?? 'text_orientation,mlp').split(',');
const BUDGET_MS = Number(process.env.BENCH_TUNE_BUDGET_MS ?? 20);
const INTERVAL_MS = Number(process.env.BENCH_TUNE_INTERVAL_MS ?? 1000);
/** Rounds of the side-by-side check, and its window. */
const ROUNDS = 3;
const CHECK_WINDOW_MS = 2000;
const RESULTS = new URL('../../bench/results/', import.meta.url);

interface SideBySide {
  /** Median infer/s of the shipped config and of the winner, and each round's figures. */
  shipped: { level: number; medianThroughput: number; medianP99Ms: number; rounds: number[] };
  winner: { level: number; medianThroughput: number; medianP99Ms: number; rounds: number[] };
  ratio: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function repositoryFor(model: string, scratch: string): string {
  if (model === 'text_orientation') {
    buildExampleRepository();
    return bundledRepositoryDir();
  }
  if (model !== 'mlp') throw new Error(`Unknown benchmark model '${model}': use text_orientation or mlp`);
  const repo = join(scratch, 'repository');
  writeMlpModel(join(repo, 'mlp'), {
    inputSize: 512,
    hiddenSizes: [2048, 2048],
    outputSize: 1000,
    maxBatchSize: 16,
  });
  return repo;
}

/** Measures the shipped config and the winner alternately on one server. */
async function sideBySide(model: string, repo: string, report: TuneReport): Promise<SideBySide | null> {
  if (report.winner === null || report.original === null) return null;
  const original = report.results[report.original]!;
  const winner = report.results[report.winner]!;
  const server = await startOwnedServer(defaultServerEntry(), [repo], []);
  const control = openControl('http', server.httpAddress, {});
  try {
    await control.loadModel(model);
    const served = (await control.modelConfig(model)) as ConfigObject;
    const configs: { name: 'shipped' | 'winner'; candidate: Candidate | null; level: number }[] = [
      { name: 'shipped', candidate: null, level: chosenPoint(original)!.level },
      { name: 'winner', candidate: winner.candidate, level: chosenPoint(winner)!.level },
    ];
    const figures = { shipped: [] as [number, number][], winner: [] as [number, number][] };
    for (let round = 0; round < ROUNDS; round++) {
      for (const c of round % 2 === 0 ? configs : [...configs].reverse()) {
        if (c.candidate === null) await control.loadModel(model);
        else await control.loadModel(model, { config: JSON.stringify(applyCandidate(served, c.candidate)) });
        const perf = await runPerf({
          model,
          url: server.httpAddress,
          concurrencyRange: [c.level],
          measurementIntervalMs: CHECK_WINDOW_MS,
          maxTrials: 3,
        });
        const level = perf.levels[0]!;
        figures[c.name].push([level.client.throughput, (level.client.percentilesUs[99] ?? 0) / 1000]);
        console.log(
          `  side by side, round ${round + 1}, ${c.name}: ${level.client.throughput.toFixed(1)} infer/s at concurrency ${c.level}, p99 ${((level.client.percentilesUs[99] ?? 0) / 1000).toFixed(2)} ms`,
        );
      }
    }
    const summary = (name: 'shipped' | 'winner', level: number) => ({
      level,
      medianThroughput: median(figures[name].map((f) => f[0])),
      medianP99Ms: median(figures[name].map((f) => f[1])),
      rounds: figures[name].map((f) => f[0]),
    });
    const shipped = summary('shipped', configs[0]!.level);
    const best = summary('winner', configs[1]!.level);
    return { shipped, winner: best, ratio: best.medianThroughput / shipped.medianThroughput };
  } finally {
    await control.close();
    await server.stop();
  }
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), 'nereid-tune-bench-'));
  const out: Record<string, unknown> = {
    date: new Date().toISOString(),
    search: SEARCH,
    budgetMs: BUDGET_MS,
    intervalMs: INTERVAL_MS,
    loadAverageBefore: loadavg()[0],
  };
  const rows: string[] = [];
  try {
    for (const model of MODELS) {
      const repo = repositoryFor(model, scratch);
      console.log(`\n=== nereid tune -m ${model} --latency-budget-ms ${BUDGET_MS} --search ${SEARCH}\n`);
      const report = await runTune(
        {
          model,
          modelRepositories: [repo],
          latencyBudgetMs: BUDGET_MS,
          search: SEARCH,
          measurementIntervalMs: INTERVAL_MS,
        },
        { out: (text) => process.stdout.write(text), warn: (text) => console.warn(`WARNING: ${text}`) },
      );
      const check = await sideBySide(model, repo, report);
      out[model] = { report, sideBySide: check };
      const w = report.winner === null ? null : report.results[report.winner]!;
      rows.push(
        `| ${model} | ${formatDuration(report.durationMs)} | ${report.results.length} of ${report.space.size} | ${w?.label ?? 'none'} | ${check === null ? '–' : `${check.winner.medianThroughput.toFixed(0)} (c${check.winner.level}, p99 ${check.winner.medianP99Ms.toFixed(1)} ms)`} | ${check === null ? '–' : `${check.shipped.medianThroughput.toFixed(0)} (c${check.shipped.level}, p99 ${check.shipped.medianP99Ms.toFixed(1)} ms)`} | ${check === null ? '–' : `**${check.ratio.toFixed(2)}×**`} |`,
      );
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  out.loadAverageAfter = loadavg()[0];
  console.log(
    `\nLoad average (1 min): ${(out.loadAverageBefore as number).toFixed(1)} before, ${(out.loadAverageAfter as number).toFixed(1)} after`,
  );
  console.log(
    '\n| model | tune took | configs measured | recommended | winner infer/s (side by side) | shipped infer/s | ratio |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(new URL('tune.json', RESULTS), `${JSON.stringify(out, null, 2)}\n`);
}

await main();
