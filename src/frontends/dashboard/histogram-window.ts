/**
 * Latency percentiles of one window from a cumulative bucket histogram (the metrics'
 * `nereid_request_duration_seconds`): the dashboard keeps the previous bucket counts, takes the
 * difference and interpolates inside the bucket that holds the quantile, as Prometheus'
 * `histogram_quantile` does. The estimate is only as fine as the buckets (50 µs .. 10 s, about
 * 2.5× apart); this file does not own or change the histogram.
 */

/** The read-only view of a bucket histogram (BucketCounts satisfies it). */
export interface BucketView {
  /** Upper bounds, ascending; the implicit last bucket is +Inf. */
  readonly bounds: readonly number[];
  /** Observations per bucket (not cumulative), one more entry than `bounds`. */
  readonly counts: ArrayLike<number>;
}

/**
 * The `q` quantile (0..1) of the observations between `prev` (null = none) and `cur`, in the
 * histogram's unit, or null when the window holds no observation. Observations in the +Inf
 * bucket are placed at the last bound. When a count went down (the histogram was reset) the
 * window starts from zero.
 */
export function windowQuantile(prev: ArrayLike<number> | null, cur: BucketView, q: number): number | null {
  const n = cur.counts.length;
  let reset = prev === null || prev.length !== n;
  for (let i = 0; !reset && i < n; i++) if (cur.counts[i]! < prev![i]!) reset = true;
  let total = 0;
  for (let i = 0; i < n; i++) total += cur.counts[i]! - (reset ? 0 : prev![i]!);
  if (total <= 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < n; i++) {
    const inBucket = cur.counts[i]! - (reset ? 0 : prev![i]!);
    if (inBucket > 0 && seen + inBucket >= rank) {
      if (i >= cur.bounds.length) return cur.bounds[cur.bounds.length - 1]!;
      const lower = i === 0 ? 0 : cur.bounds[i - 1]!;
      const upper = cur.bounds[i]!;
      return lower + (upper - lower) * ((rank - seen) / inBucket);
    }
    seen += inBucket;
  }
  return cur.bounds[cur.bounds.length - 1]!;
}
