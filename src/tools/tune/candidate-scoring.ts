/**
 * Judging measured configurations: a configuration's reported load level and score under the
 * constraints (latency budget at the run's percentile, minimum throughput, memory budget) and the
 * objective (throughput within the constraints, or latency at one load), the winner (the cheapest
 * configuration within --min-gain-pct of the best score) and the throughput-vs-latency Pareto
 * front the report marks. Pure functions over results.
 */
import type { CandidateResult, LevelPoint } from './tune-report.js';

/** What a configuration must meet and what it is judged on. */
export interface Constraints {
  readonly objective: 'throughput' | 'latency';
  /** The percentile latencies are judged at (labels only; LevelPoint.latencyUs is already at it). */
  readonly percentile: number;
  /** Latency budget in µs, or null. */
  readonly latencyBudgetUs: number | null;
  /** Least throughput, inferences/s. */
  readonly minThroughput: number;
  /** Most server resident memory in bytes, or null. */
  readonly memoryBudgetBytes: number | null;
  /** 'concurrency' or 'request rate', for messages. */
  readonly loadLabel: string;
}

/** The judgement of one configuration. */
export interface Judgement {
  chosenLevel: number | null;
  verdict: string;
  score: number | null;
}

const ms = (us: number) => `${(us / 1000).toFixed(us < 10_000 ? 2 : 1)} ms`;

function lowestLatency(levels: readonly LevelPoint[]): number {
  let best = 0;
  levels.forEach((l, i) => {
    if (l.latencyUs < levels[best]!.latencyUs) best = i;
  });
  return best;
}

/** Judges a measured configuration (its levels, memory and error) against `c`. */
export function judge(
  levels: readonly LevelPoint[],
  rssBytes: number | null,
  error: string | null,
  c: Constraints,
): Judgement {
  if (error !== null) return { chosenLevel: null, verdict: `failed: ${error}`, score: null };
  if (levels.length === 0)
    return { chosenLevel: null, verdict: 'failed: no load level measured', score: null };
  const p = `p${c.percentile}`;
  let chosen = -1;
  levels.forEach((l, i) => {
    const inBudget = c.latencyBudgetUs === null || l.latencyUs <= c.latencyBudgetUs;
    if (
      inBudget &&
      l.throughput >= c.minThroughput &&
      (chosen < 0 || l.throughput > levels[chosen]!.throughput)
    )
      chosen = i;
  });
  if (chosen < 0) {
    const low = lowestLatency(levels);
    const l = levels[low]!;
    const verdict =
      c.latencyBudgetUs !== null && l.latencyUs > c.latencyBudgetUs
        ? `${p} ${ms(l.latencyUs)} at ${c.loadLabel} ${l.level} is over the ${ms(c.latencyBudgetUs)} budget`
        : `${Math.round(Math.max(...levels.map((x) => x.throughput)))} infer/s is below the minimum of ${c.minThroughput}`;
    return { chosenLevel: low, verdict, score: null };
  }
  if (c.memoryBudgetBytes !== null && rssBytes !== null && rssBytes > c.memoryBudgetBytes) {
    return {
      chosenLevel: chosen,
      verdict: `server memory ${Math.round(rssBytes / 1e6)} MB is over the ${Math.round(c.memoryBudgetBytes / 1e6)} MB budget`,
      score: null,
    };
  }
  const point = levels[chosen]!;
  return {
    chosenLevel: chosen,
    verdict: 'ok',
    score: c.objective === 'throughput' ? point.throughput : -point.latencyUs,
  };
}

/** The reported point of a result, or null when it has none. */
export function chosenPoint(r: CandidateResult): LevelPoint | null {
  return r.chosenLevel === null ? null : (r.levels[r.chosenLevel] ?? null);
}

/**
 * The index of the recommended result: among those with a score, the cheapest (fewest instances,
 * then least memory, then smallest max_batch_size) whose score is within `minGainPct` percent of
 * the best score; null when no result has a score.
 */
export function chooseWinner(results: readonly CandidateResult[], minGainPct: number): number | null {
  const scored = results.map((r, i) => ({ r, i })).filter((x) => x.r.score !== null);
  if (scored.length === 0) return null;
  const best = Math.max(...scored.map((x) => x.r.score!));
  const close = scored.filter((x) => x.r.score! + (Math.abs(x.r.score!) * minGainPct) / 100 >= best);
  close.sort(
    (a, b) =>
      a.r.candidate.instances - b.r.candidate.instances ||
      (a.r.rssBytes ?? Number.POSITIVE_INFINITY) - (b.r.rssBytes ?? Number.POSITIVE_INFINITY) ||
      a.r.candidate.maxBatchSize - b.r.candidate.maxBatchSize ||
      b.r.score! - a.r.score!,
  );
  return close[0]!.i;
}

/** Indexes of the results on the Pareto front of (throughput up, latency down), by rising latency. */
export function paretoFront(results: readonly CandidateResult[]): number[] {
  const points = results
    .map((r, i) => ({ i, p: r.error === null ? chosenPoint(r) : null }))
    .filter((x): x is { i: number; p: LevelPoint } => x.p !== null);
  const front = points.filter(
    (a) =>
      !points.some(
        (b) =>
          b.p.throughput >= a.p.throughput &&
          b.p.latencyUs <= a.p.latencyUs &&
          (b.p.throughput > a.p.throughput || b.p.latencyUs < a.p.latencyUs),
      ),
  );
  return front.sort((a, b) => a.p.latencyUs - b.p.latencyUs).map((x) => x.i);
}
