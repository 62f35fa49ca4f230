/**
 * Reads what the server already keeps (the statistics extension, the repository index, the
 * scheduler queues and generation load, the metrics' latency histograms and LLM token totals when
 * metrics are on) and process figures (CPU, memory, event-loop delay) into the dashboard's models
 * rows and frames. It remembers the
 * previous reading to turn counters into per-window figures. Its only I/O is the repository index's
 * listing of the repository directories (once per sample), and it runs only when the feed asks: the
 * event-loop monitor is enabled between start() and stop().
 */
import { availableParallelism } from 'node:os';
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import type { Clock } from '../../common/index.js';
import type { InferenceServer, ModelStatisticsJson } from '../../core/index.js';
import {
  type DashboardFrame,
  type GenerationTotals,
  llmWindow,
  type ModelFigures,
  type ModelRow,
  type ModelsEvent,
  modelRow,
  modelWindow,
} from './dashboard-frame.js';
import { type BucketView, windowQuantile } from './histogram-window.js';

/** Where request-duration histograms come from (the PrometheusObserver when metrics are on). */
export interface LatencyHistograms {
  /** Duration histogram of successful requests of one version in seconds, or null. */
  requestDurationHistogram(model: string, version: string): BucketView | null;
  /** A snapshot of the token totals of one generation model version; optional (LLM token figures null without it). */
  generationTotals?(model: string, version: string): GenerationTotals;
}

/** What the sampler reads besides the core. */
export interface DashboardSamplerOptions {
  /** Time source of the windows; default the server's clock. */
  clock?: Clock;
  /** Latency histograms for p50/p99 and LLM token totals; default none (the percentiles and token figures are null). */
  latency?: LatencyHistograms | null;
  /** The open HTTP connections now; default none (reported as 0). */
  connections?: { readonly openConnections: number } | null;
}

/** The dashboard's view of the server. */
export interface DashboardSource {
  /** Starts what costs something only while measured (the event-loop delay monitor). */
  start(): void;
  /** Stops it. */
  stop(): void;
  /** The models table now. */
  models(): ModelsEvent;
  /** The models table and the figures of the window since the previous sample (or since start()). */
  sample(subscribers: number): DashboardSample;
}

/** One tick's reading. */
export interface DashboardSample {
  /** The models table now. */
  models: ModelsEvent;
  /** The figures of the window. */
  frame: DashboardFrame;
}

/** Resolution of the event-loop delay monitor in ms (node's default is 10). */
const LOOP_RESOLUTION_MS = 10;

/** The DashboardSource of one InferenceServer. */
export class DashboardSampler implements DashboardSource {
  private readonly server: InferenceServer;
  private readonly clock: Clock;
  private readonly latency: LatencyHistograms | null;
  private readonly connections: { readonly openConnections: number } | null;
  private readonly cores = availableParallelism();
  private loop: IntervalHistogram | null = null;
  private lastNs = 0;
  private lastCpu: NodeJS.CpuUsage = process.cpuUsage();
  /** Previous statistics by `name\0version`. */
  private lastStats = new Map<string, ModelStatisticsJson>();
  /** Previous latency bucket counts by `name\0version`. */
  private lastBuckets = new Map<string, Float64Array>();
  /** Previous token totals of generation models by `name\0version`. */
  private lastTokens = new Map<string, GenerationTotals>();

  constructor(server: InferenceServer, options: DashboardSamplerOptions = {}) {
    this.server = server;
    this.clock = options.clock ?? server.clock;
    this.latency = options.latency ?? null;
    this.connections = options.connections ?? null;
  }

  start(): void {
    if (this.loop === null) {
      this.loop = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });
      this.loop.enable();
    }
    this.lastNs = this.clock.nowNs();
    this.lastCpu = process.cpuUsage();
    this.lastStats = new Map();
    this.lastBuckets = new Map();
    for (const s of this.server.statistics().model_stats) this.lastStats.set(keyOf(s.name, s.version), s);
    this.readLatency(new Map(), this.lastStats.keys());
    this.lastTokens = new Map();
    for (const p of this.server.pendingCounts()) {
      const totals = p.generation === undefined ? null : this.generationTotals(p.model, p.version);
      if (totals !== null) this.lastTokens.set(keyOf(p.model, p.version), totals);
    }
  }

  stop(): void {
    this.loop?.disable();
    this.loop = null;
  }

  /** Whether the event-loop monitor is running (between start() and stop()). */
  get running(): boolean {
    return this.loop !== null;
  }

  models(): ModelsEvent {
    const rows: ModelRow[] = [];
    for (const entry of this.server.repositoryIndex()) {
      let config = null;
      if (entry.state === 'READY' && entry.version !== undefined) {
        try {
          config = this.server.modelConfig(entry.name, entry.version);
        } catch {
          config = null; // unloaded between the index and this read
        }
      }
      rows.push(modelRow(entry, config));
    }
    return { serverId: this.server.id, serverVersion: this.server.version, models: rows };
  }

  sample(subscribers: number): DashboardSample {
    const nowNs = this.clock.nowNs();
    const windowNs = nowNs - this.lastNs;
    this.lastNs = nowNs;
    const table = this.models();
    const instances = new Map<string, number>();
    for (const row of table.models) {
      if (row.instances !== null) instances.set(keyOf(row.name, row.version), row.instances);
    }
    const stats = new Map<string, ModelStatisticsJson>();
    const models: ModelFigures[] = [];
    for (const s of this.server.statistics().model_stats) {
      const key = keyOf(s.name, s.version);
      stats.set(key, s);
      models.push(modelWindow(this.lastStats.get(key), s, windowNs, instances.get(key) ?? null));
    }
    this.lastStats = stats;
    const byKey = new Map(models.map((m) => [keyOf(m.name, m.version), m]));
    this.readLatency(byKey, byKey.keys());
    let inflight = 0;
    const tokens = new Map<string, GenerationTotals>();
    for (const p of this.server.pendingCounts()) {
      inflight += p.pending + p.executing;
      const key = keyOf(p.model, p.version);
      const m = byKey.get(key);
      if (m === undefined) continue;
      m.pending = p.pending;
      m.executing = p.executing;
      if (p.generation !== undefined) {
        const totals = this.generationTotals(p.model, p.version);
        m.llm = llmWindow(this.lastTokens.get(key), totals, windowNs, p.generation);
        if (totals !== null) tokens.set(key, totals);
      }
    }
    this.lastTokens = tokens;
    const cpu = process.cpuUsage(this.lastCpu);
    this.lastCpu = process.cpuUsage();
    const memory = process.memoryUsage();
    const loop = this.loop;
    const delay =
      loop === null || loop.count === 0
        ? { mean: 0, p99: 0, max: 0 }
        : { mean: lateMs(loop.mean), p99: lateMs(loop.percentile(99)), max: lateMs(loop.max) };
    loop?.reset();
    const frame: DashboardFrame = {
      server: {
        timeMs: this.clock.wallMs(),
        windowMs: windowNs / 1e6,
        cpuCores: windowNs > 0 ? (cpu.user + cpu.system) / (windowNs / 1000) : 0,
        cores: this.cores,
        rssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        eventLoopDelayMs: delay,
        connections: this.connections?.openConnections ?? 0,
        inflight,
        subscribers,
      },
      models,
    };
    return { models: table, frame };
  }

  /** The token totals of a generation model now, or null without metrics. */
  private generationTotals(model: string, version: string): GenerationTotals | null {
    return this.latency?.generationTotals?.(model, version) ?? null;
  }

  /** Fills p50/p99 of `figures` from the histograms of `keys` and remembers their counts. */
  private readLatency(figures: Map<string, ModelFigures>, keys: Iterable<string>): void {
    if (this.latency === null) return;
    const buckets = new Map<string, Float64Array>();
    for (const key of keys) {
      const [name, version] = key.split('\0') as [string, string];
      const histogram = this.latency.requestDurationHistogram(name, version);
      if (histogram === null) continue;
      const prev = this.lastBuckets.get(key) ?? null;
      const m = figures.get(key);
      if (m !== undefined) {
        const p50 = windowQuantile(prev, histogram, 0.5);
        const p99 = windowQuantile(prev, histogram, 0.99);
        m.latencyP50Us = p50 === null ? null : p50 * 1e6;
        m.latencyP99Us = p99 === null ? null : p99 * 1e6;
      }
      buckets.set(key, Float64Array.from(histogram.counts));
    }
    this.lastBuckets = buckets;
  }
}

/**
 * Milliseconds a timer of the monitor fired late: node records the whole interval between two
 * firings (an idle loop reads about LOOP_RESOLUTION_MS), so the resolution is taken off.
 */
function lateMs(ns: number): number {
  return Math.max(0, ns / 1e6 - LOOP_RESOLUTION_MS);
}

/** Map key of a model version (names cannot hold NUL). */
function keyOf(name: string, version: string): string {
  return `${name}\0${version}`;
}
