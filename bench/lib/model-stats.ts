/**
 * Reads a model's statistics (the KServe v2 statistics extension) from a running server, for the
 * benchmarks that split a request's time into queue and compute.
 */

/** A duration counter of Triton's inference_stats. */
export interface StatDuration {
  count: number;
  ns: number;
}

/** The inference_stats counters the benchmarks read. */
export const STAT_KEYS = ['success', 'queue', 'compute_input', 'compute_infer', 'compute_output'] as const;

/** One of STAT_KEYS. */
export type StatKey = (typeof STAT_KEYS)[number];

/** The counters of one model version the benchmarks read. */
export interface ModelStats {
  inference_stats: Record<StatKey, StatDuration>;
}

/** The statistics of `model` on the server at 127.0.0.1:`port`. */
export async function modelStatsOf(port: number, model: string): Promise<ModelStats> {
  const res = await fetch(`http://127.0.0.1:${port}/v2/models/${model}/stats`);
  const body = (await res.json()) as { model_stats: ModelStats[] };
  return body.model_stats[0]!;
}

/** Mean µs per request of each STAT_KEYS counter between two readings of one model. */
export function statMeansUs(before: ModelStats, after: ModelStats): Record<StatKey, number> {
  const out = {} as Record<StatKey, number>;
  for (const k of STAT_KEYS) {
    const b = before.inference_stats[k];
    const a = after.inference_stats[k];
    out[k] = (a.ns - b.ns) / (a.count - b.count) / 1000;
  }
  return out;
}
