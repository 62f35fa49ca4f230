/**
 * Measures one candidate: loads it through the repository API with a config override (skipped
 * when it is what the server already serves), runs the perf engine over the load levels in
 * order, stopping once a level breaks the latency budget or throughput stops rising by the
 * minimum gain (or an open-loop rate is no longer reached), reads the server's memory after every
 * level, and judges the result. A config the server refuses or requests that fail make a failed
 * result, not an error; an interrupt or a lost server is an error.
 */
import { performance } from 'node:perf_hooks';
import { InferenceServerError } from '../../client/index.js';
import { ServerError } from '../../common/errors.js';
import { type LevelResult, type PerfOptions, REPORTED_PERCENTILES, runPerf } from '../perf/index.js';
import { type Candidate, candidateKey, describeCandidate } from './candidate.js';
import { applyCandidate } from './candidate-config.js';
import { type Constraints, judge } from './candidate-scoring.js';
import type { MemoryProbe } from './server-memory.js';
import type { TunableModel } from './tunable-model.js';
import type { TuneControl } from './tune-control.js';
import type { CandidateResult, LevelPoint } from './tune-report.js';

/** What a measurer needs besides the candidate. */
export interface MeasurerSetup {
  readonly control: TuneControl;
  readonly model: TunableModel;
  /** perf options shared by every candidate (model, url, load settings); levels are added here. */
  readonly perf: Omit<PerfOptions, 'concurrencyRange' | 'requestRateRange'>;
  readonly loadMode: 'concurrency' | 'request_rate';
  /** Load levels climbed in order. */
  readonly levels: readonly number[];
  readonly constraints: Constraints;
  /** A level must raise throughput by this many percent over the best so far, or the climb stops. */
  readonly minGainPct: number;
  /** Server memory, or null when it cannot be read. */
  readonly memory: MemoryProbe | null;
  /** Server memory before the model was loaded, bytes (for memory per instance), or null. */
  readonly baselineRssBytes: number | null;
  /** Aborts the measurement in progress. */
  readonly signal: AbortSignal;
  /** Called before every load: the original config must be restored afterwards. */
  onLoad(): void;
  /** The live progress line. */
  progress(text: string): void;
}

/** Whether an error is the server's answer (it refused), not a lost connection or a cancel. */
function isServerAnswer(err: unknown): err is InferenceServerError {
  return err instanceof InferenceServerError && (err.httpStatus !== undefined || err.grpcCode !== undefined);
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

/** Loads and measures candidates one at a time, remembering what the server serves. */
export class CandidateMeasurer {
  /** Key of the candidate the server serves now, or null when unknown. */
  private servedKey: string | null;
  private count = 0;

  constructor(
    private readonly setup: MeasurerSetup,
    served: Candidate | null,
  ) {
    this.servedKey = served === null ? null : candidateKey(served);
  }

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
    result.error = await this.load(candidate);
    result.loadMs = performance.now() - loadStart;
    if (result.error === null) {
      const measureStart = performance.now();
      result.error = await this.sweep(index, result);
      result.measureMs = performance.now() - measureStart;
    }
    const rss = result.rssBytes;
    if (rss !== null && this.setup.baselineRssBytes !== null)
      result.memoryPerInstanceBytes = (rss - this.setup.baselineRssBytes) / candidate.instances;
    Object.assign(result, judge(result.levels, rss, result.error, this.setup.constraints));
    return result;
  }

  /** Loads `candidate` unless it is served already; the server's refusal text, or null. */
  private async load(candidate: Candidate): Promise<string | null> {
    const key = candidateKey(candidate);
    if (key === this.servedKey) return null;
    this.setup.onLoad();
    this.servedKey = null;
    try {
      const config = applyCandidate(this.setup.model.config, candidate);
      await this.setup.control.loadModel(this.setup.model.name, { config: JSON.stringify(config) });
    } catch (err) {
      if (!isServerAnswer(err)) throw err;
      // A reload that fails leaves the previous versions serving, but which one is unknown here.
      return `the server refused the config: ${err.message}`;
    }
    this.servedKey = key;
    return null;
  }

  private async sample(result: CandidateResult): Promise<void> {
    const rss = (await this.setup.memory?.readRssBytes()) ?? null;
    if (rss !== null) result.rssBytes = Math.max(result.rssBytes ?? 0, rss);
  }

  /** Runs the load sweep into `result.levels`; the failure text, or null. */
  private async sweep(index: number, result: CandidateResult): Promise<string | null> {
    const s = this.setup;
    const percentile = s.constraints.percentile;
    const options: PerfOptions = {
      ...s.perf,
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
