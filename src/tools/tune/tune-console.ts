/**
 * The console text of a tune run besides the table: the plan printed before measuring (model,
 * server, objective and constraints, the space, the load, how long it will take), one line per
 * configuration as it is measured, and the closing recommendation (the winner, why, the original
 * config compared, the config.pbtxt) or the answer that nothing met the constraints.
 */
import { chosenPoint } from './candidate-scoring.js';
import type { SearchSpace } from './search-space.js';
import { formatDuration, type TimeEstimate } from './time-estimate.js';
import type { CandidateResult, TuneReport } from './tune-report.js';

/** What the plan says. */
export interface PlanFacts {
  readonly report: TuneReport;
  readonly space: SearchSpace;
  readonly estimate: TimeEstimate;
}

function list(values: readonly (number | string)[]): string {
  return values.join(',');
}

/** The constraints as words: `p99 <= 20 ms, >= 500 infer/s`, or `none`. */
export function constraintText(report: TuneReport): string {
  const s = report.settings;
  const parts = [
    s.latencyBudgetMs === null ? null : `p${s.percentile} <= ${s.latencyBudgetMs} ms`,
    s.minThroughput > 0 ? `>= ${s.minThroughput} infer/s` : null,
    s.memoryBudgetMb === null ? null : `server memory <= ${s.memoryBudgetMb} MB`,
  ].filter((p) => p !== null);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** The plan, printed before the first measurement. */
export function formatPlan({ report, space, estimate }: PlanFacts): string {
  const s = report.settings;
  const m = report.model;
  const dims = [`instances ${list(space.instances)}`];
  if (space.dynamicBatching.length > 1 || space.dynamicBatching[0] === true) {
    dims.push(`dynamic batching ${list(space.dynamicBatching.map((b) => (b ? 'on' : 'off')))}`);
  }
  if (space.dynamicBatching.includes(true) || space.sequence)
    dims.push(`max_batch_size ${list(space.maxBatchSize)}`);
  if (space.dynamicBatching.includes(true)) {
    dims.push(`queue delay ${list(space.maxQueueDelayUs)} µs`);
    if (space.preferredBatchSizes.length > 1 || space.preferredBatchSizes[0]!.length > 0)
      dims.push(
        `preferred ${space.preferredBatchSizes.map((p) => (p.length === 0 ? 'default' : p.join('+'))).join(' | ')}`,
      );
  }
  if (space.intraOpThreads.length > 1 || space.intraOpThreads[0] !== 0)
    dims.push(`intra-op threads ${list(space.intraOpThreads.map((t) => (t === 0 ? 'default' : t)))}`);
  const objective =
    s.objective === 'throughput'
      ? `most throughput; constraints: ${constraintText(report)}`
      : `lowest p${s.percentile} latency at ${s.loadMode === 'concurrency' ? 'concurrency' : 'request rate'} ${s.loadLevels[0]}; constraints: ${constraintText(report)}`;
  const load =
    s.objective === 'throughput'
      ? `${s.loadMode === 'concurrency' ? 'concurrency' : 'request rate'} ${list(s.loadLevels)}, climbed until a level breaks the budget or adds less than ${s.minGainPct} %`
      : `${s.loadMode === 'concurrency' ? 'concurrency' : 'request rate'} ${s.loadLevels[0]}`;
  const count =
    s.search === 'exhaustive'
      ? `Exhaustive search: ${estimate.configs} configurations`
      : `Quick search: about ${estimate.configs} of ${report.space.size} configurations (at most ${estimate.maxConfigs})`;
  return [
    `Tuning model '${m.name}' (${m.backend || 'unknown backend'}, max_batch_size ${m.maxBatchSize}${m.sequence ? ', sequence batching' : ''}) on ${report.server.url}${report.server.owned ? ' (tune starts a server for each configuration)' : ''}, ${report.server.cores} cores`,
    `Objective: ${objective}`,
    `Space: ${dims.join(' x ')} = ${report.space.size} configurations`,
    `Load: ${load}; windows of ${s.measurementIntervalMs} ms, 3 to ${s.maxTrials} per level, batch size ${s.batchSize}`,
    `${count}: expect about ${formatDuration(estimate.typicalMs)} (${formatDuration(estimate.minMs)} to ${formatDuration(estimate.maxMs)})`,
    '',
  ].join('\n');
}

/** One line per measured configuration. */
export function formatResultLine(r: CandidateResult, report: TuneReport): string {
  const p = chosenPoint(r);
  const load = report.settings.loadMode === 'concurrency' ? 'concurrency' : 'request rate';
  const head = `[${r.index}] ${r.label}${r.original ? ' (original)' : ''}`;
  if (p === null) return `${head}: ${r.verdict}\n`;
  const memory = r.rssBytes === null ? '' : `, server ${Math.round(r.rssBytes / 1e6)} MB`;
  return `${head}: ${p.throughput.toFixed(1)} infer/s at ${load} ${p.level}, p${report.settings.percentile} ${(p.latencyUs / 1000).toFixed(2)} ms${memory}: ${r.verdict}\n`;
}

/** The closing block: recommendation (or none), why, the original compared, the config text. */
export function formatRecommendation(report: TuneReport, versusOriginal: string): string {
  const lines: string[] = [];
  if (report.winner === null) {
    lines.push(`No recommendation. ${report.explanation}.`);
  } else {
    const w = report.results[report.winner]!;
    const p = chosenPoint(w)!;
    lines.push(
      `Recommended: ${w.label}: ${p.throughput.toFixed(1)} infer/s at ${report.settings.loadMode === 'concurrency' ? 'concurrency' : 'request rate'} ${p.level}, p${report.settings.percentile} ${(p.latencyUs / 1000).toFixed(2)} ms.`,
      `Why: ${report.explanation}.`,
    );
    if (versusOriginal !== '') lines.push(`${versusOriginal}.`);
    if (report.recommendedConfig !== null) lines.push('', report.recommendedConfig.trimEnd());
  }
  lines.push('', `${report.restored}. Took ${formatDuration(report.durationMs)}.`, '');
  return lines.join('\n');
}
