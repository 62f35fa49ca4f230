/**
 * Measures one candidate: has the serving target serve it (serving-target.ts), runs the perf
 * engine over the load levels in order, stopping once a level breaks the latency budget or
 * throughput stops rising by the minimum gain (or an open-loop rate is no longer reached), reads
 * the server's memory after every level, and judges the result. A config the server refuses or
 * requests that fail make a failed result, not an error; an interrupt or a lost server is an error.
 */
import { performance } from 'node:perf_hooks';
import { ServerError } from '../../common/index.js';
import { type LevelResult, type PerfOptions, REPORTED_PERCENTILES, runPerf } from '../perf/index.js';
import { type Candidate, candidateKey, describeCandidate } from './candidate.js';
import { type Constraints, judge } from './candidate-scoring.js';
import type { ServingTarget } from './serving-target.js';
import type { TunableModel } from './tunable-model.js';
import type { CandidateResult, LevelPoint } from './tune-report.js';

/** What a measurer needs besides the candidate. */
export interface MeasurerSetup {
  /** Serves each candidate. */
  readonly target: ServingTarget;
  readonly model: TunableModel;
  /** perf options shared by every candidate (model, load settings); url and levels are added here. */
  readonly perf: Omit<PerfOptions, 'url' | 'concurrencyRange' | 'requestRateRange'>;
  readonly loadMode: 'concurrency' | 'request_rate';
  /** Load levels climbed in order. */
  readonly levels: readonly number[];
  readonly constraints: Constraints;
  /** A level must raise throughput by this many percent over the best so far, or the climb stops. */
  readonly minGainPct: number;
  /** Aborts the measurement in progress. */
  readonly signal: AbortSignal;
  /** The live progress line. */
  progress(text: string): void;
}

/** The LevelPoint of a perf level result, with latency at `percentile`. */
export function levelPoint(l: LevelResult, percentile: number): LevelPoint {
  const s = l.server;
  const a = l.serverAverages;
  return {
    level: l.level,
    throughput: l.client.throughput,
    latencyUs: l.client.percentilesUs[percentile] ?? 0,
    p50Us: l.client.percentilesUs[50] ?? 0,
    p99Us: l.client.percentilesUs[99] ?? 0,
    avgUs: l.client.avgLatencyUs,
    queueUs: a?.queueUs ?? null,
    computeUs: a === null ? null : a.computeInputUs + a.computeInferUs + a.computeOutputUs,
    avgBatchSize: s === null || s.executionCount === 0 ? null : s.inferenceCount / s.executionCount,
    stable: l.stable,
  };
}

/** Serves and measures candidates one at a time. */
export class CandidateMeasurer {
  private count = 0;

  constructor(private readonly setup: MeasurerSetup) {}

  /** Measures `candidate`; `original` marks the model's own configuration. */
  async measure(candidate: Candidate, original: boolean): Promise<CandidateResult> {
    const { model } = this.setup;
    const index = ++this.count;
    const result: CandidateResult = {
      index,
      key: candidateKey(candidate),
      label: describeCandidate(candidate, model.onnx),
      candidate,
      original,
      error: null,
      levels: [],
      rssBytes: null,
      memoryPerInstanceBytes: null,
      loadMs: 0,
      measureMs: 0,
      chosenLevel: null,
      verdict: '',
      score: null,
    };
    const loadStart = performance.now();
    result.error = await this.setup.target.serve(candidate, model.config);
    result.loadMs = performance.now() - loadStart;
    if (result.error === null) {
      const measureStart = performance.now();
      result.error = await this.sweep(index, result);
      result.measureMs = performance.now() - measureStart;
    }
    const rss = result.rssBytes;
    const baseline = this.setup.target.baselineRssBytes;
    if (rss !== null && baseline !== null)
      result.memoryPerInstanceBytes = (rss - baseline) / candidate.instances;
    Object.assign(result, judge(result.levels, rss, result.error, this.setup.constraints));
    return result;
  }

  private async sample(result: CandidateResult): Promise<void> {
    const rss = (await this.setup.target.memory?.readRssBytes()) ?? null;
    if (rss !== null) result.rssBytes = Math.max(result.rssBytes ?? 0, rss);
  }

  /** Runs the load sweep into `result.levels`; the failure text, or null. */
  private async sweep(index: number, result: CandidateResult): Promise<string | null> {
    const s = this.setup;
    const percentile = s.constraints.percentile;
    const options: PerfOptions = {
      ...s.perf,
      url: s.target.url,
      // perf stabilises on the average unless told a percentile; only pass one it would not report.
      percentile: REPORTED_PERCENTILES.includes(percentile) ? undefined : percentile,
      ...(s.loadMode === 'concurrency' ? { concurrencyRange: s.levels } : { requestRateRange: s.levels }),
    };
    let best = 0;
    const afterLevel = async (level: LevelResult): Promise<boolean> => {
      const point = levelPoint(level, percentile);
      result.levels.push(point);
      await this.sample(result);
      const budget = s.constraints.latencyBudgetUs;
      if (budget !== null && point.latencyUs > budget) return false;
      if (s.loadMode === 'request_rate' && point.throughput < level.level * s.perf.batchSize! * 0.9)
        return false;
      const rising = point.throughput > best * (1 + s.minGainPct / 100);
      best = Math.max(best, point.throughput);
      return rising;
    };
    try {
      await runPerf(
        options,
        { progress: (text) => s.progress(text === '' ? '' : `[config ${index}] ${text}`) },
        { signal: s.signal, afterLevel },
      );
    } catch (err) {
      if (err instanceof ServerError && err.code === 'ERR_PERF_REQUEST_FAILED') return err.message;
      throw err;
    } finally {
      s.progress('');
    }
    return null;
  }
}
