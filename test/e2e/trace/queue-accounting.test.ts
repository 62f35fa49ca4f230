/**
 * E2E: queue time counts every wait. A small ONNX model with one instance takes up to 16
 * executions at once (`nereid.max_in_flight`), so under concurrency 16 most executions wait inside
 * the instance's pipeline, already handed to its worker, behind the running one. That wait is
 * Triton's `queue` (arrival at the model to the start of compute): the statistics extension, the
 * Prometheus observer and Server-Timing must show it as queue, not leave it unaccounted.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../../src/client/index.js';
import type { RequestObserver, RequestTiming } from '../../../src/core/index.js';
import { buildMlp } from '../../../src/tools/onnx/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const CONCURRENCY = 16;
const ROUNDS = 25;
const FEATURES = 256;

let dir: string;
let t: TestServer;
let client: HttpClient;
const observed: RequestTiming[] = [];
const observer: RequestObserver = {
  onSuccess(_model, _version, timing) {
    observed.push({ ...timing });
  },
  onFailure() {},
  onExecution() {},
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nereid-queue-'));
  mkdirSync(join(dir, 'pipelined', '1'), { recursive: true });
  writeFileSync(
    join(dir, 'pipelined', '1', 'model.onnx'),
    buildMlp({ inputSize: FEATURES, hiddenSizes: [384, 384], outputSize: 16, batch: 1 }),
  );
  writeFileSync(
    join(dir, 'pipelined', 'config.pbtxt'),
    [
      'name: "pipelined"',
      'backend: "onnxruntime"',
      'max_batch_size: 0',
      `input [ { name: "INPUT0" data_type: TYPE_FP32 dims: [ 1, ${FEATURES} ] } ]`,
      'output [ { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 1, 16 ] } ]',
      'instance_group [ { kind: KIND_CPU count: 1 } ]',
      'parameters { key: "nereid.max_in_flight" value { string_value: "16" } }',
      'parameters { key: "nereid.answer_poll_us" value { string_value: "0" } }',
    ].join('\n'),
  );
  t = await startTestServer({ modelRepositories: [dir], observer });
  client = new HttpClient(t.baseUrl, { connections: CONCURRENCY });
});

afterAll(async () => {
  await client?.close();
  await t?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `{count, ns}` averaged, in µs. */
function avgUs(d: { count: number; ns: number }): number {
  return d.count === 0 ? 0 : d.ns / d.count / 1000;
}

describe('Queue time counts the wait inside an instance pipeline', () => {
  it('Requests waiting behind a busy instance report that wait as queue in statistics, metrics and Server-Timing', async () => {
    const input = [tensor('INPUT0', 'FP32', [1, FEATURES], new Float32Array(FEATURES).fill(0.25))];
    const serverQueueMs: number[] = [];
    const body = JSON.stringify({
      inputs: [
        { name: 'INPUT0', datatype: 'FP32', shape: [1, FEATURES], data: new Array(FEATURES).fill(0.25) },
      ],
    });
    const lane = async (): Promise<void> => {
      for (let i = 0; i < ROUNDS; i++) await client.infer('pipelined', input);
    };
    // One lane reads each response's Server-Timing header (the client library does not expose it).
    const headerLane = async (): Promise<void> => {
      for (let i = 0; i < ROUNDS; i++) {
        const res = await fetch(`${t.baseUrl}/v2/models/pipelined/infer`, { method: 'POST', body });
        expect(res.status).toBe(200);
        await res.arrayBuffer();
        const queue = /queue;dur=([0-9.]+)/.exec(res.headers.get('server-timing') ?? '');
        serverQueueMs.push(Number(queue![1]));
      }
    };
    await Promise.all([headerLane(), ...Array.from({ length: CONCURRENCY - 1 }, lane)]);

    const stats = (await client.modelStatistics('pipelined')).model_stats[0]!;
    const s = stats.inference_stats;
    expect(s.success.count).toBe(CONCURRENCY * ROUNDS);
    const queueUs = avgUs(s.queue);
    const computeUs = avgUs(s.compute_input) + avgUs(s.compute_infer) + avgUs(s.compute_output);
    const totalUs = avgUs(s.success);
    const unaccountedUs = totalUs - queueUs - computeUs;
    // Up to 15 executions run before a request's own: its wait is several compute times, and it
    // is queue, not the "overhead" left over once queue and compute are subtracted.
    expect(queueUs).toBeGreaterThan(computeUs);
    expect(queueUs).toBeGreaterThan(unaccountedUs);
    // Execution stats and the per-request ones describe the same executions.
    expect(stats.execution_count).toBe(CONCURRENCY * ROUNDS);

    const observedQueueUs = observed.reduce((sum, x) => sum + x.queueNs, 0) / observed.length / 1000;
    expect(observedQueueUs).toBeCloseTo(queueUs, 0);
    const headerQueueUs = (serverQueueMs.reduce((a, b) => a + b, 0) / serverQueueMs.length) * 1000;
    expect(headerQueueUs).toBeGreaterThan(computeUs);
  });
});
