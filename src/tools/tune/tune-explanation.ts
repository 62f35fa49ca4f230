/**
 * The sentences a tune run ends with: why the winner won, walked from the plainest configuration
 * (no dynamic batching, fewest instances, default threads) to the winner one group of settings
 * at a time, with each step's measured gain, latency and memory ("dynamic batching (max 16,
 * delay 0 µs) raised throughput 4.1× at +3.0 ms p99; a second instance added 6 % and 38 MB");
 * why there is no winner; and how the winner compares with the original config.
 */
import { type Candidate, candidateKey, describeBatching } from './candidate.js';
import { type Constraints, chosenPoint } from './candidate-scoring.js';
import type { SearchSpace } from './search-space.js';
import type { CandidateResult } from './tune-report.js';

type Group = 'batching' | 'instances' | 'threads';

function withGroup(base: Candidate, from: Candidate, group: Group): Candidate {
  if (group === 'instances') return { ...base, instances: from.instances };
  if (group === 'threads') return { ...base, intraOpThreads: from.intraOpThreads };
  return {
    ...base,
    dynamicBatching: from.dynamicBatching,
    maxBatchSize: from.maxBatchSize,
    maxQueueDelayUs: from.maxQueueDelayUs,
    preferredBatchSizes: from.preferredBatchSizes,
  };
}

function plainest(winner: Candidate, space: SearchSpace): Candidate {
  return {
    instances: Math.min(...space.instances),
    dynamicBatching: false,
    maxBatchSize: space.sequence ? winner.maxBatchSize : space.servedMaxBatchSize,
    maxQueueDelayUs: 0,
    preferredBatchSizes: [],
    intraOpThreads: space.intraOpThreads[0] ?? 0,
  };
}

const ORDINALS = ['', 'a first', 'a second', 'a third', 'a fourth'];

function msDelta(us: number): string {
  return `${us >= 0 ? '+' : '−'}${(Math.abs(us) / 1000).toFixed(1)} ms`;
}

/** A memory difference in MB, with a minus sign when it is negative: `38 MB`, `−1 MB`. */
function mbDelta(bytes: number): string {
  const mb = Math.round(bytes / 1e6);
  return mb < 0 ? `−${-mb} MB` : `${mb} MB`;
}

/** `4.1×` for big ratios, `6 %` for small ones (signed when negative). */
export function gainText(ratio: number): string {
  if (ratio >= 1.5) return `${ratio.toFixed(1)}×`;
  const pct = Math.round((ratio - 1) * 100);
  return pct < 0 ? `−${-pct} %` : `${pct} %`;
}

function subject(a: Candidate, b: Candidate, groups: readonly Group[]): string {
  const parts: string[] = [];
  if (groups.includes('batching'))
    parts.push(
      b.dynamicBatching ? describeBatching(b) : `no dynamic batching instead of ${describeBatching(a)}`,
    );
  if (groups.includes('instances')) {
    const single = b.instances === a.instances + 1 && b.instances < ORDINALS.length && parts.length === 0;
    parts.push(
      single ? `${ORDINALS[b.instances]} instance` : `${b.instances} instances instead of ${a.instances}`,
    );
  }
  if (groups.includes('threads')) {
    const t = (n: number) =>
      n === 0 ? 'the default intra-op threads' : `${n} intra-op thread${n === 1 ? '' : 's'}`;
    parts.push(`${t(b.intraOpThreads)} instead of ${t(a.intraOpThreads)}`);
  }
  return parts.join(' with ');
}

function step(a: CandidateResult, b: CandidateResult, groups: readonly Group[], percentile: number): string {
  const pa = chosenPoint(a)!;
  const pb = chosenPoint(b)!;
  const ratio = pb.throughput / Math.max(1e-9, pa.throughput);
  const memory = a.rssBytes !== null && b.rssBytes !== null ? ` and ${mbDelta(b.rssBytes - a.rssBytes)}` : '';
  const latency = ` at ${msDelta(pb.latencyUs - pa.latencyUs)} p${percentile}`;
  let verb: string;
  if (ratio >= 1.5) verb = `raised throughput ${gainText(ratio)}`;
  else if (ratio >= 1) verb = `added ${gainText(ratio)}`;
  else verb = `cost ${Math.round((1 - ratio) * 100)} % of throughput`;
  return `${subject(a.candidate, b.candidate, groups)} ${verb}${latency}${memory}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function alternatives(
  winner: CandidateResult,
  results: readonly CandidateResult[],
  percentile: number,
): string {
  const w = chosenPoint(winner)!;
  const parts: string[] = [];
  const best = (f: (r: CandidateResult) => boolean) =>
    results.filter((r) => r.score !== null && f(r)).sort((x, y) => y.score! - x.score!)[0];
  const batched = best((r) => r.candidate.dynamicBatching !== winner.candidate.dynamicBatching);
  const more = best((r) => r.candidate.instances !== winner.candidate.instances);
  for (const r of [batched, more]) {
    if (r === undefined) continue;
    const p = chosenPoint(r)!;
    parts.push(
      `${r.label} reached ${Math.round(p.throughput)} infer/s (${gainText(p.throughput / w.throughput)}) at p${percentile} ${(p.latencyUs / 1000).toFixed(1)} ms`,
    );
  }
  return parts.length === 0 ? '' : `: ${parts.join('; ')}`;
}

/** Why `results[winner]` won, as one sentence (no final period). */
export function explainWinner(
  results: readonly CandidateResult[],
  winner: number,
  space: SearchSpace,
  c: Constraints,
  minGainPct: number,
): string {
  const w = results[winner]!;
  const byKey = new Map(results.filter((r) => r.score !== null || r.error === null).map((r) => [r.key, r]));
  const path: Candidate[] = [plainest(w.candidate, space)];
  for (const group of ['batching', 'instances', 'threads'] as const) {
    const next = withGroup(path[path.length - 1]!, w.candidate, group);
    if (candidateKey(next) !== candidateKey(path[path.length - 1]!)) path.push(next);
  }
  const measured = path
    .map((cand) => byKey.get(candidateKey(cand)))
    .filter((r): r is CandidateResult => r !== undefined && chosenPoint(r) !== null);
  const fragments: string[] = [];
  for (let i = 1; i < measured.length; i++) {
    const a = measured[i - 1]!;
    const b = measured[i]!;
    const groups: Group[] = [];
    if (describeBatching(a.candidate) !== describeBatching(b.candidate)) groups.push('batching');
    if (a.candidate.instances !== b.candidate.instances) groups.push('instances');
    if (a.candidate.intraOpThreads !== b.candidate.intraOpThreads) groups.push('threads');
    fragments.push(step(a, b, groups, c.percentile));
  }
  let text =
    fragments.length > 0
      ? capitalize(fragments.join('; '))
      : `${capitalize(w.label)} was best${alternatives(w, results, c.percentile)}`;
  const higher = results
    .filter((r) => r.score !== null && r.score > w.score!)
    .sort((x, y) => y.score! - x.score!)[0];
  if (higher !== undefined) {
    const memory =
      higher.rssBytes !== null && w.rssBytes !== null
        ? ` for ${mbDelta(higher.rssBytes - w.rssBytes)} more`
        : '';
    text += `; ${higher.label} measured ${gainText(Math.abs(higher.score! / w.score!))} more${memory}, within --min-gain-pct ${minGainPct}, so the cheaper one is recommended`;
  }
  const fastest = results
    .filter((r) => r.score === null && r.error === null && r.levels.length > 0)
    .sort((x, y) => maxThroughput(y) - maxThroughput(x))[0];
  if (
    fastest !== undefined &&
    c.objective === 'throughput' &&
    maxThroughput(fastest) > chosenPoint(w)!.throughput
  ) {
    text += `; ${fastest.label} went faster (${Math.round(maxThroughput(fastest))} infer/s) but ${fastest.verdict}`;
  }
  return text;
}

function maxThroughput(r: CandidateResult): number {
  return Math.max(0, ...r.levels.map((l) => l.throughput));
}

/** Why no configuration won, as one sentence (no final period). */
export function explainNoWinner(results: readonly CandidateResult[]): string {
  const measured = results.filter((r) => r.error === null && r.levels.length > 0);
  if (measured.length === 0) {
    const first = results.find((r) => r.error !== null);
    return `No configuration could be measured${first === undefined ? '' : `: ${first.label} ${first.verdict}`}`;
  }
  const lowest = measured
    .map((r) => ({ r, p: chosenPoint(r)! }))
    .sort((a, b) => a.p.latencyUs - b.p.latencyUs)[0]!;
  return `No configuration met the constraints: the closest, ${lowest.r.label}, ${lowest.r.verdict}`;
}

/** How the winner compares with the original configuration, or '' when either is missing. */
export function compareWithOriginal(
  results: readonly CandidateResult[],
  winner: number | null,
  original: number | null,
  percentile: number,
): string {
  if (winner === null || original === null) return '';
  if (winner === original) return 'The original config is the one recommended: no measured change beat it';
  const o = results[original]!;
  const po = chosenPoint(o);
  const pw = chosenPoint(results[winner]!)!;
  if (po === null || o.error !== null) return `The original config (${o.label}) ${o.verdict}`;
  const ratio = pw.throughput / Math.max(1e-9, po.throughput);
  return `Against the original config (${o.label}): ${ratio.toFixed(2)}× the throughput (${Math.round(po.throughput)} → ${Math.round(pw.throughput)} infer/s), p${percentile} ${(po.latencyUs / 1000).toFixed(1)} → ${(pw.latencyUs / 1000).toFixed(1)} ms${o.score === null ? ` (the original ${o.verdict})` : ''}`;
}
