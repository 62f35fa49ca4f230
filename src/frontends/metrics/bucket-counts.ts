/**
 * A histogram accumulator for one label set: per-bucket counts, sum and count in plain numbers,
 * so observing a value costs a short bound search and three additions. It holds no names or
 * labels and knows nothing of the exposition format (SeriesMetric renders it). Also the bucket
 * bounds of Nereid's histograms.
 */

/** Bounds (seconds) of the `nereid_*_duration_seconds` histograms: 50 µs .. 10 s. */
export const LATENCY_BUCKETS_S: readonly number[] = Object.freeze([
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
]);

/**
 * Bounds (seconds) of the `nereid_llm_*_seconds` histograms: 0.5 ms .. 5 min, so a tiny model's
 * inter-token latency and a long generation's end-to-end latency both land inside.
 */
export const LLM_LATENCY_BUCKETS_S: readonly number[] = Object.freeze([
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
]);

/** Bounds (milliseconds) of `nv_inference_first_response_histogram_ms`: Triton's defaults. */
export const FIRST_RESPONSE_BUCKETS_MS: readonly number[] = Object.freeze([100, 500, 2000, 5000]);

/** Bounds (rows) of `nereid_batch_size`: powers of two from 1 to 1024. */
export const BATCH_SIZE_BUCKETS: readonly number[] = Object.freeze([
  1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024,
]);

/** Counts of observations per bucket (not cumulative), their sum and their number. */
export class BucketCounts {
  /** Upper bounds, ascending; the implicit last bucket is +Inf. */
  readonly bounds: readonly number[];
  /** `counts[i]` = observations in (bounds[i-1], bounds[i]]; the last entry is the +Inf bucket. */
  readonly counts: Float64Array;
  /** Sum of the observed values. */
  sum: number;
  /** Number of observations. */
  count: number;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
    this.sum = 0;
    this.count = 0;
  }

  /** Records one value. */
  observe(value: number): void {
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    this.counts[i]!++;
    this.sum += value;
    this.count++;
  }

  /** Observations <= `bounds[i]` (i = bounds.length gives the +Inf bucket, i.e. `count`). */
  cumulative(i: number): number {
    let n = 0;
    for (let k = 0; k <= i; k++) n += this.counts[k]!;
    return n;
  }

  /** Forgets every observation. */
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
