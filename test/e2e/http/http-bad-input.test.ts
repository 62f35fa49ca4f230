/**
 * E2E: malformed requests get the right status and a message that names the problem, and the
 * server keeps serving correct requests in between (a good request runs after every bad one).
 * Every case runs three times: against a server decoding every body on the main thread with
 * JSON.parse alone (the byte scanner off), one reading every body's tensor data with the byte
 * scanner on the main thread, and one sending every JSON body to its decode pool
 * (--http-json-decode-min-bytes 0), which scans there; all must answer each case with the same
 * status and the same body, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesOf, inferBinary, readResponse, simpleInputs } from '../../helpers/kserve-http.js';
import { exampleSubset, startTestServer, type TestServer } from '../../helpers/test-server.js';

/**
 * The decode paths: index 0 JSON.parse on the main thread, 1 the byte scanner on the main thread,
 * 2 the byte scanner in the decode pool.
 */
const PATHS = [
  {
    label: 'with JSON.parse on the main thread',
    http: { maxInputSizeBytes: 64 * 1024, jsonDecodeThreads: 0, jsonScanMinBytes: Number.POSITIVE_INFINITY },
  },
  {
    label: 'with the byte scanner on the main thread',
    http: { maxInputSizeBytes: 64 * 1024, jsonDecodeThreads: 0, jsonScanMinBytes: 0 },
  },
  {
    label: 'with the byte scanner in the decode pool',
    http: { maxInputSizeBytes: 64 * 1024, jsonDecodeThreads: 1, jsonDecodeMinBytes: 0, jsonScanMinBytes: 0 },
  },
] as const;
const servers: TestServer[] = [];
let repo: ReturnType<typeof exampleSubset>;

beforeAll(async () => {
  repo = exampleSubset(['simple']);
  servers.push(
    ...(await Promise.all(
      PATHS.map((path) => startTestServer({ modelRepositories: [repo.dir], http: path.http })),
    )),
  );
});

afterAll(async () => {
  for (const s of servers) await s.close();
  repo?.remove();
});

const { a, b } = simpleInputs(1);
const A = Array.from(a);
const B = Array.from(b);
const good = (extra: Record<string, unknown> = {}) => ({
  inputs: [
    { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: A },
    { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: B },
  ],
  ...extra,
});

interface Case {
  name: string;
  path?: string;
  method?: string;
  body?: string | Uint8Array;
  headers?: Record<string, string>;
  status: number;
  message: RegExp;
}

function binaryBody(headerJson: unknown, payload: Uint8Array): { body: Uint8Array; headerLength: number } {
  const json = new TextEncoder().encode(JSON.stringify(headerJson));
  const body = new Uint8Array(json.length + payload.length);
  body.set(json);
  body.set(payload, json.length);
  return { body, headerLength: json.length };
}

const twoInputsBin = binaryBody(
  {
    inputs: [
      { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } },
      { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } },
    ],
  },
  new Uint8Array(128),
);
const shortBin = binaryBody(
  { inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 64 } }] },
  new Uint8Array(10),
);
const wrongSizeBin = binaryBody(
  {
    inputs: [
      { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 60 } },
      { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', parameters: { binary_data_size: 68 } },
    ],
  },
  new Uint8Array(128),
);
const badUtf8 = new Uint8Array([
  ...new TextEncoder().encode('{"inputs": [{"name": "'),
  0xff,
  0xfe,
  ...new TextEncoder().encode('"}]}'),
]);

const CASES: Case[] = [
  { name: 'malformed JSON', body: '{"inputs": [', status: 400, message: /JSON/i },
  { name: 'JSON that is not an object', body: '[1,2,3]', status: 400, message: /object/i },
  { name: 'empty body', body: '', status: 400, message: /JSON|empty|body/i },
  { name: 'missing inputs field', body: '{}', status: 400, message: /inputs/ },
  { name: 'inputs not an array', body: '{"inputs": 5}', status: 400, message: /inputs/ },
  {
    name: 'input without a name',
    body: JSON.stringify({ inputs: [{ shape: [1, 16], datatype: 'INT32', data: A }] }),
    status: 400,
    message: /name/,
  },
  {
    name: 'input without a datatype',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 16], data: A }] }),
    status: 400,
    message: /datatype/,
  },
  {
    name: 'input without a shape',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', datatype: 'INT32', data: A }] }),
    status: 400,
    message: /shape/,
  },
  {
    name: 'unknown datatype',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'INT33', data: A }] }),
    status: 400,
    message: /INT33/,
  },
  {
    name: 'negative dim',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, -16], datatype: 'INT32', data: A }] }),
    status: 400,
    message: /-16|shape/,
  },
  {
    name: 'element count differs from shape',
    body: JSON.stringify({
      inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: A.slice(0, 15) }],
    }),
    status: 400,
    message: /INPUT0/,
  },
  {
    name: 'wrong shape for the model',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 15], datatype: 'INT32', data: A.slice(0, 15) },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: B },
      ],
    }),
    status: 400,
    message: /unexpected shape for input 'INPUT0'.*Expected \[-1,16\], got \[1,15\]/,
  },
  {
    name: 'wrong datatype for the model',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'FP32', data: A },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: B },
      ],
    }),
    status: 400,
    message: /'INPUT0' data-type is 'FP32', but model 'simple' expects 'INT32'/,
  },
  {
    name: 'missing input',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: A }] }),
    status: 400,
    message: /missing required input\(s\) \['INPUT1'\]/,
  },
  {
    name: 'unknown input',
    body: JSON.stringify({
      inputs: [...good().inputs, { name: 'INPUT9', shape: [1, 16], datatype: 'INT32', data: A }],
    }),
    status: 400,
    message: /unexpected inference input 'INPUT9'/,
  },
  {
    name: 'duplicate input',
    body: JSON.stringify({ inputs: [good().inputs[0], good().inputs[0]] }),
    status: 400,
    message: /INPUT0/,
  },
  {
    name: 'unknown output',
    body: JSON.stringify(good({ outputs: [{ name: 'OUTPUT7' }] })),
    status: 400,
    message: /unexpected inference output 'OUTPUT7'/,
  },
  {
    name: 'batch larger than max_batch_size',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [9, 16], datatype: 'INT32', data: new Array(144).fill(1) },
        { name: 'INPUT1', shape: [9, 16], datatype: 'INT32', data: new Array(144).fill(1) },
      ],
    }),
    status: 400,
    message: /batch-size must be <= 8/,
  },
  {
    name: 'inputs with different batch sizes',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [2, 16], datatype: 'INT32', data: new Array(32).fill(1) },
        { name: 'INPUT1', shape: [1, 16], datatype: 'INT32', data: B },
      ],
    }),
    status: 400,
    message: /batch size/,
  },
  {
    name: 'string in INT32 data',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: ['x', ...A.slice(1)] },
        good().inputs[1],
      ],
    }),
    status: 400,
    message: /INPUT0/,
  },
  {
    name: 'fraction in INT32 data',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: [1.5, ...A.slice(1)] },
        good().inputs[1],
      ],
    }),
    status: 400,
    message: /INPUT0/,
  },
  {
    name: 'INT32 out of range',
    body: JSON.stringify({
      inputs: [
        { name: 'INPUT0', shape: [1, 16], datatype: 'INT32', data: [2 ** 31, ...A.slice(1)] },
        good().inputs[1],
      ],
    }),
    status: 400,
    message: /INPUT0/,
  },
  {
    name: 'FP16 sent as JSON',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'FP16', data: A }] }),
    status: 400,
    message: /FP16/,
  },
  {
    name: 'BF16 sent as JSON',
    body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 16], datatype: 'BF16', data: A }] }),
    status: 400,
    message: /BF16/,
  },
  {
    name: 'negative classification',
    body: JSON.stringify(good({ outputs: [{ name: 'OUTPUT0', parameters: { classification: -1 } }] })),
    status: 400,
    message: /classification/,
  },
  {
    name: 'lying Inference-Header-Content-Length (too long)',
    body: twoInputsBin.body,
    headers: { 'inference-header-content-length': String(twoInputsBin.body.length + 10) },
    status: 400,
    message: /Inference-Header-Content-Length|header/i,
  },
  {
    name: 'Inference-Header-Content-Length not a number',
    body: twoInputsBin.body,
    headers: { 'inference-header-content-length': 'abc' },
    status: 400,
    message: /Inference-Header-Content-Length|abc/i,
  },
  {
    name: 'binary data shorter than declared',
    body: shortBin.body,
    headers: { 'inference-header-content-length': String(shortBin.headerLength) },
    status: 400,
    message: /binary_data_size|bytes/,
  },
  {
    name: 'binary_data_size not matching the shape',
    body: wrongSizeBin.body,
    headers: { 'inference-header-content-length': String(wrongSizeBin.headerLength) },
    status: 400,
    message: /INPUT0|binary_data_size/,
  },
  {
    name: 'binary_data_size together with data',
    body: binaryBody(
      {
        inputs: [
          {
            name: 'INPUT0',
            shape: [1, 16],
            datatype: 'INT32',
            data: A,
            parameters: { binary_data_size: 64 },
          },
        ],
      },
      new Uint8Array(64),
    ).body,
    headers: {
      'inference-header-content-length': String(
        binaryBody(
          {
            inputs: [
              {
                name: 'INPUT0',
                shape: [1, 16],
                datatype: 'INT32',
                data: A,
                parameters: { binary_data_size: 64 },
              },
            ],
          },
          new Uint8Array(64),
        ).headerLength,
      ),
    },
    status: 400,
    message: /INPUT0/,
  },
  { name: 'invalid UTF-8 in the JSON header', body: badUtf8, status: 400, message: /UTF-8/i },
  {
    name: 'unsupported content encoding',
    body: JSON.stringify(good()),
    headers: { 'content-encoding': 'br' },
    status: 400,
    message: /br/,
  },
  {
    name: 'corrupt gzip body',
    body: 'not gzip at all',
    headers: { 'content-encoding': 'gzip' },
    status: 400,
    message: /gzip/i,
  },
  {
    name: 'oversized body',
    body: new Uint8Array(70 * 1024),
    headers: { 'inference-header-content-length': '10' },
    status: 400,
    message: /exceeds the maximum/,
  },
  {
    name: 'unknown model',
    path: '/v2/models/no_such_model/infer',
    body: JSON.stringify(good()),
    status: 404,
    message: /^Request for unknown model: 'no_such_model' is not found$/,
  },
  {
    name: 'unknown version',
    path: '/v2/models/simple/versions/9/infer',
    body: JSON.stringify(good()),
    status: 404,
    message: /version 9 is not found/,
  },
  {
    name: 'infer with GET',
    path: '/v2/models/simple/infer',
    method: 'GET',
    status: 405,
    message: /Method Not Allowed/,
  },
  { name: 'id that is not a string', body: JSON.stringify(good({ id: 5 })), status: 400, message: /id/ },
  {
    name: 'parameters that are not an object',
    body: JSON.stringify(good({ parameters: [1] })),
    status: 400,
    message: /parameters/,
  },
];

async function send(t: TestServer, c: Case): Promise<{ status: number; body: any }> {
  const res = await fetch(t.baseUrl + (c.path ?? '/v2/models/simple/infer'), {
    method: c.method ?? 'POST',
    headers: c.headers,
    body: c.method === 'GET' ? undefined : c.body,
  });
  const text = await res.text();
  return { status: res.status, body: text === '' ? null : JSON.parse(text) };
}

async function goodRequestWorks(t: TestServer): Promise<void> {
  const res = await inferBinary(t.baseUrl, 'simple', [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: bytesOf(a) },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: bytesOf(b) },
  ]);
  expect(res.status).toBe(200);
  expect(res.json.outputs[0].data[5]).toBe(a[5]! + b[5]!);
}

describe.each(PATHS.map((path, index) => ({ ...path, index })))('bad input decoded $label', ({ index }) => {
  const t = (): TestServer => servers[index]!;

  it('has at least 30 cases', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(30);
  });

  for (const c of CASES) {
    it(`rejects ${c.name} with ${c.status} and a message naming the problem`, async () => {
      const { status, body } = await send(t(), c);
      expect(status).toBe(c.status);
      expect(typeof body?.error).toBe('string');
      expect(body.error).toMatch(c.message);
      await goodRequestWorks(t());
    });
  }

  it('keeps serving correct requests while bad ones arrive concurrently', async () => {
    const jobs: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      jobs.push(send(t(), CASES[i % CASES.length]!));
      jobs.push(goodRequestWorks(t()));
    }
    await Promise.all(jobs);
  });

  it('answers a raw body for a two-input model with a clear error', async () => {
    const res = await fetch(`${t().baseUrl}/v2/models/simple/infer`, {
      method: 'POST',
      headers: { 'inference-header-content-length': '0' },
      body: new Uint8Array(64),
    });
    const parsed = await readResponse(res).catch(() => null);
    expect(res.status === 400 || parsed?.status === 400).toBe(true);
  });
});

describe('bad input on every decode path', () => {
  it('gets the same status and the same error text from the byte scanner and the decode pool as from JSON.parse', async () => {
    for (const c of CASES) {
      const [parsed, scanned, pool] = await Promise.all(servers.map((s) => send(s, c)));
      expect({ case: c.name, ...scanned }).toEqual({ case: c.name, ...parsed });
      expect({ case: c.name, ...pool }).toEqual({ case: c.name, ...parsed });
    }
  });

  it('sends JSON bodies to the decode pool only on the pool server', () => {
    expect(servers[0]!.http.jsonDecodePool).toBeNull();
    expect(servers[1]!.http.jsonDecodePool).toBeNull();
    expect(servers[2]!.http.jsonDecodePool!.workers.length).toBe(1);
  });
});
