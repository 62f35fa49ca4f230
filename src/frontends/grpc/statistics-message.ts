/**
 * The ModelStatistics RPC's answer built from the core's statistics (the same object HTTP's
 * `GET .../stats` prints), so both protocols report identical numbers. It maps field by field
 * onto inference.ModelStatisticsResponse; it does not collect statistics.
 */
import type { ModelStatisticsJson } from '../../core/index.js';

/** A `{count, ns}` pair as inference.StatisticDuration. */
export interface StatisticDurationMessage {
  /** Number of events. */
  count: number;
  /** Total duration in ns. */
  ns: number;
}

/** inference.ModelStatisticsResponse as proto-loader serializes it. */
export interface ModelStatisticsResponseMessage {
  /** One entry per model version. */
  model_stats: Record<string, unknown>[];
}

const INFER_STAT_KEYS = [
  'success',
  'fail',
  'queue',
  'compute_input',
  'compute_infer',
  'compute_output',
  'cache_hit',
  'cache_miss',
] as const;

const RESPONSE_STAT_KEYS = [
  'compute_infer',
  'compute_output',
  'success',
  'fail',
  'empty_response',
  'cancel',
] as const;

function duration(d: { count: number; ns: number } | undefined): StatisticDurationMessage {
  return d === undefined ? { count: 0, ns: 0 } : { count: d.count, ns: d.ns };
}

function responseStats(stats: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const index in stats) {
    const entry = (stats[index] ?? {}) as Record<string, { count: number; ns: number } | undefined>;
    const message: Record<string, StatisticDurationMessage> = {};
    for (const key of RESPONSE_STAT_KEYS) message[key] = duration(entry[key]);
    out[index] = message;
  }
  return out;
}

/** One version's statistics as an inference.ModelStatistics message. */
export function modelStatisticsToMessage(stats: ModelStatisticsJson): Record<string, unknown> {
  const inferenceStats: Record<string, StatisticDurationMessage> = {};
  for (const key of INFER_STAT_KEYS) inferenceStats[key] = duration(stats.inference_stats[key]);
  return {
    name: stats.name,
    version: stats.version,
    last_inference: stats.last_inference,
    inference_count: stats.inference_count,
    execution_count: stats.execution_count,
    inference_stats: inferenceStats,
    batch_stats: stats.batch_stats.map((b) => ({
      batch_size: b.batch_size,
      compute_input: duration(b.compute_input),
      compute_infer: duration(b.compute_infer),
      compute_output: duration(b.compute_output),
    })),
    memory_usage: stats.memory_usage.map((m) => ({ type: m.type, id: m.id, byte_size: m.byte_size })),
    response_stats: responseStats(stats.response_stats),
  };
}

/** The core's `{model_stats: [...]}` as an inference.ModelStatisticsResponse. */
export function statisticsToMessage(stats: {
  model_stats: readonly ModelStatisticsJson[];
}): ModelStatisticsResponseMessage {
  return { model_stats: stats.model_stats.map(modelStatisticsToMessage) };
}
