/**
 * The Tracer on a ManualClock: Triton's sampling (every rate-th request, trace_count traces then
 * none), the `on` flag frontends check, model settings that follow the global one for values they
 * do not set, clearing with null, the refusals of settings that cannot trace, the JSON trace
 * entries of a finished tree, and which requests model-to-model calls can attach child traces to.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import {
  isSampledTraceparent,
  MAX_LIVE_TRACES,
  parseTraceSettingUpdate,
  TraceActivity,
  TraceLevel,
  TraceProtocol,
  Tracer,
  type TracerOptions,
  traceEntries,
} from '../../../src/core/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

function tracer(options: Partial<TracerOptions> = {}): Tracer {
  return new Tracer({ clock: new ManualClock(), logger: silentLogger, file: '/tmp/unused.json', ...options });
}

/** How many of `n` requests for `model` are sampled. */
function sampled(t: Tracer, n: number, model = 'm'): number {
  let count = 0;
  for (let i = 0; i < n; i++) if (t.on !== 0 && t.sample(model, TraceProtocol.HTTP) !== null) count++;
  return count;
}

describe('Tracer sampling', () => {
  it('Tracer is off until a level is set, then samples every rate-th request', () => {
    const t = tracer();
    expect(t.on).toBe(0);
    t.update('', { level: TraceLevel.TIMESTAMPS, rate: 4 });
    expect(t.on).toBe(1);
    const picks: number[] = [];
    for (let i = 1; i <= 12; i++) if (t.sample('m', TraceProtocol.HTTP) !== null) picks.push(i);
    expect(picks).toEqual([4, 8, 12]);
  });

  it('Tracer takes trace_count traces, then reports count 0 and turns off', () => {
    const t = tracer({ level: TraceLevel.TIMESTAMPS, rate: 1, count: 3 });
    expect(sampled(t, 10)).toBe(3);
    expect(t.on).toBe(0);
    expect(t.settings().trace_count).toBe('0');
    t.update('', { count: -1 });
    expect(t.on).toBe(1);
  });

  it('A sampled W3C traceparent forces a trace in opentelemetry mode only', () => {
    const parent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(isSampledTraceparent(parent)).toBe(true);
    expect(isSampledTraceparent(parent.replace(/-01$/, '-00'))).toBe(false);
    const otel = tracer({ mode: 'opentelemetry', level: TraceLevel.TIMESTAMPS, rate: 1000 });
    expect(otel.sample('m', TraceProtocol.HTTP, parent)?.traceparent).toBe(parent);
    const triton = tracer({ level: TraceLevel.TIMESTAMPS, rate: 1000 });
    expect(triton.sample('m', TraceProtocol.HTTP, parent)).toBeNull();
  });
});

describe('Tracer settings', () => {
  it('A model setting overrides only what it sets and follows later global changes for the rest', () => {
    const t = tracer({ level: TraceLevel.TIMESTAMPS, rate: 1000 });
    t.update('a', parseTraceSettingUpdate({ trace_rate: ['2'] }));
    expect(t.settings('a')).toMatchObject({ trace_level: ['TIMESTAMPS'], trace_rate: '2' });
    t.update('', { level: TraceLevel.OFF });
    expect(t.settings('a').trace_level).toEqual(['OFF']);
    expect(t.on).toBe(0);
    t.update('a', { level: TraceLevel.TIMESTAMPS });
    expect(t.on).toBe(1);
    expect(sampled(t, 4, 'a')).toBe(2);
    expect(sampled(t, 4, 'b')).toBe(0);
    t.update('a', { level: null, rate: null });
    expect(t.settings('a')).toEqual(t.settings());
    expect(t.on).toBe(0);
  });

  it('Clearing a global value returns it to its startup value', () => {
    const t = tracer({ rate: 50 });
    t.update('', { rate: 7 });
    expect(t.update('', { rate: null }).trace_rate).toBe('50');
  });

  it('Tracer refuses to turn tracing on without a trace file in triton mode, and TENSORS in opentelemetry mode', () => {
    const noFile = tracer({ file: '' });
    expect(serverErrorOf(() => noFile.update('', { level: TraceLevel.TIMESTAMPS })).message).toContain(
      'no trace file is set',
    );
    expect(noFile.settings().trace_level).toEqual(['OFF']);
    const otel = tracer({ mode: 'opentelemetry' });
    expect(serverErrorOf(() => otel.update('', { level: TraceLevel.TENSORS })).message).toBe(
      'trace_level TENSORS is not available in opentelemetry mode',
    );
    expect(otel.settings()).toMatchObject({
      trace_mode: 'opentelemetry',
      url: 'http://localhost:4318/v1/traces',
    });
    expect(otel.settings()).not.toHaveProperty('trace_file');
  });
});

describe('Trace entries', () => {
  it('A finished tree becomes Triton entries: heads, timestamps in order, children with parent_id, tensors at TENSORS', () => {
    const clock = new ManualClock(1000);
    const t = new Tracer({ clock, logger: silentLogger, file: '/tmp/unused.json', rate: 1 });
    t.update('', { level: TraceLevel.TIMESTAMPS | TraceLevel.TENSORS });
    const root = t.sample('ens', TraceProtocol.HTTP)!;
    root.modelVersion = '1';
    root.requestId = 'r"1';
    root.stamp(TraceActivity.REQUEST_END, 3000);
    root.stamp(TraceActivity.REQUEST_START, 2000);
    const child = root.spawn('step');
    child.modelVersion = '3';
    child.stamp(TraceActivity.COMPUTE_START, 2500);
    child.captureTensors('TENSOR_BACKEND_OUTPUT', [
      { name: 'OUT', datatype: 'INT32', shape: [1, 2], data: new Uint8Array(new Int32Array([7, -8]).buffer) },
    ]);
    const entries = JSON.parse(`[${traceEntries(root)}]`) as Record<string, unknown>[];
    expect(entries[0]).toEqual({ id: root.id, model_name: 'ens', model_version: 1, request_id: 'r"1' });
    expect(entries.slice(1, 3).map((e) => (e.timestamps as { name: string }[])[0]!.name)).toEqual([
      'REQUEST_START',
      'REQUEST_END',
    ]);
    expect(entries[3]).toEqual({ id: child.id, model_name: 'step', model_version: 3, parent_id: root.id });
    expect(entries[5]).toEqual({
      id: child.id,
      activity: 'TENSOR_BACKEND_OUTPUT',
      tensor: { name: 'OUT', data: '7,-8', shape: '1,2', dtype: 'INT32' },
    });
  });
});

describe('Child traces of model-to-model calls', () => {
  it('A call is linked to a traced request only between its admission and its end, or until its tree is written', () => {
    const t = tracer({ level: TraceLevel.TIMESTAMPS, rate: 1 });
    const root = t.sample('caller', TraceProtocol.HTTP)!;
    expect(t.child(root.id, 'callee')).toBeNull();
    root.admitted();
    const call = t.child(root.id, 'callee')!;
    expect(call.parent).toBe(root);
    expect(root.children).toEqual([call]);
    expect(t.child(root.id + 1000, 'callee')).toBeNull();
    call.admitted();
    root.ended();
    // A call of a call is linked while that call is in flight.
    expect(t.child(call.id, 'nested')!.parent).toBe(call);
    root.finish();
    expect(t.child(call.id, 'nested')).toBeNull();
    expect(t.liveTraceCount).toBe(0);
  });

  it('Tracer holds at most MAX_LIVE_TRACES requests in flight; the ones past it are traced but not linked', () => {
    const t = tracer({ level: TraceLevel.TIMESTAMPS, rate: 1 });
    const roots = Array.from({ length: MAX_LIVE_TRACES + 1 }, () => t.sample('m', TraceProtocol.HTTP)!);
    for (const r of roots) r.admitted();
    expect(t.liveTraceCount).toBe(MAX_LIVE_TRACES);
    expect(t.child(roots.at(-1)!.id, 'callee')).toBeNull();
    expect(t.child(roots[0]!.id, 'callee')).not.toBeNull();
    for (const r of roots) r.ended();
    expect(t.liveTraceCount).toBe(0);
  });
});
