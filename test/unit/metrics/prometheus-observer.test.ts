/**
 * Unit: PrometheusObserver applies Triton's counting rules (success, failure by reason, inference
 * and execution counts, µs duration counters, cache hits) and renders them with Nereid's
 * histograms, the pending and in-flight gauges, host gauges and process metrics from a real prom-client registry,
 * checked by parsing the rendered text.
 */
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelPendingCount, RequestTiming } from '../../../src/core/index.js';
import {
  BATCH_SIZE_BUCKETS,
  LATENCY_BUCKETS_S,
  PrometheusObserver,
  type PrometheusObserverOptions,
} from '../../../src/frontends/metrics/index.js';
import { findSamples, type PromText, parsePromText, sampleValue } from './prometheus-text.js';

const observers: PrometheusObserver[] = [];

afterEach(() => {
  for (const o of observers.splice(0)) o.close();
});

function observer(options: PrometheusObserverOptions = {}): PrometheusObserver {
  const o = new PrometheusObserver({ metricsIntervalMs: 0, ...options });
  observers.push(o);
  return o;
}

function timing(
  totalUs: number,
  queueUs: number,
  inUs: number,
  inferUs: number,
  outUs: number,
): RequestTiming {
  return {
    totalNs: totalUs * 1000,
    queueNs: queueUs * 1000,
    computeInputNs: inUs * 1000,
    computeInferNs: inferUs * 1000,
    computeOutputNs: outUs * 1000,
  };
}

async function scrape(o: PrometheusObserver, models: ModelPendingCount[] = []): Promise<PromText> {
  return parsePromText(await o.render(models));
}

const M = { model: 'simple', version: '1' };

describe('PrometheusObserver', () => {
  it('counts two batch-1 requests batched together as 2 successes, 2 inferences and 1 execution', async () => {
    const o = observer();
    o.onExecution('simple', '1', 2);
    o.onSuccess('simple', '1', timing(300, 100, 10, 150, 20), false);
    o.onSuccess('simple', '1', timing(250, 50, 10, 150, 20), false);
    const t = await scrape(o);
    expect(sampleValue(t, 'nv_inference_request_success', M)).toBe(2);
    expect(sampleValue(t, 'nv_inference_count', M)).toBe(2);
    expect(sampleValue(t, 'nv_inference_exec_count', M)).toBe(1);
    expect(sampleValue(t, 'nv_inference_request_duration_us', M)).toBe(550);
    expect(sampleValue(t, 'nv_inference_queue_duration_us', M)).toBe(150);
    expect(sampleValue(t, 'nv_inference_compute_input_duration_us', M)).toBe(20);
    expect(sampleValue(t, 'nv_inference_compute_infer_duration_us', M)).toBe(300);
    expect(sampleValue(t, 'nv_inference_compute_output_duration_us', M)).toBe(40);
    expect(t.types.get('nv_inference_request_success')).toBe('counter');
    expect(t.types.get('nv_inference_pending_request_count')).toBe('gauge');
  });

  it('counts a batch-8 request as 1 success, 8 inferences and 1 execution', async () => {
    const o = observer();
    o.onExecution('simple', '1', 8);
    o.onSuccess('simple', '1', timing(100, 10, 1, 50, 1), false);
    const t = await scrape(o);
    expect(sampleValue(t, 'nv_inference_request_success', M)).toBe(1);
    expect(sampleValue(t, 'nv_inference_count', M)).toBe(8);
    expect(sampleValue(t, 'nv_inference_exec_count', M)).toBe(1);
  });

  it('counts a cache hit in successes and request and queue durations but not in inference, execution or compute', async () => {
    const o = observer();
    o.onSuccess('simple', '1', timing(40, 5, 7, 9, 11), true);
    const t = await scrape(o);
    expect(sampleValue(t, 'nv_inference_request_success', M)).toBe(1);
    expect(sampleValue(t, 'nv_inference_request_duration_us', M)).toBe(40);
    expect(sampleValue(t, 'nv_inference_queue_duration_us', M)).toBe(5);
    expect(sampleValue(t, 'nv_inference_count', M)).toBe(0);
    expect(sampleValue(t, 'nv_inference_exec_count', M)).toBe(0);
    expect(sampleValue(t, 'nv_inference_compute_input_duration_us', M)).toBe(0);
    expect(sampleValue(t, 'nv_inference_compute_infer_duration_us', M)).toBe(0);
    expect(sampleValue(t, 'nv_inference_compute_output_duration_us', M)).toBe(0);
    expect(sampleValue(t, 'nereid_request_duration_seconds_count', M)).toBe(1);
    expect(sampleValue(t, 'nereid_compute_infer_duration_seconds_count', M)).toBe(0);
  });

  it('counts failures per reason with all four reasons present and labels in Triton order', async () => {
    const o = observer();
    o.onFailure('simple', '1', 'REJECTED', 1000);
    o.onFailure('simple', '1', 'REJECTED', 1000);
    o.onFailure('simple', '1', 'OTHER', 1000);
    o.onFailure('simple', '1', 'BACKEND', 1000);
    const t = await scrape(o);
    const expected = { REJECTED: 2, CANCELED: 0, BACKEND: 1, OTHER: 1 };
    for (const [reason, n] of Object.entries(expected)) {
      expect(sampleValue(t, 'nv_inference_request_failure', { ...M, reason })).toBe(n);
    }
    const rows = findSamples(t, 'nv_inference_request_failure');
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.labelOrder).toEqual(['model', 'reason', 'version']);
    expect(sampleValue(t, 'nv_inference_request_success', M)).toBe(0);
    expect(sampleValue(t, 'nv_inference_request_duration_us', M)).toBe(0);
  });

  it('pre-creates zero series for listed model versions before their first request', async () => {
    const o = observer();
    const t = await scrape(o, [
      { model: 'simple', version: '1', pending: 0, executing: 0 },
      { model: 'simple', version: '2', pending: 0, executing: 0 },
    ]);
    for (const version of ['1', '2']) {
      const labels = { model: 'simple', version };
      expect(sampleValue(t, 'nv_inference_request_success', labels)).toBe(0);
      expect(sampleValue(t, 'nv_inference_exec_count', labels)).toBe(0);
      expect(findSamples(t, 'nv_inference_request_failure', labels)).toHaveLength(4);
    }
  });

  it('reports the pending count of listed versions and 0 for versions no longer listed', async () => {
    const o = observer();
    let t = await scrape(o, [
      { model: 'a', version: '1', pending: 3, executing: 0 },
      { model: 'b', version: '1', pending: 1, executing: 0 },
    ]);
    expect(sampleValue(t, 'nv_inference_pending_request_count', { model: 'a', version: '1' })).toBe(3);
    expect(sampleValue(t, 'nv_inference_pending_request_count', { model: 'b', version: '1' })).toBe(1);
    t = await scrape(o, [{ model: 'a', version: '1', pending: 2, executing: 0 }]);
    expect(sampleValue(t, 'nv_inference_pending_request_count', { model: 'a', version: '1' })).toBe(2);
    expect(sampleValue(t, 'nv_inference_pending_request_count', { model: 'b', version: '1' })).toBe(0);
  });

  it('reports pending plus executing requests as the in-flight gauge, and 0 for versions no longer listed', async () => {
    const o = observer();
    let t = await scrape(o, [
      { model: 'a', version: '1', pending: 3, executing: 2 },
      { model: 'b', version: '1', pending: 0, executing: 4 },
    ]);
    expect(t.types.get('nereid_inference_inflight_requests')).toBe('gauge');
    expect(sampleValue(t, 'nereid_inference_inflight_requests', { model: 'a', version: '1' })).toBe(5);
    expect(sampleValue(t, 'nereid_inference_inflight_requests', { model: 'b', version: '1' })).toBe(4);
    t = await scrape(o, [{ model: 'a', version: '1', pending: 0, executing: 1 }]);
    expect(sampleValue(t, 'nereid_inference_inflight_requests', { model: 'a', version: '1' })).toBe(1);
    expect(sampleValue(t, 'nereid_inference_inflight_requests', { model: 'b', version: '1' })).toBe(0);
  });

  it('sums duration counters in whole microseconds of the nanosecond totals', async () => {
    const o = observer();
    const t1: RequestTiming = {
      totalNs: 1500,
      queueNs: 700,
      computeInputNs: 0,
      computeInferNs: 0,
      computeOutputNs: 0,
    };
    o.onSuccess('simple', '1', t1, false);
    o.onSuccess('simple', '1', t1, false);
    const t = await scrape(o);
    expect(sampleValue(t, 'nv_inference_request_duration_us', M)).toBe(3);
    expect(sampleValue(t, 'nv_inference_queue_duration_us', M)).toBe(1);
  });

  it('observes request latency in seconds into cumulative buckets from 50 µs to 10 s', async () => {
    const o = observer();
    o.onSuccess('simple', '1', timing(40, 1, 0, 30, 0), false); // 40 µs -> le 0.00005
    o.onSuccess('simple', '1', timing(700, 1, 0, 300, 0), false); // 0.7 ms -> le 0.001
    o.onSuccess('simple', '1', timing(20_000_000, 1, 0, 300, 0), false); // 20 s -> +Inf only
    const t = await scrape(o);
    const buckets = findSamples(t, 'nereid_request_duration_seconds_bucket', M);
    expect(buckets.map((b) => b.labels.le)).toEqual([...LATENCY_BUCKETS_S.map(String), '+Inf']);
    const at = (le: string) => buckets.find((b) => b.labels.le === le)!.value;
    expect(at('0.00005')).toBe(1);
    expect(at('0.0005')).toBe(1);
    expect(at('0.001')).toBe(2);
    expect(at('10')).toBe(2);
    expect(at('+Inf')).toBe(3);
    expect(sampleValue(t, 'nereid_request_duration_seconds_count', M)).toBe(3);
    expect(sampleValue(t, 'nereid_request_duration_seconds_sum', M)).toBeCloseTo(20.00074, 9);
    expect(t.types.get('nereid_request_duration_seconds')).toBe('histogram');
    expect(sampleValue(t, 'nereid_queue_duration_seconds_count', M)).toBe(3);
    expect(sampleValue(t, 'nereid_compute_infer_duration_seconds_count', M)).toBe(3);
    expect(sampleValue(t, 'nv_inference_first_response_histogram_ms_bucket', { ...M, le: '100' })).toBe(2);
    expect(sampleValue(t, 'nv_inference_first_response_histogram_ms_bucket', { ...M, le: '+Inf' })).toBe(3);
  });

  it('records the rows of each execution in nereid_batch_size', async () => {
    const o = observer();
    for (const rows of [1, 1, 3, 8, 200]) o.onExecution('simple', '1', rows);
    const t = await scrape(o);
    const le = (b: string) => sampleValue(t, 'nereid_batch_size_bucket', { ...M, le: b });
    expect(findSamples(t, 'nereid_batch_size_bucket', M).map((b) => b.labels.le)).toEqual([
      ...BATCH_SIZE_BUCKETS.map(String),
      '+Inf',
    ]);
    expect(le('1')).toBe(2);
    expect(le('2')).toBe(2);
    expect(le('4')).toBe(3);
    expect(le('8')).toBe(4);
    expect(le('128')).toBe(4);
    expect(le('256')).toBe(5);
    expect(sampleValue(t, 'nereid_batch_size_sum', M)).toBe(213);
    expect(sampleValue(t, 'nv_inference_count', M)).toBe(213);
    expect(sampleValue(t, 'nv_inference_exec_count', M)).toBe(5);
  });

  it('drops the latency histograms with histogramLatencies false and the µs counters with counterLatencies false', async () => {
    const noHist = observer({ histogramLatencies: false });
    noHist.onSuccess('simple', '1', timing(100, 10, 1, 50, 1), false);
    let t = await scrape(noHist);
    expect(t.types.has('nereid_request_duration_seconds')).toBe(false);
    expect(t.types.has('nv_inference_first_response_histogram_ms')).toBe(false);
    expect(t.types.has('nereid_batch_size')).toBe(true);
    expect(sampleValue(t, 'nv_inference_request_duration_us', M)).toBe(100);

    const noCounters = observer({ counterLatencies: false });
    noCounters.onSuccess('simple', '1', timing(100, 10, 1, 50, 1), false);
    t = await scrape(noCounters);
    expect(t.types.has('nv_inference_request_duration_us')).toBe(false);
    expect(sampleValue(t, 'nereid_request_duration_seconds_count', M)).toBe(1);
  });

  it('renders the nv_cpu host gauges and the nereid_ process metrics', async () => {
    const o = observer();
    o.refreshHostMetrics();
    const t = await scrape(o);
    const utilization = sampleValue(t, 'nv_cpu_utilization', {});
    expect(utilization).toBeGreaterThanOrEqual(0);
    expect(utilization).toBeLessThanOrEqual(1);
    const total = sampleValue(t, 'nv_cpu_memory_total_bytes', {});
    const used = sampleValue(t, 'nv_cpu_memory_used_bytes', {});
    expect(total).toBeGreaterThan(0);
    expect(used).toBeGreaterThan(0);
    expect(used).toBeLessThanOrEqual(total);
    expect(sampleValue(t, 'nereid_process_resident_memory_bytes', {})).toBeGreaterThan(0);
    expect(t.types.get('nereid_process_cpu_seconds_total')).toBe('counter');
  });

  it('leaves out host and process metrics when asked to', async () => {
    const o = observer({ cpuMetrics: false, processMetrics: false });
    const t = await scrape(o);
    expect(t.types.has('nv_cpu_utilization')).toBe(false);
    expect(t.types.has('nereid_process_cpu_seconds_total')).toBe(false);
    expect(t.types.has('nv_inference_request_success')).toBe(true);
  });

  it('keeps its metrics in its own registry, not in prom-client’s global one', async () => {
    const a = observer();
    const b = observer();
    a.onSuccess('simple', '1', timing(10, 1, 1, 1, 1), false);
    expect(sampleValue(await scrape(a), 'nv_inference_request_success', M)).toBe(1);
    expect(findSamples(await scrape(b), 'nv_inference_request_success', M)).toHaveLength(0);
    expect(globalRegistry.getSingleMetric('nv_inference_request_success')).toBeUndefined();
    expect(a.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('zeroes its totals when the registry resets its metrics', async () => {
    const o = observer();
    o.onExecution('simple', '1', 4);
    o.onSuccess('simple', '1', timing(10, 1, 1, 1, 1), false);
    o.registry.resetMetrics();
    const t = await scrape(o);
    expect(sampleValue(t, 'nv_inference_request_success', M)).toBe(0);
    expect(sampleValue(t, 'nv_inference_count', M)).toBe(0);
    expect(sampleValue(t, 'nereid_batch_size_count', M)).toBe(0);
  });
});
