/**
 * E2E: a real server (core + HTTP, example models in worker threads) with the PrometheusObserver
 * and the MetricsFrontend on port 0. Requests go over HTTP, /metrics is scraped over HTTP and
 * parsed: exact success, failure (by reason), inference and execution counts, histogram counts
 * and labels, the batch-size histogram, pre-created series, host and process metrics, the
 * endpoint's HTTP behaviour, and a server with metrics off.
 */
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceRequest, type InferenceResponse, type ResponseSink } from '../../../src/core/index.js';
import { MetricsFrontend, PrometheusObserver } from '../../../src/frontends/metrics/index.js';
import { bytesOf, inferJson, simpleInputs } from '../../helpers/kserve-http.js';
import { exampleSubset, startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  findSamples,
  type PromText,
  parsePromText,
  sampleValue,
} from '../../unit/metrics/prometheus-text.js';

let t: TestServer;
let observer: PrometheusObserver;
let metrics: MetricsFrontend;
let metricsUrl: string;

beforeAll(async () => {
  observer = new PrometheusObserver({ metricsIntervalMs: 0 });
  t = await startTestServer({ observer });
  metrics = new MetricsFrontend(t.server, observer, { port: 0, address: '127.0.0.1' });
  const address = await metrics.listen();
  metricsUrl = `http://127.0.0.1:${address.port}/metrics`;
});

afterAll(async () => {
  await metrics?.close();
  await t?.close();
  observer?.close();
});

async function scrape(): Promise<PromText> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  return parsePromText(await res.text());
}

function simpleBody(rows: number, datatype = 'INT32') {
  const { a, b } = simpleInputs(rows);
  return {
    inputs: [
      { name: 'INPUT0', datatype, shape: [rows, 16], data: [...a] },
      { name: 'INPUT1', datatype, shape: [rows, 16], data: [...b] },
    ],
  };
}

describe('metrics of successful requests', () => {
  it('counts three batch-1 and one batch-3 request of simple exactly, with latencies and batch sizes', async () => {
    for (const rows of [1, 1, 1, 3]) {
      const res = await inferJson(t.baseUrl, 'simple', simpleBody(rows));
      expect(res.status).toBe(200);
    }
    const m = await scrape();
    const labels = { model: 'simple', version: '1' };
    expect(sampleValue(m, 'nv_inference_request_success', labels)).toBe(4);
    expect(sampleValue(m, 'nv_inference_count', labels)).toBe(6);
    expect(sampleValue(m, 'nv_inference_exec_count', labels)).toBe(4);
    for (const reason of ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER']) {
      expect(sampleValue(m, 'nv_inference_request_failure', { ...labels, reason })).toBe(0);
    }
    expect(sampleValue(m, 'nv_inference_pending_request_count', labels)).toBe(0);
    const requestUs = sampleValue(m, 'nv_inference_request_duration_us', labels);
    const queueUs = sampleValue(m, 'nv_inference_queue_duration_us', labels);
    const inferUs = sampleValue(m, 'nv_inference_compute_infer_duration_us', labels);
    expect(requestUs).toBeGreaterThan(0);
    expect(inferUs).toBeGreaterThan(0);
    expect(requestUs).toBeGreaterThanOrEqual(queueUs + inferUs);

    for (const family of [
      'nereid_request_duration_seconds',
      'nereid_queue_duration_seconds',
      'nereid_compute_infer_duration_seconds',
      'nv_inference_first_response_histogram_ms',
    ]) {
      expect(m.types.get(family)).toBe('histogram');
      expect(sampleValue(m, `${family}_count`, labels)).toBe(4);
      expect(sampleValue(m, `${family}_bucket`, { ...labels, le: '+Inf' })).toBe(4);
    }
    expect(sampleValue(m, 'nereid_request_duration_seconds_sum', labels)).toBeCloseTo(requestUs / 1e6, 5);

    const batch = (le: string) => sampleValue(m, 'nereid_batch_size_bucket', { ...labels, le });
    expect(batch('1')).toBe(3);
    expect(batch('2')).toBe(3);
    expect(batch('4')).toBe(4);
    expect(batch('+Inf')).toBe(4);
    expect(sampleValue(m, 'nereid_batch_size_sum', labels)).toBe(6);
    expect(sampleValue(m, 'nereid_batch_size_count', labels)).toBe(4);
  });
});

describe('metrics of failed requests', () => {
  it('counts a request with a bad shape as one OTHER failure and nothing else', async () => {
    const bad = {
      inputs: [
        { name: 'INPUT0', datatype: 'INT8', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] },
        { name: 'INPUT1', datatype: 'INT8', shape: [1, 8], data: [1, 2, 3, 4, 5, 6, 7, 8] },
      ],
    };
    const res = await inferJson(t.baseUrl, 'simple_int8', bad);
    expect(res.status).toBe(400);
    const m = await scrape();
    const labels = { model: 'simple_int8', version: '1' };
    expect(sampleValue(m, 'nv_inference_request_failure', { ...labels, reason: 'OTHER' })).toBe(1);
    for (const reason of ['REJECTED', 'CANCELED', 'BACKEND']) {
      expect(sampleValue(m, 'nv_inference_request_failure', { ...labels, reason })).toBe(0);
    }
    expect(sampleValue(m, 'nv_inference_request_success', labels)).toBe(0);
    expect(sampleValue(m, 'nv_inference_exec_count', labels)).toBe(0);
    expect(sampleValue(m, 'nereid_request_duration_seconds_count', labels)).toBe(0);
  });

  it('does not count requests for a model that does not exist', async () => {
    const res = await inferJson(t.baseUrl, 'no_such_model', simpleBody(1));
    expect(res.status).toBeGreaterThanOrEqual(400);
    const m = await scrape();
    expect(findSamples(m, 'nv_inference_request_failure', { model: 'no_such_model' })).toHaveLength(0);
  });

  it('counts a queued request cancelled before it ran as one CANCELED failure', async () => {
    const sink = new CollectingSink();
    const { a } = simpleInputs(1);
    const request = (id: string) =>
      new InferenceRequest({
        modelName: 'custom_identity_int32',
        id,
        inputs: [{ name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: bytesOf(a) }],
        sink,
      });
    const running = request('running');
    const queued = request('queued');
    t.server.infer(running); // takes the model's only instance
    t.server.infer(queued); // waits behind it
    const pending = parsePromText(await observer.render(t.server.pendingCounts()));
    expect(
      sampleValue(pending, 'nv_inference_pending_request_count', {
        model: 'custom_identity_int32',
        version: '1',
      }),
    ).toBe(1);
    // The autoscaling signal: the one executing plus the one queued.
    expect(
      sampleValue(pending, 'nereid_inference_inflight_requests', {
        model: 'custom_identity_int32',
        version: '1',
      }),
    ).toBe(2);
    expect(t.server.cancel(queued)).toBe(true);
    await sink.done;
    const m = await scrape();
    const labels = { model: 'custom_identity_int32', version: '1' };
    expect(sampleValue(m, 'nv_inference_request_failure', { ...labels, reason: 'CANCELED' })).toBe(1);
    expect(sampleValue(m, 'nv_inference_request_success', labels)).toBe(1);
    expect(sampleValue(m, 'nv_inference_exec_count', labels)).toBe(1);
    expect(sampleValue(m, 'nv_inference_pending_request_count', labels)).toBe(0);
    expect(sampleValue(m, 'nereid_inference_inflight_requests', labels)).toBe(0);
  });
});

describe('the metrics endpoint', () => {
  it('lists every loaded model with zero counters before its first request', async () => {
    const m = await scrape();
    const labels = { model: 'text_orientation', version: '1' };
    expect(sampleValue(m, 'nv_inference_request_success', labels)).toBe(0);
    expect(sampleValue(m, 'nv_inference_count', labels)).toBe(0);
    expect(findSamples(m, 'nv_inference_request_failure', labels)).toHaveLength(4);
    expect(sampleValue(m, 'nv_inference_pending_request_count', labels)).toBe(0);
  });

  it('renders host CPU and memory gauges and nereid_ process metrics', async () => {
    observer.refreshHostMetrics();
    const m = await scrape();
    const u = sampleValue(m, 'nv_cpu_utilization', {});
    expect(u).toBeGreaterThanOrEqual(0);
    expect(u).toBeLessThanOrEqual(1);
    expect(sampleValue(m, 'nv_cpu_memory_total_bytes', {})).toBeGreaterThan(0);
    expect(sampleValue(m, 'nv_cpu_memory_used_bytes', {})).toBeGreaterThan(0);
    expect(sampleValue(m, 'nereid_process_resident_memory_bytes', {})).toBeGreaterThan(0);
    expect(sampleValue(m, 'nereid_process_cpu_seconds_total', {})).toBeGreaterThan(0);
  });

  it('answers with the Prometheus text content type, and gzip when the scraper accepts it', async () => {
    const plain = await fetch(metricsUrl, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toContain('# TYPE nv_inference_request_success counter');

    const res = await new Promise<{ encoding: string | undefined; body: Buffer }>((resolve, reject) => {
      import('node:http').then(({ get }) => {
        get(metricsUrl, { headers: { 'accept-encoding': 'gzip' } }, (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () =>
            resolve({ encoding: r.headers['content-encoding'], body: Buffer.concat(chunks) }),
          );
        }).on('error', reject);
      }, reject);
    });
    expect(res.encoding).toBe('gzip');
    expect(gunzipSync(res.body).toString()).toContain('# TYPE nv_inference_count counter');
  });

  it('answers 404 for other paths and 405 with Allow for other methods', async () => {
    const other = await fetch(metricsUrl.replace('/metrics', '/v2/health/live'));
    expect(other.status).toBe(404);
    expect((await other.json()).error).toBe("Unknown path '/v2/health/live': metrics are served at /metrics");
    const post = await fetch(metricsUrl, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(metricsUrl, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });
});

describe('a server with metrics off', () => {
  it('serves inference with no observer and still reports queue lengths', async () => {
    const repository = exampleSubset(['simple']);
    const off = await startTestServer({ modelRepositories: [repository.dir], observer: null });
    try {
      const res = await inferJson(off.baseUrl, 'simple', simpleBody(2));
      expect(res.status).toBe(200);
      expect(res.json.outputs[0].shape).toEqual([2, 16]);
      expect(off.server.pendingCounts()).toContainEqual({
        model: 'simple',
        version: '1',
        pending: 0,
        executing: 0,
      });
    } finally {
      await off.close();
      repository.remove();
    }
  });
});

/** Collects in-process answers; `done` resolves at the first (the cancelled request gets none from the core). */
class CollectingSink implements ResponseSink {
  readonly answers: string[] = [];
  readonly done: Promise<void>;
  private resolve!: () => void;

  constructor() {
    this.done = new Promise((r) => (this.resolve = r));
  }

  onResponse(request: InferenceRequest, _response: InferenceResponse | null, final: boolean): void {
    if (final) this.answer(`${request.id}:ok`);
  }

  onError(request: InferenceRequest): void {
    this.answer(`${request.id}:error`);
  }

  private answer(text: string): void {
    this.answers.push(text);
    if (this.answers.length === 1) this.resolve();
  }
}
