/**
 * The byte scanner of JSON tensor data (ADR 0024) against the JSON.parse path it replaces: numbers
 * read to the very double JSON.parse gives, exactly JSON's number grammar, and whole request
 * bodies (random, edge cases, every prefix and thousands of byte mutations of valid bodies)
 * decoded by decodeHttpInferRequest to identical requests or identical errors on both paths.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { type DecodedHttpInferRequest, decodeHttpInferRequest } from '../../../src/protocol/index.js';
import { findJsonDataSpans } from '../../../src/protocol/json-data-spans.js';
import { JsonNumberReader } from '../../../src/protocol/json-number-reader.js';
import { buildBody, jsonBody } from './request-builder.js';

/** A deterministic generator (xorshift32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

/** What the reader makes of `token` followed by `]`: its value, or null when it is not one whole number. */
function readToken(token: string): number | null {
  const bytes = new TextEncoder().encode(`${token}]`);
  const reader = new JsonNumberReader();
  const end = reader.read(bytes, 0);
  return end === token.length ? reader.value : null;
}

/** What JSON.parse makes of `token` alone: a number, or null when it is not a JSON number. */
function parseToken(token: string): number | null {
  try {
    const v: unknown = JSON.parse(token);
    return typeof v === 'number' && token.trim() === token ? v : null;
  } catch {
    return null;
  }
}

function expectSameNumber(token: string): void {
  const got = readToken(token);
  const want = parseToken(token);
  if (got === null || want === null || !Object.is(got, want))
    expect({ token, got }).toEqual({ token, got: want });
}

/** Decimal texts that stress the exact paths: float32 and float64 values printed every way. */
function numberTexts(count: number, seed: number): string[] {
  const next = random(seed);
  const f64 = new Float64Array(1);
  const u32 = new Uint32Array(f64.buffer);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = i % 8;
    const scale = 10 ** Math.floor(next() * 80 - 40);
    const v = (next() - 0.5) * scale;
    if (kind === 0) out.push(String(v));
    else if (kind === 1) out.push(String(Math.fround(v)));
    else if (kind === 2) out.push(v.toPrecision(1 + Math.floor(next() * 21)));
    else if (kind === 3) out.push(v.toExponential(Math.floor(next() * 20)));
    else if (kind === 4) {
      // Any bit pattern: subnormals, extremes, every exponent.
      u32[0] = Math.floor(next() * 2 ** 32);
      u32[1] = Math.floor(next() * 2 ** 32);
      if (Number.isFinite(f64[0]!)) out.push(String(f64[0]));
    } else if (kind === 5) {
      // Random digit strings of up to 25 digits with a fraction and an exponent.
      let s = next() < 0.5 ? '-' : '';
      const intDigits = Math.floor(next() * 12);
      s += intDigits === 0 ? '0' : String(1 + Math.floor(next() * 9));
      for (let d = 1; d < intDigits; d++) s += String(Math.floor(next() * 10));
      if (next() < 0.7) {
        s += '.';
        const frac = 1 + Math.floor(next() * 14);
        for (let d = 0; d < frac; d++) s += String(Math.floor(next() * 10));
      }
      if (next() < 0.5) s += `e${next() < 0.5 ? '-' : next() < 0.5 ? '+' : ''}${Math.floor(next() * 120)}`;
      out.push(s);
    } else if (kind === 6) {
      // Halfway between two float64s, printed exactly enough to be a tie or next to one.
      const a = (next() - 0.5) * scale;
      out.push(((a + a * 2 ** -53) as number).toPrecision(17 + Math.floor(next() * 4)));
    } else {
      out.push(String(Math.round((next() - 0.5) * 2 ** (1 + Math.floor(next() * 70)))));
    }
  }
  return out;
}

/** A comparable form of a decoded request or of the error decoding threw. */
function outcome(body: Uint8Array, headerLength: number | undefined, scan: boolean): unknown {
  try {
    const r: DecodedHttpInferRequest = decodeHttpInferRequest(body, headerLength, {
      modelName: 'm',
      jsonScanMinBytes: scan ? 0 : Number.POSITIVE_INFINITY,
    });
    return {
      ...r,
      inputs: r.inputs.map((i) => ({ ...i, data: Buffer.from(i.data).toString('hex') })),
    };
  } catch (err) {
    if (!(err instanceof ServerError)) throw err;
    return { status: err.status, code: err.code, message: err.message };
  }
}

function expectSameOutcome(name: string, body: Uint8Array, headerLength?: number): void {
  const parsed = outcome(body, headerLength, false);
  const scanned = outcome(body, headerLength, true);
  if (JSON.stringify(scanned) !== JSON.stringify(parsed)) {
    expect({ name, body: Buffer.from(body).toString('latin1').slice(0, 300), scanned }).toEqual({
      name,
      body: Buffer.from(body).toString('latin1').slice(0, 300),
      scanned: parsed,
    });
  }
}

const NUMERIC = ['UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP32', 'FP64'];

/** Valid and nearly valid bodies over every datatype and rule the JSON path has. */
function edgeBodies(): { name: string; body: Uint8Array; headerLength?: number }[] {
  const input = (over: Record<string, unknown>) => ({ name: 'IN', datatype: 'FP32', shape: [2], ...over });
  const text = (name: string, t: string) => ({ name, body: jsonBody(t) });
  const list: { name: string; body: Uint8Array; headerLength?: number }[] = [];
  for (const datatype of [...NUMERIC, 'BOOL', 'BYTES', 'FP16', 'BF16']) {
    for (const data of [
      [1, 2],
      [
        [1, 2],
        [3, 4],
      ],
      [0, -1],
      [1.5, 2],
      [1e2, 1.0],
      [255, 256],
      [-128, 127],
      [2 ** 31, -(2 ** 31)],
      [2 ** 53, -(2 ** 53)],
      [true, false],
      ['a', 'b'],
      [null, 1],
      [1, 2, 3],
    ]) {
      const shape = Array.isArray(data[0]) ? [2, 2] : [data.length === 3 ? 2 : 2];
      list.push({
        name: `${datatype} ${JSON.stringify(data)}`,
        body: jsonBody({ inputs: [input({ datatype, shape, data })] }),
      });
    }
  }
  const t = (name: string, body: string) => list.push(text(name, body));
  const head = '{"inputs":[{"name":"IN","datatype":"FP64","shape":[2],"data":';
  for (const data of [
    '[1,2]',
    '[ 1 , 2 ]',
    '[\n1,\t2\r]',
    '[01,2]',
    '[+1,2]',
    '[.5,2]',
    '[1.,2]',
    '[1e,2]',
    '[1e+,2]',
    '[-,2]',
    '[0x1,2]',
    '[NaN,2]',
    '[Infinity,-Infinity]',
    '[Inf,-Inf]',
    '[-0,0]',
    '[-0.0e5,1]',
    '[1,2,]',
    '[,1,2]',
    '[1 2]',
    '[1,,2]',
    '[[1,2]]',
    '[[1],[2]]',
    '[[],[1,2],[]]',
    '[1,2]]',
    '[[1,2]',
    '[1,"2"]',
    '[1,{}]',
    '[1,null]',
    '[true,false]',
    '[1e400,-1e400]',
    '[1e-400,5e-324]',
    '[9007199254740993,9007199254740992.5]',
    '[0.1000000000000000055511151231257827,1]',
    '[123456789012345678901234567890,1]',
    '[1.00000000000000000000000000001,1]',
    '[1,2]x',
    '[1,2]e5',
    '[1,2] ,',
    '[1\u00a0,2]',
  ]) {
    t(`FP64 data ${data}`, `${head}${data}}]}`);
    t(`INT64 data ${data}`, `${head.replace('FP64', 'INT64')}${data}}]}`);
  }
  const d = '"data":[1,2]';
  t('data before name and shape', `{"inputs":[{${d},"shape":[2],"datatype":"FP32","name":"IN"}]}`);
  t('repeated data key', `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d},"data":[3,4]}]}`);
  t(
    'escaped data key after data',
    `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d},"d\\u0061ta":[3,4]}]}`,
  );
  t(
    'escaped data key before data',
    `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],"d\\u0061ta":[3,4],${d}}]}`,
  );
  t('repeated inputs key', `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d}}],"inputs":[]}`);
  t('escaped inputs key', `{"inputs":[],"input\\u0073":[{"name":"IN","datatype":"FP32","shape":[2],${d}}]}`);
  t(
    'data in parameters',
    `{"parameters":{"data":[1,2]},"inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d}}]}`,
  );
  t('data as a string value', `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],"data":"[1,2]"}]}`);
  t('data null', `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],"data":null}]}`);
  t('key with a quote inside', `{"inputs":[{"name":"I\\"N","datatype":"FP32","shape":[2],${d}}]}`);
  t('string with brackets', `{"id":"]]\\"[[","inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d}}]}`);
  t('BOM before the body', `\ufeff{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d}}]}`);
  t('BOM after data', `{"inputs":[{"name":"IN","datatype":"FP32","shape":[2],${d}\ufeff}]}`);
  t(
    'two inputs, one BYTES',
    `{"inputs":[{"name":"A","datatype":"BYTES","shape":[2],"data":["[","]"]},{"name":"B","datatype":"INT32","shape":[2],${d}}]}`,
  );
  t('inputs not objects', `{"inputs":[1,{"name":"B","datatype":"INT32","shape":[2],${d}}]}`);
  t('trailing comma in inputs', `{"inputs":[{"name":"B","datatype":"INT32","shape":[2],${d}},]}`);
  t('trailing text', `{"inputs":[{"name":"B","datatype":"INT32","shape":[2],${d}}]} x`);
  t('unterminated', `{"inputs":[{"name":"B","datatype":"INT32","shape":[2],${d}`);
  t('shape mismatch', `{"inputs":[{"name":"B","datatype":"INT32","shape":[3],${d}}]}`);
  t('huge shape', `{"inputs":[{"name":"B","datatype":"INT32","shape":[100000000000],${d}}]}`);
  t(
    'binary size too',
    `{"inputs":[{"name":"B","datatype":"INT32","shape":[2],${d},"parameters":{"binary_data_size":8}}]}`,
  );
  t(
    'nested 64 deep',
    `{"inputs":[{"name":"B","datatype":"INT32","shape":[1],"data":${'['.repeat(64)}1${']'.repeat(64)}}]}`,
  );
  t(
    'nested 65 deep',
    `{"inputs":[{"name":"B","datatype":"INT32","shape":[1],"data":${'['.repeat(65)}1${']'.repeat(65)}}]}`,
  );
  list.push({
    name: 'invalid UTF-8 in name',
    body: new Uint8Array([
      ...jsonBody('{"inputs":[{"name":"'),
      0xff,
      ...jsonBody(`","datatype":"FP32","shape":[2],${d}}]}`),
    ]),
  });
  list.push({
    name: 'invalid UTF-8 in data',
    body: new Uint8Array([...jsonBody(`${head}[1,`), 0xc3, ...jsonBody('2]}]}')]),
  });
  const mixed = buildBody(
    {
      inputs: [
        input({ data: [1.25, -2] }),
        input({ name: 'B', datatype: 'INT32', parameters: { binary_data_size: 8 } }),
      ],
    },
    [new Uint8Array([1, 0, 0, 0, 2, 0, 0, 0])],
  );
  list.push({ name: 'JSON data and a binary part', ...mixed });
  list.push({
    name: 'binary part with brackets',
    ...buildBody(
      {
        inputs: [
          input({ data: [1, 2] }),
          input({ name: 'B', datatype: 'UINT8', shape: [4], parameters: { binary_data_size: 4 } }),
        ],
      },
      [new Uint8Array([0x5d, 0x5b, 0x22, 0x7d])],
    ),
  });
  return list;
}

/** A valid image-like body with `n` values printed as `print` makes them. */
function imageBody(n: number, seed: number, print: (v: number) => number): Uint8Array {
  const next = random(seed);
  const data = Array.from({ length: n }, () => print((next() - 0.5) * 4));
  return jsonBody({
    id: 'img',
    inputs: [{ name: 'x', shape: [1, n], datatype: 'FP32', data }],
    outputs: [{ name: 'y' }],
  });
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('JsonNumberReader', () => {
  it('reads 60,000 decimal texts of every form to the double JSON.parse gives', () => {
    for (const token of numberTexts(60_000, 7)) expectSameNumber(token);
  });

  it('accepts exactly the number tokens JSON.parse accepts, over every short string of number characters', () => {
    const alphabet = ['0', '1', '9', '-', '+', '.', 'e', 'E'];
    const next = random(11);
    const tokens = [
      '01',
      '+1',
      '.5',
      '1.',
      '1e',
      '1e+',
      '-',
      '-0',
      '00',
      '-01',
      '0.0',
      '1E5',
      '1e-0',
      'NaN',
      'Infinity',
      '-Infinity',
      '0x1',
      '1.e5',
      '--1',
    ];
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      const len = 1 + Math.floor(next() * 7);
      for (let k = 0; k < len; k++) s += alphabet[Math.floor(next() * alphabet.length)];
      tokens.push(s);
    }
    for (const token of tokens)
      expect({ token, value: readToken(token) }).toEqual({ token, value: parseToken(token) });
  });
});

describe('JSON data scan', () => {
  it('finds the data arrays of a typical body and leaves BYTES data to JSON.parse', () => {
    const body = jsonBody(
      '{"inputs":[{"name":"a","datatype":"FP32","shape":[2],"data":[1, 2]},{"name":"b","datatype":"BYTES","shape":[1],"data":["x"]}]}',
    );
    const spans = findJsonDataSpans(body, body.length);
    expect(spans).toHaveLength(1);
    const span = spans![0]!;
    expect({ input: span.input, text: Buffer.from(body.subarray(span.start, span.end)).toString() }).toEqual({
      input: 0,
      text: '[1, 2]',
    });
  });

  it('reads the data arrays of a large body without handing them to JSON.parse', () => {
    const body = imageBody(20_000, 3, (v) => Math.fround(v));
    const parse = vi.spyOn(JSON, 'parse');
    const request = decodeHttpInferRequest(body, undefined, { modelName: 'm' });
    const texts = parse.mock.calls.map((c) => String(c[0]));
    expect(texts.length).toBe(1);
    expect(texts[0]!.length).toBeLessThan(200);
    expect(request.inputs[0]!.data.length).toBe(80_000);
  });

  it('decodes every edge-case body to the same request or the same error as JSON.parse does', () => {
    const bodies = edgeBodies();
    expect(bodies.length).toBeGreaterThan(200);
    for (const b of bodies) expectSameOutcome(b.name, b.body, b.headerLength);
  });

  it('decodes random image bodies of float32, float64, short and integer values like JSON.parse', () => {
    const prints = [
      (v: number) => Math.fround(v),
      (v: number) => v,
      (v: number) => Math.round(v * 1e6) / 1e6,
      (v: number) => Math.round(v * 1e3),
    ];
    for (let seed = 1; seed <= 40; seed++) {
      const body = imageBody(1 + ((seed * 37) % 500), seed, prints[seed % prints.length]!);
      expectSameOutcome(`image seed ${seed}`, body);
    }
  });

  it('answers 200,000 nested levels of data like JSON.parse, without a scan that grows with the square of the depth', () => {
    const deep = `{"inputs":[{"name":"B","datatype":"INT32","shape":[1],"data":${'['.repeat(200_000)}1${']'.repeat(200_000)}}]}`;
    const body = jsonBody(deep);
    expect(findJsonDataSpans(body, body.length)).toHaveLength(1);
    expectSameOutcome('200,000 levels', body);
  });

  it('decodes every prefix of a body like JSON.parse, errors included', () => {
    const body = jsonBody(
      '{"id":"a","inputs":[{"name":"IN","datatype":"INT32","shape":[2,2],"data":[[1,-2],[3e0,4]]},{"name":"B","datatype":"BOOL","shape":[1],"data":[true]}],"outputs":[{"name":"o"}]}',
    );
    for (let n = 0; n <= body.length; n++) expectSameOutcome(`prefix ${n}`, body.subarray(0, n));
  });

  it('decodes 5,000 bodies with random bytes changed like JSON.parse, errors included', () => {
    const next = random(5);
    const seeds = [
      jsonBody(
        '{"id":"a","inputs":[{"name":"IN","datatype":"FP32","shape":[2,3],"data":[[1.5,-2e-3,0.30000001192092896],[4,5,6]]}],"parameters":{"p":1}}',
      ),
      jsonBody(
        '{"inputs":[{"name":"A","datatype":"INT8","shape":[4],"data":[1,-128,127,0]},{"name":"B","datatype":"UINT64","shape":[2],"data":[0,18446744073709550000]}]}',
      ),
    ];
    const bytes = new TextEncoder().encode('0123456789-+.eE[]{},:" \\tnulx');
    for (let i = 0; i < 5000; i++) {
      const body = new Uint8Array(seeds[i % seeds.length]!);
      const changes = 1 + Math.floor(next() * 3);
      for (let k = 0; k < changes; k++)
        body[Math.floor(next() * body.length)] = bytes[Math.floor(next() * bytes.length)]!;
      expectSameOutcome(`mutation ${i}`, body);
    }
  });
});
