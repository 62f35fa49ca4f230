/**
 * JsonDecodePool with real worker threads (the compiled worker from `npm run build`): it decodes
 * every body exactly as decodeHttpInferRequest does on the main thread (same request, same error
 * status, code and text), bounds the bytes it holds, and answers the bodies of a dead thread.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ServerError, Status } from '../../../../src/common/errors.js';
import {
  JsonDecodePool,
  type JsonDecodeSink,
  resolveJsonDecodePool,
} from '../../../../src/frontends/http/json-decode-pool.js';
import { type DecodedHttpInferRequest, decodeHttpInferRequest } from '../../../../src/protocol/index.js';
import { buildBody, jsonBody } from '../../protocol/request-builder.js';

/** A sink that resolves with what the pool answered. */
function outcome(): { sink: JsonDecodeSink; done: Promise<DecodedHttpInferRequest | ServerError> } {
  let settle!: (v: DecodedHttpInferRequest | ServerError) => void;
  const done = new Promise<DecodedHttpInferRequest | ServerError>((r) => {
    settle = r;
  });
  return { sink: { onDecoded: settle, onDecodeError: settle }, done };
}

/** A comparable form of a decoded request or error (tensor bytes as plain arrays). */
function comparable(v: unknown): unknown {
  if (v instanceof ServerError) return { status: v.status, code: v.code, message: v.message };
  const r = v as DecodedHttpInferRequest;
  return {
    ...r,
    inputs: r.inputs.map((i) => ({ ...i, data: Array.from(i.data), dataBytes: i.data.byteLength })),
  };
}

/** The main thread's answer with JSON.parse alone (the byte scanner off). */
function mainThread(body: Uint8Array, headerLength: number | undefined): unknown {
  try {
    return comparable(
      decodeHttpInferRequest(body, headerLength, {
        modelName: 'm',
        jsonScanMinBytes: Number.POSITIVE_INFINITY,
      }),
    );
  } catch (err) {
    return comparable(err);
  }
}

const input = (over: Record<string, unknown>) => ({ name: 'IN', datatype: 'FP32', shape: [2], ...over });

/** Bodies over every datatype and rule: nested and flat data, ranges, BYTES, FP16/BF16, NaN, errors. */
const CORPUS: { name: string; body: Uint8Array; headerLength?: number }[] = [
  ...['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP32', 'FP64'].map(
    (datatype) => ({
      name: `${datatype} nested`,
      body: jsonBody({
        inputs: [
          input({
            datatype,
            shape: [2, 2],
            data:
              datatype === 'BOOL'
                ? [
                    [true, false],
                    [false, true],
                  ]
                : [
                    [1, 2],
                    [3, 4],
                  ],
          }),
        ],
      }),
    }),
  ),
  { name: 'FP32 flat with fractions', body: jsonBody({ inputs: [input({ data: [0.1, -2.5e-7] })] }) },
  {
    name: 'bare NaN and Infinity',
    body: jsonBody('{"inputs":[{"name":"IN","datatype":"FP64","shape":[3],"data":[NaN,-Infinity,Inf]}]}'),
  },
  { name: 'INT8 out of range', body: jsonBody({ inputs: [input({ datatype: 'INT8', data: [1, 128] })] }) },
  { name: 'UINT64 negative', body: jsonBody({ inputs: [input({ datatype: 'UINT64', data: [1, -1] })] }) },
  {
    name: 'INT64 at 2^63',
    body: jsonBody('{"inputs":[{"name":"IN","datatype":"INT64","shape":[1],"data":[9223372036854775808]}]}'),
  },
  { name: 'INT32 fraction', body: jsonBody({ inputs: [input({ datatype: 'INT32', data: [1, 1.5] })] }) },
  { name: 'BOOL as number', body: jsonBody({ inputs: [input({ datatype: 'BOOL', data: [1, 0] })] }) },
  { name: 'FP32 string', body: jsonBody({ inputs: [input({ data: ['1', 2] })] }) },
  {
    name: 'BYTES strings',
    body: jsonBody({
      inputs: [
        input({
          datatype: 'BYTES',
          data: [
            ['ab', 'é'],
            ['', 'x'],
          ],
          shape: [2, 2],
        }),
      ],
    }),
  },
  { name: 'BYTES number', body: jsonBody({ inputs: [input({ datatype: 'BYTES', data: ['a', 5] })] }) },
  { name: 'FP16 as JSON', body: jsonBody({ inputs: [input({ datatype: 'FP16', data: [1, 2] })] }) },
  { name: 'BF16 as JSON', body: jsonBody({ inputs: [input({ datatype: 'BF16', data: [1, 2] })] }) },
  { name: 'too few elements', body: jsonBody({ inputs: [input({ data: [1] })] }) },
  {
    name: 'data nested too deep',
    body: jsonBody({
      inputs: [input({ shape: [1], data: JSON.parse(`${'['.repeat(70)}1${']'.repeat(70)}`) })],
    }),
  },
  { name: 'malformed JSON', body: jsonBody('{"inputs": [') },
  { name: 'invalid UTF-8', body: new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x7d]) },
  { name: 'not an object', body: jsonBody('[1]') },
  {
    name: 'duplicate inputs',
    body: jsonBody({ inputs: [input({ data: [1, 2] }), input({ data: [1, 2] })] }),
  },
  {
    name: 'both data and binary size',
    body: jsonBody({ inputs: [input({ data: [1, 2], parameters: { binary_data_size: 8 } })] }),
  },
  {
    name: 'id, parameters, outputs and shared memory',
    body: jsonBody({
      id: 'r1',
      parameters: { priority: 2, binary_data_output: true },
      inputs: [
        input({ data: [1, 2] }),
        input({ name: 'SHM', parameters: { shared_memory_region: 'r', shared_memory_byte_size: 8 } }),
      ],
      outputs: [{ name: 'OUT', parameters: { binary_data: false, classification: 1 } }],
    }),
  },
  {
    name: 'JSON data next to a binary part',
    ...buildBody(
      {
        inputs: [
          input({ data: [1, 2] }),
          input({ name: 'B', datatype: 'INT32', parameters: { binary_data_size: 8 } }),
        ],
      },
      [new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])],
    ),
  },
  {
    name: 'binary part too short',
    ...buildBody({ inputs: [input({ parameters: { binary_data_size: 8 } })] }, [new Uint8Array(4)]),
  },
];

let pool: JsonDecodePool | null = null;

afterEach(async () => {
  await pool?.close();
  pool = null;
});

function newPool(threads: number, maxBytes: number, jsonScanMinBytes?: number): JsonDecodePool {
  pool = new JsonDecodePool(
    resolveJsonDecodePool({ jsonDecodeThreads: threads, jsonDecodeMaxBytes: maxBytes, jsonScanMinBytes }, 1),
  );
  return pool;
}

describe('JsonDecodePool', () => {
  it.each([
    ['JSON.parse', Number.POSITIVE_INFINITY],
    ['the byte scanner', 0],
  ])(
    'decodes every body of the corpus with %s exactly as JSON.parse on the main thread does, errors included',
    async (_, scanMinBytes) => {
      const p = newPool(2, 1 << 20, scanMinBytes);
      for (const c of CORPUS) {
        const expected = mainThread(c.body.slice(), c.headerLength);
        const { sink, done } = outcome();
        p.decode(c.body.slice(), c.headerLength, 'm', sink);
        expect({ case: c.name, got: comparable(await done) }).toEqual({ case: c.name, got: expected });
      }
    },
  );

  it('hands back typed tensors whose bytes the main thread owns, and copies a body that shares its buffer', async () => {
    const p = newPool(1, 1 << 20);
    const json = jsonBody({ inputs: [input({ data: [1.5, -2] })] });
    const shared = new Uint8Array(json.length + 16);
    shared.set(json, 8);
    const { sink, done } = outcome();
    p.decode(shared.subarray(8, 8 + json.length), undefined, 'm', sink);
    const decoded = (await done) as DecodedHttpInferRequest;
    expect(
      Array.from(new Float32Array(decoded.inputs[0]!.data.buffer, decoded.inputs[0]!.data.byteOffset, 2)),
    ).toEqual([1.5, -2]);
    // The caller's buffer held more than the body: it was copied, not detached.
    expect(shared.byteLength).toBe(json.length + 16);
  });

  it('decodes a body in a lent shared buffer without moving it, and lends the same memory again once answered', async () => {
    const p = newPool(1, 1 << 20);
    const json = jsonBody({ inputs: [input({ data: [1.5, -2] })] });
    const lent = p.borrowBody(json.length);
    expect(lent.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(lent.length).toBe(json.length);
    lent.set(json);
    const { sink, done } = outcome();
    p.decode(lent, undefined, 'm', sink);
    const decoded = (await done) as DecodedHttpInferRequest;
    const data = decoded.inputs[0]!.data;
    expect(Array.from(new Float32Array(data.buffer, data.byteOffset, 2))).toEqual([1.5, -2]);
    expect(data.buffer).not.toBe(lent.buffer);
    expect(p.freeBodyBuffers).toBe(1);
    expect(p.borrowBody(json.length - 1).buffer).toBe(lent.buffer);
    expect(p.freeBodyBuffers).toBe(0);
  });

  it('copies the binary parts of a body in a lent shared buffer out of it before the buffer is reused', async () => {
    const p = newPool(1, 1 << 20);
    const built = buildBody(
      { inputs: [input({ name: 'B', datatype: 'INT32', parameters: { binary_data_size: 8 } })] },
      [new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])],
    );
    const lent = p.borrowBody(built.body.length);
    lent.set(built.body);
    const { sink, done } = outcome();
    p.decode(lent, built.headerLength, 'm', sink);
    const decoded = (await done) as DecodedHttpInferRequest;
    lent.fill(0);
    expect(decoded.inputs[0]!.data.buffer).not.toBe(lent.buffer);
    expect(Array.from(decoded.inputs[0]!.data)).toEqual([1, 0, 0, 0, 2, 0, 0, 0]);
  });

  it('refuses a body past its byte bound with 503 and Retry-After, and takes it once the others are done', async () => {
    const body = jsonBody({ inputs: [input({ data: [1, 2] })] });
    const p = newPool(1, body.length * 2);
    const first = outcome();
    const second = outcome();
    p.decode(body.slice(), undefined, 'm', first.sink);
    p.decode(body.slice(), undefined, 'm', second.sink);
    expect(p.heldBytes).toBe(body.length * 2);
    let refused: unknown;
    try {
      p.decode(body.slice(), undefined, 'm', outcome().sink);
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(ServerError);
    expect((refused as ServerError).status).toBe(Status.UNAVAILABLE);
    expect((refused as ServerError).code).toBe('ERR_JSON_DECODE_BUSY');
    expect((refused as ServerError).retryAfterS).toBe(1);
    expect((refused as ServerError).message).toBe(
      `Cannot decode a ${body.length}-byte JSON request body now: ${body.length * 2} of ${body.length * 2} bytes are being decoded (--http-json-decode-max-bytes)`,
    );
    await first.done;
    await second.done;
    expect(p.heldBytes).toBe(0);
    const third = outcome();
    p.decode(body.slice(), undefined, 'm', third.sink);
    expect(comparable(await third.done)).toEqual(mainThread(body, undefined));
  });

  it('answers 503 with Retry-After for the bodies of a thread that dies, and decodes the next body in a new thread', async () => {
    const p = newPool(1, 1 << 20);
    const body = jsonBody({ inputs: [input({ data: [1, 2] })] });
    const lost = outcome();
    p.decode(body.slice(), undefined, 'm', lost.sink);
    const [worker] = p.workers;
    await worker!.terminate();
    const error = (await lost.done) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(Status.UNAVAILABLE);
    expect(error.code).toBe('ERR_JSON_DECODE_WORKER');
    expect(error.retryAfterS).toBe(1);
    expect(error.message).toMatch(
      /^Cannot decode the JSON request body: its decode thread stopped before answering \(it exited with code \d+\)$/,
    );
    expect(p.heldBytes).toBe(0);
    const next = outcome();
    p.decode(body.slice(), undefined, 'm', next.sink);
    expect(p.workers[0]).not.toBe(worker);
    expect(comparable(await next.done)).toEqual(mainThread(body, undefined));
  });
});

describe('resolveJsonDecodePool', () => {
  it('defaults to one thread per core (at most 4), 32 KiB, twice the largest body and an 8 KiB scan threshold', () => {
    const r = resolveJsonDecodePool({}, 1000);
    expect(r.threads).toBeGreaterThanOrEqual(1);
    expect(r.threads).toBeLessThanOrEqual(4);
    expect(r.minBytes).toBe(32 * 1024);
    expect(r.maxBytes).toBe(2000);
    expect(resolveJsonDecodePool({ jsonDecodeThreads: 0 }, 1000).threads).toBe(0);
    expect(r.scanMinBytes).toBe(8192);
  });

  it('refuses negative values and a byte bound below the largest body, naming the flag', () => {
    expect(() => resolveJsonDecodePool({ jsonDecodeThreads: -2 }, 1000)).toThrow(
      '--http-json-decode-threads must be a non-negative integer: received -2',
    );
    expect(() => resolveJsonDecodePool({ jsonDecodeMinBytes: 1.5 }, 1000)).toThrow(
      '--http-json-decode-min-bytes must be a non-negative integer: received 1.5',
    );
    expect(() => resolveJsonDecodePool({ jsonDecodeMaxBytes: 999 }, 1000)).toThrow(
      '--http-json-decode-max-bytes must be >= --http-max-input-size: received 999 < 1000',
    );
    expect(() => resolveJsonDecodePool({ jsonScanMinBytes: -1 }, 1000)).toThrow(
      'jsonScanMinBytes must be >= 0: received -1',
    );
  });
});
