/**
 * One metric family over every ModelSeries, registered in a prom-client Registry as a custom
 * collector: prom-client renders and escapes the text, while the values come from the plain
 * totals at scrape time (prom-client's own labelled inc/observe cost 0.3–0.8 µs per call, too
 * much for ten updates per request). It reads totals; it never changes them.
 */
import type { Metric, Registry } from 'prom-client';
import type { BucketCounts } from './bucket-counts.js';
import type { ModelSeries, SeriesStore } from './model-series.js';

/** How a family reads its values from a series. */
export type SeriesSource =
  /** A counter or gauge: one value per series. */
  | { kind: 'scalar'; read: (series: ModelSeries) => number }
  /** Triton's failure counter: one value per series and reason. */
  | { kind: 'failure' }
  /** A histogram. */
  | { kind: 'histogram'; read: (series: ModelSeries) => BucketCounts };

/** Options of a SeriesMetric. */
export interface SeriesMetricOptions {
  /** Metric name (`nv_inference_count`). */
  name: string;
  /** HELP text. */
  help: string;
  /** Prometheus type. */
  type: 'counter' | 'gauge' | 'histogram';
  /** Where the values come from. */
  source: SeriesSource;
  /** Only series it accepts are rendered (e.g. generation models for `nereid_llm_*`); default all. */
  only?: (series: ModelSeries) => boolean;
}

/** A rendered sample, in prom-client's collector shape. */
interface Sample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** A metric family rendered from a SeriesStore. */
export class SeriesMetric {
  /** Metric name. */
  readonly name: string;
  /** HELP text. */
  readonly help: string;
  /** Prometheus type. */
  readonly type: 'counter' | 'gauge' | 'histogram';
  /** How prom-client's cluster mode merges workers. */
  readonly aggregator = 'sum';
  private readonly store: SeriesStore;
  private readonly source: SeriesSource;
  private readonly only: ((series: ModelSeries) => boolean) | null;

  constructor(store: SeriesStore, options: SeriesMetricOptions) {
    this.store = store;
    this.name = options.name;
    this.help = options.help;
    this.type = options.type;
    this.source = options.source;
    this.only = options.only ?? null;
  }

  /** Adds this family to `registry`. */
  register(registry: Registry): this {
    // prom-client renders any object with its collector shape; its types list only its own classes.
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  /** The family's current samples (called by prom-client on each scrape). */
  async get(): Promise<{
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Sample[];
  }> {
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values: this.samples(),
    };
  }

  /** Zeroes the totals behind this family (prom-client's `resetMetrics`). */
  reset(): void {
    this.store.reset();
  }

  private samples(): Sample[] {
    const values: Sample[] = [];
    const source = this.source;
    for (const series of this.store.all) {
      if (this.only !== null && !this.only(series)) continue;
      if (source.kind === 'scalar') {
        values.push({ value: source.read(series), labels: { ...series.labels } });
      } else if (source.kind === 'failure') {
        for (let i = 0; i < series.failureLabels.length; i++) {
          values.push({ value: series.failures[i]!, labels: { ...series.failureLabels[i]! } });
        }
      } else {
        pushHistogram(values, this.name, series, source.read(series));
      }
    }
    return values;
  }
}

function pushHistogram(values: Sample[], name: string, series: ModelSeries, h: BucketCounts): void {
  const bucket = `${name}_bucket`;
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i]!;
    values.push({ metricName: bucket, value: cumulative, labels: { ...series.labels, le: h.bounds[i]! } });
  }
  values.push({ metricName: bucket, value: h.count, labels: { ...series.labels, le: '+Inf' } });
  values.push({ metricName: `${name}_sum`, value: h.sum, labels: { ...series.labels } });
  values.push({ metricName: `${name}_count`, value: h.count, labels: { ...series.labels } });
}
