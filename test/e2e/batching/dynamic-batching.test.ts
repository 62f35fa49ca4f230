/**
 * E2E: the dynamic batcher behind the HTTP frontend on real ONNX models (synthetic MLPs written by
 * writeMlpModel, run by onnxruntime-node in worker threads). Merged batches must answer exactly
 * what the same requests answer one by one; timeouts, queue limits and client disconnects must
 * show up on the wire and in the statistics.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMlpModel } from '../../../src/tools/examples/index.js';
import { type BinaryInput, bytesOf, inferBinary } from '../../helpers/kserve-http.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';

const MLP = { inputSize: 16, hiddenSizes: [64, 32], outputSize: 8, seed: 7 };

let t: TestServer;
let repo: string;

beforeAll(async () => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-batching-'));
  writeMlpModel(join(repo, 'mlp_single'), MLP);
  writeMlpModel(join(repo, 'mlp_batched'), {
    ...MLP,
    extraConfig: 'dynamic_batching { max_queue_delay_microseconds: 20000 }',
  });
  writeMlpModel(join(repo, 'mlp_two_instances'), {
    ...MLP,
    instanceCount: 2,
    extraConfig: 'dynamic_batching { preferred_batch_size: [ 4, 8 ] max_queue_delay_microseconds: 5000 }',
  });
  writeMlpModel(join(repo, 'mlp_timeout'), {
    ...MLP,
    extraConfig: `dynamic_batching {
  max_queue_delay_microseconds: 1000000
  default_queue_policy { default_timeout_microseconds: 10000000 allow_timeout_override: true }
}`,
  });
  writeMlpModel(join(repo, 'mlp_queue_full'), {
    ...MLP,
    extraConfig: `dynamic_batching {
  max_queue_delay_microseconds: 1000000
  default_queue_policy { max_queue_size: 2 }
}`,
  });
  writeMlpModel(join(repo, 'mlp_cancel'), {
    ...MLP,
    extraConfig: 'dynamic_batching { max_queue_delay_microseconds: 400000 }',
  });
  t = await startTestServer({ modelRepositories: [repo] });
});

afterAll(async () => {
  await t?.close();
  if (repo !== undefined) rmSync(repo, { recursive: true, force: true });
});

/** A batch-1 input whose values depend on `i`. */
function inputFor(i: number): BinaryInput {
  const data = new Float32Array(MLP.inputSize);
  for (let k = 0; k < data.length; k++) data[k] = Math.sin(i * 0.37 + k * 0.11) * 3;
  return { name: 'INPUT0', datatype: 'FP32', shape: [1, MLP.inputSize], data: bytesOf(data) };
}

/** Asks for OUTPUT0 as binary data, so outputs compare byte for byte. */
const BINARY_OUTPUT = { outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }] };

async function stats(model: string): Promise<any> {
  const res = await fetch(`${t.baseUrl}/v2/models/${model}/stats`);
  return (await res.json()).model_stats[0];
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > until) throw new Error(`Timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Sends `count` concurrent batch-1 requests to `model` and checks each against `mlp_single`. */
async function checkMergedOutputs(model: string, count: number): Promise<void> {
  const batched = await Promise.all(
    Array.from({ length: count }, (_, i) => inferBinary(t.baseUrl, model, [inputFor(i)], BINARY_OUTPUT)),
  );
  for (let i = 0; i < count; i++) {
    const alone = await inferBinary(t.baseUrl, 'mlp_single', [inputFor(i)], BINARY_OUTPUT);
    expect(batched[i]!.status).toBe(200);
    expect(batched[i]!.json.outputs[0].shape).toEqual([1, MLP.outputSize]);
    expect(alone.status).toBe(200);
    expect([...batched[i]!.binary.get('OUTPUT0')!]).toEqual([...alone.binary.get('OUTPUT0')!]);
  }
  const s = await stats(model);
  expect(s.inference_count).toBe(count);
  expect(s.inference_stats.success.count).toBe(count);
  expect(s.inference_stats.queue.count).toBe(count);
  expect(s.execution_count).toBeLessThan(count);
  expect(s.batch_stats.some((b: { batch_size: number }) => b.batch_size > 1)).toBe(true);
  const executions = s.batch_stats.reduce((n: number, b: any) => n + b.compute_infer.count, 0);
  const rows = s.batch_stats.reduce((n: number, b: any) => n + b.batch_size * b.compute_infer.count, 0);
  expect(executions).toBe(s.execution_count);
  expect(rows).toBe(count);
}

describe('dynamic batching over HTTP', () => {
  it('answers merged batches exactly as the same requests run one by one', async () => {
    await checkMergedOutputs('mlp_batched', 32);
  });

  it('answers merged batches exactly with two instances and preferred sizes', async () => {
    await checkMergedOutputs('mlp_two_instances', 40);
  });

  it('answers a request whose short timeout expires in a busy queue with 503 at once', async () => {
    const waiting = inferBinary(t.baseUrl, 'mlp_timeout', [inputFor(1)]);
    await waitUntil(() => t.server.getModel('mlp_timeout').scheduler.pendingCount === 1, 'one is queued');
    const started = performance.now();
    const expired = await inferBinary(t.baseUrl, 'mlp_timeout', [inputFor(2)], {
      parameters: { timeout: 20_000 },
    });
    const elapsedMs = performance.now() - started;
    expect(expired.status).toBe(503);
    expect(expired.json.error).toMatch(/^Request timeout expired/);
    // Answered at its 20 ms deadline, not when the 1 s batch delay would have run it.
    expect(elapsedMs).toBeLessThan(500);
    expect((await waiting).status).toBe(200);
    const s = await stats('mlp_timeout');
    expect(s.inference_stats.fail.count).toBe(1);
    expect(s.inference_count).toBe(1);
  });

  it('answers 503 with Retry-After when the queue is full', async () => {
    const queued = [1, 2].map((i) => inferBinary(t.baseUrl, 'mlp_queue_full', [inputFor(i)]));
    await waitUntil(() => t.server.getModel('mlp_queue_full').scheduler.pendingCount === 2, 'two are queued');
    const refused = await inferBinary(t.baseUrl, 'mlp_queue_full', [inputFor(3)]);
    expect(refused.status).toBe(503);
    expect(refused.json.error).toMatch(/^Exceeds maximum queue size/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    for (const r of await Promise.all(queued)) expect(r.status).toBe(200);
    const s = await stats('mlp_queue_full');
    expect(s.inference_stats.fail.count).toBe(1);
    expect(s.inference_stats.success.count).toBe(2);
  });

  it('counts a client that disconnects while queued as cancelled and never runs its request', async () => {
    const mv = t.server.getModel('mlp_cancel');
    const controller = new AbortController();
    const gone = fetch(`${t.baseUrl}/v2/models/mlp_cancel/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 16], data: new Array(16).fill(0.5) }],
      }),
      signal: controller.signal,
    }).catch((err: unknown) => err);
    await waitUntil(() => mv.scheduler.pendingCount === 1, 'the request is queued');
    controller.abort();
    expect(await gone).toBeInstanceOf(Error);
    await waitUntil(() => mv.stats.cancelCount === 1, 'the request is cancelled');
    expect(mv.scheduler.pendingCount).toBe(0);
    const after = await inferBinary(t.baseUrl, 'mlp_cancel', [inputFor(4)]);
    expect(after.status).toBe(200);
    const s = await stats('mlp_cancel');
    expect(s.execution_count).toBe(1);
    expect(s.inference_count).toBe(1);
    expect(s.batch_stats).toEqual([expect.objectContaining({ batch_size: 1 })]);
    expect(s.inference_stats.success.count).toBe(1);
  });
});
