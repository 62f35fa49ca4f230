/**
 * Speed of a variant against its source, measured side by side: for each batch size the two
 * sessions (each in its own worker) are timed in alternating rounds, so machine noise hits both
 * alike. Reports p50 latency at batch 1 and throughput at the best batch size. Accuracy and
 * file writing are elsewhere.
 */

import type { WireTensor } from './measure-protocol.js';
import type { MeasureSession } from './measure-session.js';

/** Speed of one model. */
export interface SpeedFigures {
  /** Median latency of one run at batch 1, in milliseconds. */
  p50Batch1Ms: number;
  /** The batch size with the highest throughput. */
  bestBatch: number;
  /** Inferences (rows) per second at `bestBatch`. */
  bestThroughputPerS: number;
  /** Rows per second by batch size. */
  throughputByBatch: Record<number, number>;
}

/** Source and variant speed, with ratios (variant / source; > 1 means the variant is faster). */
export interface SpeedReport {
  /** The source model. */
  source: SpeedFigures;
  /** The variant. */
  variant: SpeedFigures;
  /** p50 latency ratio at batch 1 (source / variant). */
  speedupBatch1: number;
  /** Best throughput ratio (variant / source). */
  speedupThroughput: number;
}

/** Options of `measureSpeed`. */
export interface SpeedOptions {
  /** Batch sizes to try; the first should be 1. */
  batchSizes: readonly number[];
  /** Time per model and batch size, in milliseconds; default 1000. */
  durationMs?: number;
  /** Alternating rounds the time is split into; default 3. */
  rounds?: number;
}

/** Feeds for `batch` rows, for the source (`variant` false) or the variant (`variant` true). */
export type FeedsForBatch = (batch: number, variant: boolean) => WireTensor[];

/** Times `source` and `variant` side by side */
export async function measureSpeed(
  source: MeasureSession,
  variant: MeasureSession,
  feedsFor: FeedsForBatch,
  options: SpeedOptions,
): Promise<SpeedReport> {
  const rounds = options.rounds ?? 3;
  const slice = (options.durationMs ?? 1000) / rounds;
  const latencies = { source: new Map<number, number[]>(), variant: new Map<number, number[]>() };
  for (const batch of options.batchSizes) {
    const feeds = [feedsFor(batch, false), feedsFor(batch, true)] as const;
    latencies.source.set(batch, []);
    latencies.variant.set(batch, []);
    for (let r = 0; r < rounds; r++) {
      latencies.source.get(batch)!.push(...(await source.time(feeds[0], slice, 3, r === 0 ? 3 : 1)));
      latencies.variant.get(batch)!.push(...(await variant.time(feeds[1], slice, 3, r === 0 ? 3 : 1)));
    }
  }
  const s = figures(latencies.source);
  const v = figures(latencies.variant);
  return {
    source: s,
    variant: v,
    speedupBatch1: v.p50Batch1Ms > 0 ? s.p50Batch1Ms / v.p50Batch1Ms : 0,
    speedupThroughput: s.bestThroughputPerS > 0 ? v.bestThroughputPerS / s.bestThroughputPerS : 0,
  };
}

function figures(byBatch: Map<number, number[]>): SpeedFigures {
  const throughputByBatch: Record<number, number> = {};
  let bestBatch = 1;
  let best = 0;
  let p50Batch1Ms = Number.NaN;
  for (const [batch, ms] of byBatch) {
    const p50 = median(ms);
    if (batch === 1) p50Batch1Ms = p50;
    const perS = (batch * 1000) / p50;
    throughputByBatch[batch] = perS;
    if (perS > best) {
      best = perS;
      bestBatch = batch;
    }
  }
  return { p50Batch1Ms, bestBatch, bestThroughputPerS: best, throughputByBatch };
}

/** The median of `values` (NaN for none). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
