/**
 * The trace extension's state: the global trace setting and per-model ones (Triton's
 * TraceManager), the sampling of requests, and where finished traces go (the JSON trace file or
 * OpenTelemetry). Frontends check `on` (an integer) before anything else, so a server with tracing
 * off does no other tracing work per request; `sample` then applies the model's setting.
 */
import type { Clock, Logger } from '../../common/index.js';
import { invalidArg, unavailable } from '../../common/index.js';
import { type OtelExportOptions, OtelSpanExporter } from './otel-span-exporter.js';
import { RequestTrace, type TraceOwner } from './request-trace.js';
import { TraceLevel, type TraceProtocol, traceLevelNames } from './trace-activity.js';
import { checkTraceConfig, type TraceConfig, type TraceMode } from './trace-config.js';
import { TraceFileWriter } from './trace-file-writer.js';
import { traceEntries } from './trace-json.js';
import type { TraceSettingUpdate } from './trace-setting-update.js';

/** Most models with their own trace setting (each costs a small object). */
export const MAX_MODEL_TRACE_SETTINGS = 4096;

/**
 * Most traced requests in flight whose model-to-model calls become child traces (one map entry
 * each); past it a traced request still is traced, its calls are not linked to it.
 */
export const MAX_LIVE_TRACES = 65_536;

/** The four updatable values of a setting. */
interface SettingValues {
  level: number;
  rate: number;
  count: number;
  logFrequency: number;
}

const FIELDS = ['level', 'rate', 'count', 'logFrequency'] as const;

/** A setting in force: its values, what it overrides (models) and its sampling state. */
class TraceSetting implements SettingValues {
  level: number;
  rate: number;
  /** Traces left; -1 = no limit. */
  count: number;
  logFrequency: number;
  /** Requests seen since the setting was made (Triton samples when this reaches a multiple of rate). */
  sampled: number;
  /** A model setting's own values (the others follow the global setting); null for the global one. */
  readonly overrides: Partial<SettingValues> | null;

  constructor(values: SettingValues, overrides: Partial<SettingValues> | null) {
    this.level = values.level;
    this.rate = values.rate;
    this.count = values.count;
    this.logFrequency = values.logFrequency;
    this.sampled = 0;
    this.overrides = overrides;
  }

  get active(): boolean {
    return this.level !== TraceLevel.OFF && this.count !== 0;
  }
}

/** Options of a Tracer. */
export interface TracerOptions extends TraceConfig {
  /** Time source; the system clock for traces anyone reads. */
  clock: Clock;
  /** Where write errors go. */
  logger: Logger;
  /** Server version, reported as the OpenTelemetry instrumentation version. */
  version?: string;
}

/** The trace extension of one server. */
export class Tracer implements TraceOwner {
  /** 1 while some setting takes traces, else 0: the only thing frontends check when tracing is off. */
  on: number;
  /** Trace mode (fixed at startup, as Triton's). */
  readonly mode: TraceMode;
  /** The JSON trace file ('' when none). */
  readonly file: string;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly defaults: SettingValues;
  private global: TraceSetting;
  private readonly models = new Map<string, TraceSetting>();
  private readonly otelOptions: OtelExportOptions;
  private readonly version: string;
  /** Traces of requests admitted and not ended, by id: model-to-model calls find their parent here. */
  private readonly live = new Map<number, RequestTrace>();
  private writer: TraceFileWriter | null = null;
  private otel: OtelSpanExporter | null = null;
  private lastId = 0;

  constructor(options: TracerOptions) {
    this.clock = options.clock;
    this.logger = options.logger;
    this.mode = options.mode ?? 'triton';
    this.file = options.file ?? '';
    this.otelOptions = options.opentelemetry ?? {};
    this.version = options.version ?? '';
    this.defaults = {
      level: options.level ?? TraceLevel.OFF,
      rate: options.rate ?? 1000,
      count: options.count ?? -1,
      logFrequency: options.logFrequency ?? 0,
    };
    checkTraceConfig(options);
    this.global = new TraceSetting(this.defaults, null);
    this.on = this.global.active ? 1 : 0;
    if (this.mode === 'triton' && this.file !== '') {
      this.writer = new TraceFileWriter(this.file, this.logger, this.clock);
    }
  }

  /** Loads the OpenTelemetry SDK in that mode (nothing to do otherwise). */
  async start(): Promise<void> {
    if (this.mode === 'opentelemetry' && this.otel === null) {
      this.otel = await OtelSpanExporter.create(this.otelOptions, this.version);
    }
  }

  nowNs(): number {
    return this.clock.nowNs();
  }

  nextTraceId(): number {
    return ++this.lastId;
  }

  /**
   * Samples a request for `model` arriving now over `protocol`: a new root trace, or null. In
   * OpenTelemetry mode a `traceparent` whose sampled flag is set is always traced (the caller is
   * tracing this request), as Triton does. Call only when `on` is 1.
   */
  sample(model: string, protocol: TraceProtocol, traceparent = '', tracestate = ''): RequestTrace | null {
    const setting = this.models.size === 0 ? this.global : (this.models.get(model) ?? this.global);
    if (!setting.active) return null;
    const forced = traceparent !== '' && this.mode === 'opentelemetry' && isSampledTraceparent(traceparent);
    if (!forced && ++setting.sampled % setting.rate !== 0) return null;
    if (setting.count > 0 && --setting.count === 0) this.refreshOn();
    return new RequestTrace(
      this,
      null,
      setting.level,
      setting.logFrequency,
      model,
      protocol,
      this.mode === 'opentelemetry' ? traceparent : '',
      tracestate,
    );
  }

  /**
   * A child trace of trace `parentId` for a call its model makes to `model` (BLS), or null when
   * that request is not in flight (ended, never traced, an id the model made up) or its tree was
   * already written.
   */
  child(parentId: number, model: string): RequestTrace | null {
    const parent = this.live.get(parentId);
    return parent === undefined || parent.root.finished ? null : parent.spawn(model);
  }

  /** Traced requests in flight that calls can find (at most MAX_LIVE_TRACES). */
  get liveTraceCount(): number {
    return this.live.size;
  }

  trackTrace(trace: RequestTrace): void {
    if (this.live.size < MAX_LIVE_TRACES) this.live.set(trace.id, trace);
  }

  untrackTrace(trace: RequestTrace): void {
    this.live.delete(trace.id);
  }

  /** A finished root trace: written to the trace file or exported as spans. */
  finishTrace(trace: RequestTrace): void {
    // Normally each request untracked itself when it ended; this covers any path that did not.
    this.forget(trace);
    try {
      if (this.otel !== null) this.otel.export(trace);
      else this.writer?.write(traceEntries(trace), trace.logFrequency);
    } catch (err) {
      this.logger.logError(`Cannot write trace ${trace.id}: ${(err as Error).message}`);
    }
  }

  /** The setting in force for `model` ('' = global) in Triton's JSON form (values as strings). */
  settings(model = ''): Record<string, string | string[]> {
    const s = model === '' ? this.global : (this.models.get(model) ?? this.global);
    const out: Record<string, string | string[]> = {
      trace_level: traceLevelNames(s.level),
      trace_rate: String(s.rate),
      trace_count: String(s.count),
    };
    if (this.mode === 'triton') {
      out.log_frequency = String(s.logFrequency);
      out.trace_file = this.file;
    }
    out.trace_mode = this.mode;
    if (this.mode === 'opentelemetry') {
      const o = this.otelOptions;
      out.url = o.url ?? 'http://localhost:4318/v1/traces';
      out.resource = Object.entries({ 'service.name': 'nereid', ...o.resource })
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
      out.bsp_max_queue_size = String(o.maxQueueSize ?? 2048);
      out.bsp_schedule_delay = String(o.scheduleDelayMs ?? 5000);
      out.bsp_max_export_batch_size = String(o.maxExportBatchSize ?? 512);
    }
    return out;
  }

  /**
   * Applies `update` to the global setting (model '') or to `model`'s, and returns the setting now
   * in force there. A model setting keeps only the values given for it and follows the global one
   * for the rest; clearing (null) every value of a model removes its setting.
   * @throws ServerError INVALID_ARG when the result cannot trace (no trace file in triton mode,
   *   TENSORS in opentelemetry mode); UNAVAILABLE past MAX_MODEL_TRACE_SETTINGS models
   */
  update(model: string, update: TraceSettingUpdate): Record<string, string | string[]> {
    if (model === '') this.updateGlobal(update);
    else this.updateModel(model, update);
    this.refreshOn();
    return this.settings(model);
  }

  /** Writes what the trace file still holds and flushes OpenTelemetry spans. */
  async close(): Promise<void> {
    this.on = 0;
    await this.writer?.close();
    await this.otel?.shutdown();
  }

  private updateGlobal(update: TraceSettingUpdate): void {
    const next = resolve(this.global, update, this.defaults);
    this.checkUsable(next.level);
    const countChanged = update.count !== undefined;
    this.global = new TraceSetting(next, null);
    for (const [name, s] of this.models) {
      // Models follow the new global values where they have none of their own.
      const values = { ...next, ...s.overrides };
      const follower = new TraceSetting(values, s.overrides);
      if (s.overrides!.count === undefined && !countChanged) follower.count = s.count;
      follower.sampled = s.sampled;
      this.models.set(name, follower);
    }
  }

  private updateModel(model: string, update: TraceSettingUpdate): void {
    const current = this.models.get(model);
    if (current === undefined && this.models.size >= MAX_MODEL_TRACE_SETTINGS) {
      throw unavailable(
        'ERR_TRACE_SETTING_LIMIT',
        `Cannot add a trace setting for model '${model}': ${MAX_MODEL_TRACE_SETTINGS} models have one already`,
      );
    }
    const overrides: Partial<SettingValues> = { ...current?.overrides };
    for (const field of FIELDS) {
      const value = update[field];
      if (value === null) delete overrides[field];
      else if (value !== undefined) overrides[field] = value;
    }
    const values = { ...valuesOf(this.global), ...overrides };
    this.checkUsable(values.level);
    if (Object.keys(overrides).length === 0) {
      this.models.delete(model);
      return;
    }
    const next = new TraceSetting(values, overrides);
    if (current !== undefined) next.sampled = current.sampled;
    this.models.set(model, next);
  }

  /** Refuses a level the mode cannot record. */
  private checkUsable(level: number): void {
    if (level === TraceLevel.OFF) return;
    if (this.mode === 'triton' && this.file === '') {
      throw invalidArg(
        'ERR_TRACE_SETTING',
        'Cannot turn tracing on: no trace file is set (start the server with --trace-config triton,file=PATH, or with --trace-config mode=opentelemetry)',
      );
    }
    if (this.mode === 'opentelemetry' && (level & TraceLevel.TENSORS) !== 0) {
      throw invalidArg('ERR_TRACE_SETTING', 'trace_level TENSORS is not available in opentelemetry mode');
    }
  }

  /** Untracks `trace` and its descendants. */
  private forget(trace: RequestTrace): void {
    this.live.delete(trace.id);
    const children = trace.children;
    if (children !== null) for (let i = 0; i < children.length; i++) this.forget(children[i]!);
  }

  private refreshOn(): void {
    let on = this.global.active;
    if (!on) for (const s of this.models.values()) if (s.active) on = true;
    this.on = on ? 1 : 0;
  }
}

function valuesOf(s: SettingValues): SettingValues {
  return { level: s.level, rate: s.rate, count: s.count, logFrequency: s.logFrequency };
}

/** `current` with `update` applied; null resets a field to `defaults`. */
function resolve(current: SettingValues, update: TraceSettingUpdate, defaults: SettingValues): SettingValues {
  const out = valuesOf(current);
  for (const field of FIELDS) {
    const value = update[field];
    if (value === null) out[field] = defaults[field];
    else if (value !== undefined) out[field] = value;
  }
  return out;
}

/** Whether a W3C traceparent (`00-<32 hex>-<16 hex>-<2 hex>`) carries the sampled flag. */
export function isSampledTraceparent(traceparent: string): boolean {
  if (traceparent.length < 55 || traceparent.charCodeAt(2) !== 45 /* - */) return false;
  const flags = Number.parseInt(traceparent.slice(53, 55), 16);
  return Number.isInteger(flags) && (flags & 1) === 1;
}
