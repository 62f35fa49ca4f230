/**
 * E2E: the KServe v2 HTTP endpoints against a real server serving the bundled example repository
 * (real ONNX models in worker threads): health, metadata, config, inference in JSON and binary
 * on every example model, classification, compression, and statistics.
 */
import { readdirSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bytesOf,
  bytesTensor,
  inferBinary,
  inferJson,
  readResponse,
  simpleInputs,
} from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY, startTestServer, type TestServer } from '../../helpers/test-server.js';

let t: TestServer;

beforeAll(async () => {
  t = await startTestServer();
});

afterAll(async () => {
  await t?.close();
});

describe('health and metadata', () => {
  it('reports live and ready with empty 200 bodies', async () => {
    for (const path of ['/v2/health/live', '/v2/health/ready']) {
      const res = await fetch(t.baseUrl + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
    }
  });

  it('answers server metadata with the id, version and only working extensions', async () => {
    const res = await fetch(`${t.baseUrl}/v2`);
    const body = await res.json();
    expect(body.name).toBe('nereid');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    // Triton's names for what works here, and no more (no shared memory without --allow-client-shm,
    // no CUDA shared memory without a GPU).
    expect(body.extensions).toEqual([
      'classification',
      'sequence',
      'model_repository',
      'model_repository(unload_dependents)',
      'schedule_policy',
      'model_configuration',
      'binary_tensor_data',
      'parameters',
      'statistics',
      'trace',
      'logging',
    ]);
  });

  it('answers model metadata with a leading -1 batch dim for batching models', async () => {
    const body = await (await fetch(`${t.baseUrl}/v2/models/simple`)).json();
    expect(body).toEqual({
      name: 'simple',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [-1, 16] },
        { name: 'INPUT1', datatype: 'INT32', shape: [-1, 16] },
      ],
      outputs: [
        { name: 'OUTPUT0', datatype: 'INT32', shape: [-1, 16] },
        { name: 'OUTPUT1', datatype: 'INT32', shape: [-1, 16] },
      ],
    });
    const v1 = await (await fetch(`${t.baseUrl}/v2/models/simple/versions/1`)).json();
    expect(v1.versions).toEqual(['1']);
  });

  it('answers model readiness per model and version', async () => {
    expect((await fetch(`${t.baseUrl}/v2/models/simple/ready`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/v2/models/simple/versions/1/ready`)).status).toBe(200);
    expect((await fetch(`${t.baseUrl}/v2/models/simple/versions/7/ready`)).status).toBe(400);
    expect((await fetch(`${t.baseUrl}/v2/models/nope/ready`)).status).toBe(400);
  });

  it("answers the model config in Triton's JSON form", async () => {
    const config = await (await fetch(`${t.baseUrl}/v2/models/simple/config`)).json();
    expect(config.name).toBe('simple');
    expect(config.max_batch_size).toBe(8);
    expect(config.input[0]).toMatchObject({ name: 'INPUT0', data_type: 'TYPE_INT32', dims: [16] });
    expect(config.instance_group[0].kind).toBe('KIND_CPU');
    expect(config.version_policy).toEqual({ latest: { num_versions: 1 } });
    expect(config).not.toHaveProperty('response_cache');
  });

  it('returns 404 for unknown routes and 405 for wrong methods, ignoring query strings', async () => {
    const notFound = await fetch(`${t.baseUrl}/v2/nothing/here`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toEqual({ error: 'Not Found' });
    const wrong = await fetch(`${t.baseUrl}/v2/models/simple/infer`);
    expect(wrong.status).toBe(405);
    const withQuery = await fetch(`${t.baseUrl}/v2/models/simple?verbose=1`);
    expect(withQuery.status).toBe(200);
  });

  it("names unknown models with Triton's message", async () => {
    const res = await fetch(`${t.baseUrl}/v2/models/nope`);
    expect(res.status).toBe(404);
    expect((await res.json()).error).toBe("Request for unknown model: 'nope' is not found");
  });
});

describe('inference', () => {
  it('adds and subtracts on simple with JSON tensors and echoes the request id', async () => {
    const { a, b } = simpleInputs(1);
    const res = await inferJson(t.baseUrl, 'simple', {
      id: 'req-42',
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: Array.from(a) },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: [Array.from(b)] },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.id).toBe('req-42');
    expect(res.json.model_name).toBe('simple');
    expect(res.json.model_version).toBe('1');
    const out0 = res.json.outputs.find((o: any) => o.name === 'OUTPUT0');
    const out1 = res.json.outputs.find((o: any) => o.name === 'OUTPUT1');
    expect(out0).toMatchObject({ datatype: 'INT32', shape: [1, 16] });
    expect(out0.data).toEqual(Array.from(a, (x, i) => x + b[i]!));
    expect(out1.data).toEqual(Array.from(a, (x, i) => x - b[i]!));
  });

  it('accepts a client-side batch of 8 in binary and returns binary outputs when asked', async () => {
    const { a, b } = simpleInputs(8, 100);
    const res = await inferBinary(
      t.baseUrl,
      'simple',
      [
        { name: 'INPUT0', datatype: 'INT32', shape: [8, 16], data: bytesOf(a) },
        { name: 'INPUT1', datatype: 'INT32', shape: [8, 16], data: bytesOf(b) },
      ],
      { outputs: [{ name: 'OUTPUT1', parameters: { binary_data: true } }] },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(res.json.outputs).toHaveLength(1);
    const out = res.binary.get('OUTPUT1')!;
    const diff = new Int32Array(out.slice().buffer);
    expect(Array.from(diff)).toEqual(Array.from(a, (x, i) => x - b[i]!));
    expect(res.json.outputs[0].shape).toEqual([8, 16]);
  });

  it('returns every output in binary with binary_data_output', async () => {
    const { a, b } = simpleInputs(2);
    const res = await inferBinary(
      t.baseUrl,
      'simple',
      [
        { name: 'INPUT0', datatype: 'INT32', shape: [2, 16], data: bytesOf(a) },
        { name: 'INPUT1', datatype: 'INT32', shape: [2, 16], data: bytesOf(b) },
      ],
      { parameters: { binary_data_output: true } },
    );
    expect([...res.binary.keys()].sort()).toEqual(['OUTPUT0', 'OUTPUT1']);
    expect(res.json.outputs.every((o: any) => o.parameters.binary_data_size === 2 * 16 * 4)).toBe(true);
  });

  it('wraps around in INT8 on simple_int8', async () => {
    const a = new Int8Array(16).fill(100);
    const b = new Int8Array(16).fill(100);
    b[1] = -100;
    const res = await inferJson(t.baseUrl, 'simple_int8', {
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT8', data: Array.from(a) },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT8', data: Array.from(b) },
      ],
    });
    expect(res.status).toBe(200);
    const sum = res.json.outputs.find((o: any) => o.name === 'OUTPUT0').data;
    const diff = res.json.outputs.find((o: any) => o.name === 'OUTPUT1').data;
    expect(sum[0]).toBe(-56);
    expect(sum[1]).toBe(0);
    expect(diff[0]).toBe(0);
    expect(diff[1]).toBe(-56);
  });

  it('computes decimal strings on simple_string in JSON and binary', async () => {
    const a = Array.from({ length: 16 }, (_, i) => String(i * 7 - 20));
    const b = Array.from({ length: 16 }, () => '5');
    const res = await inferJson(t.baseUrl, 'simple_string', {
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'BYTES', data: a },
        { name: 'INPUT1', shape: [1, 16], datatype: 'BYTES', data: b },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.outputs.find((o: any) => o.name === 'OUTPUT0').data).toEqual(
      a.map((x) => String(Number(x) + 5)),
    );
    const bin = await inferBinary(
      t.baseUrl,
      'simple_string',
      [
        { name: 'INPUT0', datatype: 'BYTES', shape: [1, 16], data: bytesTensor(a) },
        { name: 'INPUT1', datatype: 'BYTES', shape: [1, 16], data: bytesTensor(b) },
      ],
      { parameters: { binary_data_output: true } },
    );
    expect(bin.status).toBe(200);
    expect(Buffer.from(bin.binary.get('OUTPUT1')!)).toEqual(
      Buffer.from(bytesTensor(a.map((x) => String(Number(x) - 5)))),
    );
  });

  it('accepts the raw single-input binary body for a one-input model', async () => {
    const data = new Int32Array([5, -6, 7, 8]);
    const res = await fetch(`${t.baseUrl}/v2/models/custom_identity_int32/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': '0' },
      body: bytesOf(data),
    });
    const parsed = await readResponse(res);
    expect(parsed.status).toBe(200);
    expect(parsed.json.outputs[0].shape).toEqual([1, 4]);
    expect(Array.from(new Int32Array(parsed.binary.get('OUTPUT0')!.slice().buffer))).toEqual([5, -6, 7, 8]);
  });

  it('classifies with labels on the real PaddleOCR orientation model', async () => {
    const pixels = new Float32Array(2 * 3 * 48 * 192);
    for (let i = 0; i < pixels.length; i++) pixels[i] = Math.sin(i * 0.01);
    const res = await inferBinary(
      t.baseUrl,
      'text_orientation',
      [{ name: 'x', datatype: 'FP32', shape: [2, 3, 48, 192], data: bytesOf(pixels) }],
      { outputs: [{ name: 'softmax_0.tmp_0', parameters: { classification: 2, binary_data: false } }] },
    );
    expect(res.status).toBe(200);
    const out = res.json.outputs[0];
    expect(out.datatype).toBe('BYTES');
    expect(out.shape).toEqual([2, 2]);
    for (const row of [out.data.slice(0, 2), out.data.slice(2, 4)]) {
      const parsed = row.map((s: string) => s.split(':'));
      expect(parsed.map((p: string[]) => p[2]).sort()).toEqual(['0_degree', '180_degree']);
      const probs = parsed.map((p: string[]) => Number(p[0]));
      expect(probs[0]).toBeGreaterThanOrEqual(probs[1]);
      expect(probs[0] + probs[1]).toBeCloseTo(1, 4);
    }
  });

  it('decompresses gzip requests and compresses responses for Accept-Encoding gzip', async () => {
    const { a, b } = simpleInputs(1);
    const body = gzipSync(
      JSON.stringify({
        inputs: [
          { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: Array.from(a) },
          { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: Array.from(b) },
        ],
      }),
    );
    const res = await fetch(`${t.baseUrl}/v2/models/simple/infer`, {
      method: 'POST',
      headers: { 'content-encoding': 'gzip', 'accept-encoding': 'gzip' },
      body,
    });
    expect(res.status).toBe(200);
    // fetch transparently decodes gzip; check the header and the decoded JSON.
    expect(res.headers.get('content-encoding')).toBe('gzip');
    const json = await res.json();
    expect(json.outputs[0].data[3]).toBe(a[3]! + b[3]!);
    expect(gunzipSync(gzipSync('x')).toString()).toBe('x');
  });

  it('reports queue, compute and total time in Server-Timing', async () => {
    const { a, b } = simpleInputs(1);
    const res = await inferBinary(t.baseUrl, 'simple', [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: bytesOf(a) },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: bytesOf(b) },
    ]);
    expect(res.headers.get('server-timing')).toMatch(
      /^queue;dur=\d+\.\d{3}, compute;dur=\d+\.\d{3}, total;dur=\d+\.\d{3}$/,
    );
  });
});

describe('statistics', () => {
  it('counts concurrent requests exactly', async () => {
    const before = await (await fetch(`${t.baseUrl}/v2/models/custom_identity_int32/stats`)).json();
    const s0 = before.model_stats[0];
    const n = 40;
    const { a } = simpleInputs(1);
    await Promise.all(
      Array.from({ length: n }, (_, i) =>
        inferJson(t.baseUrl, 'custom_identity_int32', {
          inputs: [
            {
              name: 'INPUT0',
              shape: [1 + (i % 3), 4],
              datatype: 'INT32',
              data: Array.from(a.slice(0, 4 * (1 + (i % 3)))),
            },
          ],
        }),
      ),
    );
    const after = await (await fetch(`${t.baseUrl}/v2/models/custom_identity_int32/versions/1/stats`)).json();
    const s1 = after.model_stats[0];
    expect(s1.name).toBe('custom_identity_int32');
    expect(s1.version).toBe('1');
    const rows = Array.from({ length: n }, (_, i) => 1 + (i % 3)).reduce((x, y) => x + y, 0);
    expect(s1.inference_stats.success.count - s0.inference_stats.success.count).toBe(n);
    expect(s1.inference_stats.queue.count - s0.inference_stats.queue.count).toBe(n);
    expect(s1.inference_stats.compute_infer.count - s0.inference_stats.compute_infer.count).toBe(n);
    expect(s1.execution_count - s0.execution_count).toBe(n);
    expect(s1.inference_count - s0.inference_count).toBe(rows);
    expect(s1.last_inference).toBeGreaterThan(Date.now() - 60_000);
    const sizes = s1.batch_stats.map((b: any) => b.batch_size);
    expect(sizes).toEqual(expect.arrayContaining([1, 2, 3]));
    expect(s1.inference_stats.success.ns).toBeGreaterThan(0);
  });

  it('lists every model in /v2/models/stats and counts failures', async () => {
    const bad = await inferJson(t.baseUrl, 'simple', {
      inputs: [{ name: 'INPUT0', shape: [1, 15], datatype: 'INT32', data: new Array(15).fill(0) }],
    });
    expect(bad.status).toBe(400);
    const all = await (await fetch(`${t.baseUrl}/v2/models/stats`)).json();
    const names = all.model_stats.map((s: any) => s.name);
    // One entry per version of every model directory of the example repository, sorted by name.
    const dirs = readdirSync(EXAMPLES_REPOSITORY, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
    expect(names).toEqual(dirs);
    const simple = all.model_stats.find((s: any) => s.name === 'simple');
    expect(simple.inference_stats.fail.count).toBeGreaterThanOrEqual(1);
  });
});
