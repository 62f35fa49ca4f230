/**
 * The server-side view of a measurement window from Triton's statistics extension: the
 * cumulative counters of one model (summed over its versions, or one version) taken before and
 * after the window, their difference, and perf_analyzer's per-request averages (queue, compute
 * input/infer/output, cache hit/miss and the unaccounted overhead). Fetching is the runner's job.
 */
import type { ModelStatisticsResponse, StatisticDuration } from '../../client/index.js';

/** Counters of one model over a span of time (durations in nanoseconds). */
export interface ServerCounters {
  /** Inferences (a batch of N counts N). */
  inferenceCount: number;
  /** Model executions. */
  executionCount: number;
  /** Successful requests. */
  successCount: number;
  /** Total end-to-end server time of successful requests, ns. */
  successNs: number;
  queueCount: number;
  queueNs: number;
  computeInputCount: number;
  computeInputNs: number;
  computeInferCount: number;
  computeInferNs: number;
  computeOutputCount: number;
  computeOutputNs: number;
  cacheHitCount: number;
  cacheHitNs: number;
  cacheMissCount: number;
  cacheMissNs: number;
}

/** Per-request averages of a window in microseconds, as perf_analyzer computes them. */
export interface ServerAverages {
  /** Average server request latency (success ns / success count). */
  requestUs: number;
  /** Part of requestUs not accounted for by the phases below. */
  overheadUs: number;
  queueUs: number;
  computeInputUs: number;
  computeInferUs: number;
  computeOutputUs: number;
  cacheHitUs: number;
  cacheMissUs: number;
}

/** All-zero counters. */
export function emptyCounters(): ServerCounters {
  return {
    inferenceCount: 0,
    executionCount: 0,
    successCount: 0,
    successNs: 0,
    queueCount: 0,
    queueNs: 0,
    computeInputCount: 0,
    computeInputNs: 0,
    computeInferCount: 0,
    computeInferNs: 0,
    computeOutputCount: 0,
    computeOutputNs: 0,
    cacheHitCount: 0,
    cacheHitNs: 0,
    cacheMissCount: 0,
    cacheMissNs: 0,
  };
}

const PHASES = [
  ['success', 'success'],
  ['queue', 'queue'],
  ['compute_input', 'computeInput'],
  ['compute_infer', 'computeInfer'],
  ['compute_output', 'computeOutput'],
  ['cache_hit', 'cacheHit'],
  ['cache_miss', 'cacheMiss'],
] as const;

/** Cumulative counters of `model` (one `version`, or all versions when ''). */
export function countersOf(
  response: ModelStatisticsResponse,
  model: string,
  version: string,
): ServerCounters {
  const out = emptyCounters();
  for (const entry of response.model_stats ?? []) {
    if (entry.name !== model || (version !== '' && entry.version !== version)) continue;
    out.inferenceCount += Number(entry.inference_count ?? 0);
    out.executionCount += Number(entry.execution_count ?? 0);
    for (const [wire, key] of PHASES) {
      const d: Partial<StatisticDuration> = entry.inference_stats?.[wire] ?? {};
      (out as unknown as Record<string, number>)[`${key}Count`]! += Number(d.count ?? 0);
      (out as unknown as Record<string, number>)[`${key}Ns`]! += Number(d.ns ?? 0);
    }
  }
  return out;
}

/** `after - before`, field by field. */
export function diffCounters(after: ServerCounters, before: ServerCounters): ServerCounters {
  const out = emptyCounters() as unknown as Record<string, number>;
  for (const key in out) {
    out[key] =
      (after as unknown as Record<string, number>)[key]! -
      (before as unknown as Record<string, number>)[key]!;
  }
  return out as unknown as ServerCounters;
}

/** `a + b`, field by field. */
export function addCounters(a: ServerCounters, b: ServerCounters): ServerCounters {
  const out = emptyCounters() as unknown as Record<string, number>;
  for (const key in out) {
    out[key] =
      (a as unknown as Record<string, number>)[key]! + (b as unknown as Record<string, number>)[key]!;
  }
  return out as unknown as ServerCounters;
}

function avgUs(ns: number, count: number): number {
  return count > 0 ? ns / count / 1000 : 0;
}

/** perf_analyzer's per-request averages of a window. */
export function serverAverages(c: ServerCounters): ServerAverages {
  const requestUs = avgUs(c.successNs, c.successCount);
  const queueUs = avgUs(c.queueNs, c.queueCount);
  const computeInputUs = avgUs(c.computeInputNs, c.computeInputCount);
  const computeInferUs = avgUs(c.computeInferNs, c.computeInferCount);
  const computeOutputUs = avgUs(c.computeOutputNs, c.computeOutputCount);
  const cacheHitUs = avgUs(c.cacheHitNs, c.cacheHitCount);
  const cacheMissUs = avgUs(c.cacheMissNs, c.cacheMissCount);
  const accounted = queueUs + computeInputUs + computeInferUs + computeOutputUs + cacheHitUs + cacheMissUs;
  return {
    requestUs,
    overheadUs: Math.max(0, requestUs - accounted),
    queueUs,
    computeInputUs,
    computeInferUs,
    computeOutputUs,
    cacheHitUs,
    cacheMissUs,
  };
}
