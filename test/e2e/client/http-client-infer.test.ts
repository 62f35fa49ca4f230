/**
 * E2E: HttpClient.infer against a real server (core + HTTP frontend, real ONNX models in worker
 * threads): the bundled examples in binary and JSON, classification with labels, every datatype
 * through an identity model, requested outputs, request ids, gzip/deflate, the server's errors as
 * InferenceServerError, AbortSignal cancellation of an in-flight call and the client deadline.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ClientErrorCode, HttpClient, type InferInput, Status, tensor } from '../../../src/client/index.js';
import type { FailureReason, RequestObserver } from '../../../src/core/index.js';
import { rejection } from '../../helpers/rejection.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { cancelQueuedInfer } from './cancel-queued-infer.js';
import {
  type ClientRepository,
  IDENTITY_TYPES,
  SLOW_MATRIX_SIZE,
  writeClientRepository,
} from './client-fixtures.js';

const failures: { model: string; reason: FailureReason }[] = [];
const observer: RequestObserver = {
  onSuccess() {},
  onFailure(model, _version, reason) {
    failures.push({ model, reason });
  },
  onExecution() {},
};

let repo: ClientRepository;
let t: TestServer;
let client: HttpClient;

beforeAll(async () => {
  repo = writeClientRepository();
  t = await startTestServer({ modelRepositories: [repo.dir], observer });
  client = new HttpClient(t.baseUrl, { connections: 4 });
});

afterAll(async () => {
  await client?.close();
  await t?.close();
  repo?.remove();
});

function simpleInputs(): { a: Int32Array; b: Int32Array; inputs: InferInput[] } {
  const a = new Int32Array(16);
  const b = new Int32Array(16);
  for (let i = 0; i < 16; i++) {
    a[i] = i * 7 - 40;
    b[i] = 3 - i;
  }
  return { a, b, inputs: [tensor('INPUT0', 'INT32', [1, 16], a), tensor('INPUT1', 'INT32', [1, 16], b)] };
}

describe('HttpClient infers on the example models', () => {
  for (const json of [false, true]) {
    const mode = json ? 'JSON' : 'binary';

    it(`HttpClient runs simple in ${mode} and returns sum and difference as Int32Arrays`, async () => {
      const { a, b, inputs } = simpleInputs();
      const result = await client.infer('simple', inputs, { json, requestId: `simple-${mode}` });
      expect(result.modelName).toBe('simple');
      expect(result.modelVersion).toBe('1');
      expect(result.requestId).toBe(`simple-${mode}`);
      expect(result.outputNames()).toEqual(['OUTPUT0', 'OUTPUT1']);
      expect(result.shape('OUTPUT0')).toEqual([1, 16]);
      expect(result.datatype('OUTPUT1')).toBe('INT32');
      const sum = result.output<Int32Array>('OUTPUT0');
      expect(sum).toBeInstanceOf(Int32Array);
      expect(Array.from(sum)).toEqual(Array.from(a, (x, i) => x + b[i]!));
      expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(Array.from(a, (x, i) => x - b[i]!));
      expect(result.outputs[0]!.parameters.binary_data_size).toBe(json ? undefined : 64);
    });

    it(`HttpClient runs simple_int8 in ${mode} with C-style wrap-around`, async () => {
      const a = new Int8Array(16).fill(100);
      const b = new Int8Array(16).fill(100);
      b[1] = -100;
      const result = await client.infer(
        'simple_int8',
        [tensor('INPUT0', 'INT8', [1, 16], a), tensor('INPUT1', 'INT8', [1, 16], b)],
        { json },
      );
      const sum = result.output<Int8Array>('OUTPUT0');
      expect(sum).toBeInstanceOf(Int8Array);
      expect(sum[0]).toBe(-56);
      expect(sum[1]).toBe(0);
      expect(result.output<Int8Array>('OUTPUT1')[1]).toBe(-56);
    });

    it(`HttpClient runs simple_string in ${mode} with strings in and strings out`, async () => {
      const a = Array.from({ length: 16 }, (_, i) => String(i * 3));
      const b = Array.from({ length: 16 }, (_, i) => String(i - 8));
      const result = await client.infer(
        'simple_string',
        [tensor('INPUT0', 'BYTES', [1, 16], a), tensor('INPUT1', 'BYTES', [1, 16], b)],
        { json },
      );
      expect(result.datatype('OUTPUT0')).toBe('BYTES');
      expect(result.outputAsStrings('OUTPUT0')).toEqual(a.map((x, i) => String(Number(x) + Number(b[i]))));
      expect(result.outputAsStrings('OUTPUT1')).toEqual(a.map((x, i) => String(Number(x) - Number(b[i]))));
      expect(new TextDecoder().decode(result.outputAsBytes('OUTPUT0')[2])).toBe(String(6 - 6));
    });

    it(`HttpClient runs custom_identity_int32 in ${mode} on a variable-length batch`, async () => {
      const values = new Int32Array([5, -6, 7, 2147483647, -2147483648, 0]);
      const result = await client.infer(
        'custom_identity_int32',
        [tensor('INPUT0', 'INT32', [2, 3], values)],
        {
          json,
        },
      );
      expect(result.shape('OUTPUT0')).toEqual([2, 3]);
      expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(Array.from(values));
    });

    it(`HttpClient classifies text_orientation in ${mode} with labels`, async () => {
      const pixels = new Float32Array(2 * 3 * 48 * 192);
      for (let i = 0; i < pixels.length; i++) pixels[i] = Math.cos(i * 0.003);
      const inputs = [tensor('x', 'FP32', [2, 3, 48, 192], pixels)];
      const probs = (await client.infer('text_orientation', inputs, { json })).output<Float32Array>(
        'softmax_0.tmp_0',
      );
      const result = await client.infer('text_orientation', inputs, {
        json,
        outputs: [{ name: 'softmax_0.tmp_0', classCount: 1 }],
      });
      expect(result.datatype('softmax_0.tmp_0')).toBe('BYTES');
      expect(result.shape('softmax_0.tmp_0')).toEqual([2, 1]);
      const labels = ['0_degree', '180_degree'];
      const rows = result.outputAsStrings('softmax_0.tmp_0');
      for (let row = 0; row < 2; row++) {
        const best = probs[row * 2]! >= probs[row * 2 + 1]! ? 0 : 1;
        const [score, index, label] = rows[row]!.split(':');
        expect(Number(index)).toBe(best);
        expect(label).toBe(labels[best]);
        expect(Number(score)).toBeCloseTo(probs[row * 2 + best]!, 5);
      }
    });
  }

  it('HttpClient returns only the requested outputs, each binary or JSON as asked', async () => {
    const { a, b, inputs } = simpleInputs();
    const result = await client.infer('simple', inputs, { outputs: [{ name: 'OUTPUT1', binary: false }] });
    expect(result.outputNames()).toEqual(['OUTPUT1']);
    expect(result.outputs[0]!.parameters.binary_data_size).toBeUndefined();
    expect(Array.from(result.output<Int32Array>('OUTPUT1'))).toEqual(Array.from(a, (x, i) => x - b[i]!));
    const mixed = await client.infer('simple', inputs, {
      json: true,
      outputs: [{ name: 'OUTPUT0', binary: true }],
    });
    expect(mixed.outputs[0]!.parameters.binary_data_size).toBe(64);
    expect(Array.from(mixed.output<Int32Array>('OUTPUT0'))).toEqual(Array.from(a, (x, i) => x + b[i]!));
  });

  it('HttpClient sends a batch larger than the concatenation limit as uncopied chunks', async () => {
    const pixels = new Float32Array(8 * 3 * 48 * 192);
    for (let i = 0; i < pixels.length; i++) pixels[i] = (i % 255) / 127.5 - 1;
    const result = await client.infer('text_orientation', [tensor('x', 'FP32', [8, 3, 48, 192], pixels)]);
    const probs = result.output<Float32Array>('softmax_0.tmp_0');
    expect(result.shape('softmax_0.tmp_0')).toEqual([8, 2]);
    for (let row = 0; row < 8; row++) expect(probs[row * 2]! + probs[row * 2 + 1]!).toBeCloseTo(1, 4);
  });

  it('HttpClient runs many concurrent calls over its keep-alive pool', async () => {
    const calls = Array.from({ length: 24 }, (_, k) => {
      const values = new Int32Array([k, k + 1, k + 2]);
      return client.infer('custom_identity_int32', [tensor('INPUT0', 'INT32', [1, 3], values)], {
        requestId: String(k),
      });
    });
    const results = await Promise.all(calls);
    results.forEach((r, k) => {
      expect(r.requestId).toBe(String(k));
      expect(Array.from(r.output<Int32Array>('OUTPUT0'))).toEqual([k, k + 1, k + 2]);
    });
  });
});

/** Values of every datatype of identity_all, chosen to hit the range edges. */
function datatypeInputs(): InferInput[] {
  return [
    tensor('IN_BOOL', 'BOOL', [3], [true, false, true]),
    tensor('IN_UINT8', 'UINT8', [3], new Uint8Array([0, 128, 255])),
    tensor('IN_UINT16', 'UINT16', [3], new Uint16Array([0, 1000, 65535])),
    tensor('IN_UINT32', 'UINT32', [3], new Uint32Array([0, 70000, 4294967295])),
    tensor('IN_UINT64', 'UINT64', [3], new BigUint64Array([0n, 2n ** 40n, 2n ** 53n - 1n])),
    tensor('IN_INT8', 'INT8', [3], new Int8Array([-128, 0, 127])),
    tensor('IN_INT16', 'INT16', [3], new Int16Array([-32768, 5, 32767])),
    tensor('IN_INT32', 'INT32', [3], new Int32Array([-2147483648, 7, 2147483647])),
    tensor('IN_INT64', 'INT64', [3], new BigInt64Array([-(2n ** 53n) + 1n, -1n, 2n ** 53n - 1n])),
    tensor('IN_FP32', 'FP32', [3], new Float32Array([1.5, -3.25e-8, 3.4e38])),
    tensor('IN_FP64', 'FP64', [3], new Float64Array([Math.PI, -1e-300, 1e300])),
    tensor('IN_BYTES', 'BYTES', [3], ['', 'héllo', new Uint8Array([0xe2, 0x82, 0xac, 0x21])]),
  ];
}

describe('HttpClient carries every datatype', () => {
  for (const json of [false, true]) {
    it(`HttpClient round-trips every datatype but FP16 through an identity model in ${json ? 'JSON' : 'binary'}`, async () => {
      const inputs = datatypeInputs();
      expect(inputs.map((i) => i.datatype).sort()).toEqual(Object.keys(IDENTITY_TYPES).sort());
      const result = await client.infer('identity_all', inputs, { json });
      for (const input of inputs) {
        const name = input.name.replace('IN_', 'OUT_');
        expect(result.datatype(name)).toBe(input.datatype);
        expect(result.shape(name)).toEqual([3]);
        expect(result.outputs.find((o) => o.name === name)!.parameters.binary_data_size).toBe(
          json ? undefined : input.data.length,
        );
        expect(Buffer.from(result.raw(name))).toEqual(Buffer.from(input.data));
      }
      const int64 = result.output<BigInt64Array>('OUT_INT64');
      expect(int64).toBeInstanceOf(BigInt64Array);
      expect(Array.from(int64)).toEqual([-(2n ** 53n) + 1n, -1n, 2n ** 53n - 1n]);
      expect(result.output<BigUint64Array>('OUT_UINT64')[2]).toBe(2n ** 53n - 1n);
      expect(Array.from(result.output<Uint8Array>('OUT_BOOL'))).toEqual([1, 0, 1]);
      expect(result.output<Float64Array>('OUT_FP64')[0]).toBe(Math.PI);
      expect(result.output<Float32Array>('OUT_FP32')[1]).toBe(Math.fround(-3.25e-8));
      expect(result.outputAsStrings('OUT_BYTES')).toEqual(['', 'héllo', '€!']);
      expect(result.outputAsBytes('OUT_BYTES')[2]).toEqual(new Uint8Array([0xe2, 0x82, 0xac, 0x21]));
    });
  }

  it('HttpClient round-trips FP16 as raw bits in binary', async () => {
    const bits = new Uint16Array([0x3e00, 0xb400, 0x7bff, 0x0001]);
    const result = await client.infer('identity_fp16', [tensor('IN_FP16', 'FP16', [4], bits)]);
    expect(result.datatype('OUT_FP16')).toBe('FP16');
    expect(Array.from(result.output<Uint16Array>('OUT_FP16'))).toEqual(Array.from(bits));
    expect(Array.from(result.outputAsFloat32('OUT_FP16'))).toEqual([1.5, -0.25, 65504, 2 ** -24]);
    const fromFloats = await client.infer('identity_fp16', [tensor('IN_FP16', 'FP16', [2], [1.5, -0.25])]);
    expect(Array.from(fromFloats.output<Uint16Array>('OUT_FP16'))).toEqual([0x3e00, 0xb400]);
  });

  it('HttpClient refuses to send FP16 as JSON before anything is sent', async () => {
    const input = tensor('IN_FP16', 'FP16', [1], [2]);
    const err = await rejection(client.infer('identity_fp16', [input], { json: true }));
    expect(err.status).toBe(Status.INVALID_ARG);
    expect(err.code).toBe(ClientErrorCode.INVALID_INPUT);
    expect(err.message).toBe(
      "Input 'IN_FP16' has datatype FP16, which cannot travel as JSON: send it binary (without the json option)",
    );
  });
});

describe('HttpClient compresses', () => {
  for (const compression of ['gzip', 'deflate'] as const) {
    it(`HttpClient sends ${compression} requests and decodes ${compression} answers`, async () => {
      const encodings: string[] = [];
      const onHeaders = (message: unknown) => {
        const { response } = message as { response: { headers: Buffer[] } };
        const raw = response.headers.map((h) => h.toString());
        for (let i = 0; i < raw.length; i += 2) {
          if (raw[i]!.toLowerCase() === 'content-encoding') encodings.push(raw[i + 1]!);
        }
      };
      subscribe('undici:request:headers', onHeaders);
      try {
        const { a, b, inputs } = simpleInputs();
        for (const json of [false, true]) {
          const result = await client.infer('simple', inputs, { compression, json });
          expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(
            Array.from(a, (x, i) => x + b[i]!),
          );
        }
      } finally {
        unsubscribe('undici:request:headers', onHeaders);
      }
      expect(encodings).toEqual([compression, compression]);
    });
  }
});

describe('HttpClient reports server errors as InferenceServerError', () => {
  it("HttpClient rejects an unknown model with NOT_FOUND, HTTP 404 and Triton's message", async () => {
    const err = await rejection(client.infer('no_such_model', simpleInputs().inputs));
    expect(err.status).toBe(Status.NOT_FOUND);
    expect(err.httpStatus).toBe(404);
    expect(err.code).toBe(ClientErrorCode.SERVER_RESPONSE);
    expect(err.message).toBe("Request for unknown model: 'no_such_model' is not found");
  });

  it('HttpClient rejects a shape the model does not take with INVALID_ARG and the server message', async () => {
    const bad = [
      tensor('INPUT0', 'INT32', [1, 15], new Int32Array(15)),
      tensor('INPUT1', 'INT32', [1, 15], new Int32Array(15)),
    ];
    const err = await rejection(client.infer('simple', bad));
    expect(err.status).toBe(Status.INVALID_ARG);
    expect(err.httpStatus).toBe(400);
    expect(err.message).toMatch(/unexpected shape for input 'INPUT0'.*Expected \[-1,16\], got \[1,15\]/);
  });

  it('HttpClient rejects a failing model run with the server-side error', async () => {
    // Three values cannot take the shape [2, 2]: ONNX Runtime's Reshape fails the run.
    const err = await rejection(
      client.infer('reshape', [
        tensor('X', 'FP32', [3], new Float32Array([1, 2, 3])),
        tensor('S', 'INT64', [2], new BigInt64Array([2n, 2n])),
      ]),
    );
    expect(err.httpStatus).toBe(500);
    expect(err.status).toBe(Status.INTERNAL);
    expect(err.message.length).toBeGreaterThan(0);
  });

  it('HttpClient rejects an unknown model version with NOT_FOUND', async () => {
    const err = await rejection(client.infer('simple', simpleInputs().inputs, { modelVersion: '9' }));
    expect(err.status).toBe(Status.NOT_FOUND);
    expect(err.message).toMatch(/version 9 is not found/);
  });

  it('HttpClient refuses reserved keys in parameters before sending', async () => {
    const err = await rejection(
      client.infer('simple', simpleInputs().inputs, { parameters: { priority: 1 } }),
    );
    expect(err.code).toBe(ClientErrorCode.INVALID_INPUT);
    expect(err.message).toBe(
      "Parameter 'priority' is reserved: use the priority option instead of parameters",
    );
  });

  it('HttpClient reports a refused connection as UNAVAILABLE', async () => {
    const closed = new HttpClient('127.0.0.1:1');
    try {
      const err = await rejection(closed.isServerLive());
      expect(err.status).toBe(Status.UNAVAILABLE);
      expect(err.code).toBe(ClientErrorCode.CONNECTION);
    } finally {
      await closed.close();
    }
  });
});

describe('HttpClient sends scheduling parameters', () => {
  it('HttpClient passes priority and a server-side timeout that the default scheduler accepts', async () => {
    const { a, b, inputs } = simpleInputs();
    const result = await client.infer('simple', inputs, { priority: 1, timeoutUs: 5_000_000n });
    expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(Array.from(a, (x, i) => x + b[i]!));
  });
});

describe('HttpClient cancels', () => {
  const x = [tensor('X', 'FP32', [1], new Float32Array([0.5]))];

  it('HttpClient aborts an in-flight call through its AbortSignal and the server cancels the queued request', async () => {
    const { cancelled, first } = await cancelQueuedInfer(client, t.server, x);
    expect(cancelled.status).toBe(Status.CANCELLED);
    expect(cancelled.code).toBe(ClientErrorCode.CANCELLED);
    expect(first.output('Y')[0]).toBeCloseTo(0.25 * SLOW_MATRIX_SIZE, 0);
    await vi.waitFor(() => expect(failures).toContainEqual({ model: 'slow', reason: 'CANCELED' }));
  });

  it('HttpClient rejects at once when the signal is already aborted', async () => {
    const err = await rejection(client.infer('slow', x, { signal: AbortSignal.abort() }));
    expect(err.status).toBe(Status.CANCELLED);
  });

  it('HttpClient rejects with ERR_CLIENT_TIMEOUT when timeoutMs passes before the answer', async () => {
    const started = performance.now();
    const err = await rejection(client.infer('slow', x, { timeoutMs: 30 }));
    expect(err.code).toBe(ClientErrorCode.TIMEOUT);
    expect(err.status).toBe(Status.UNAVAILABLE);
    expect(err.message).toBe("Inference on model 'slow' timed out after 30 ms");
    expect(performance.now() - started).toBeLessThan(5_000);
    const ok = await client.infer('slow', x, { timeoutMs: 60_000 });
    expect(ok.output('Y')[0]).toBeCloseTo(0.25 * SLOW_MATRIX_SIZE, 0);
  });
});
