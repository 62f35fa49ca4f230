import { describe, expect, it } from 'vitest';
import { decodeBytesStrings } from '../../../src/protocol/index.js';
import {
  buildInputStreams,
  type InputDataOptions,
  type ModelProfile,
  parsePerfInputJson,
} from '../../../src/tools/perf/index.js';

function profile(inputs: ModelProfile['inputs'], maxBatchSize = 8): ModelProfile {
  return {
    name: 'm',
    version: '',
    maxBatchSize,
    inputs,
    decoupled: false,
    sequenceBatching: false,
    responseCache: false,
    statistics: true,
  };
}

const SIMPLE = profile([
  { name: 'INPUT0', datatype: 'INT32', dims: [16], optional: false },
  { name: 'INPUT1', datatype: 'INT32', dims: [16], optional: false },
]);

function options(
  source: InputDataOptions['source'],
  extra: Partial<InputDataOptions> = {},
): InputDataOptions {
  return { source, shapes: {}, batchSize: 1, stringLength: 8, stringData: null, ...extra };
}

const int32 = (data: Uint8Array) => Array.from(new Int32Array(data.slice().buffer));

describe('perf input data', () => {
  it('zero data is one step of zeros with the batch dimension in front', () => {
    const streams = buildInputStreams(SIMPLE, options('zero', { batchSize: 3 }));
    expect(streams).toHaveLength(1);
    expect(streams[0]).toHaveLength(1);
    const [in0, in1] = streams[0]![0]!;
    expect(in0!.shape).toEqual([3, 16]);
    expect(in1!.name).toBe('INPUT1');
    expect(int32(in0!.data)).toEqual(new Array(48).fill(0));
  });

  it('random data repeats the same row for every batch element and is reproducible by seed', () => {
    const a = buildInputStreams(SIMPLE, options('random', { batchSize: 2, seed: 5 }))[0]![0]![0]!;
    const b = buildInputStreams(SIMPLE, options('random', { batchSize: 2, seed: 5 }))[0]![0]![0]!;
    const values = int32(a.data);
    expect(values.slice(0, 16)).toEqual(values.slice(16));
    expect(values.some((v) => v !== 0)).toBe(true);
    expect(int32(b.data)).toEqual(values);
  });

  it('random BYTES elements are strings of --string-length, or --string-data when given', () => {
    const strings = profile([{ name: 'S', datatype: 'BYTES', dims: [2], optional: false }], 0);
    const random = buildInputStreams(strings, options('random', { stringLength: 12 }))[0]![0]![0]!;
    const decoded = decodeBytesStrings(random.data, 'S');
    expect(random.shape).toEqual([2]);
    expect(decoded.map((s) => s.length)).toEqual([12, 12]);
    const fixed = buildInputStreams(strings, options('random', { stringData: 'hello' }))[0]![0]![0]!;
    expect(decodeBytesStrings(fixed.data, 'S')).toEqual(['hello', 'hello']);
  });

  it('variable dims need --shape, and the error says how to give it', () => {
    const variable = profile([{ name: 'X', datatype: 'FP32', dims: [-1, 4], optional: false }]);
    expect(() => buildInputStreams(variable, options('zero'))).toThrow(/--shape X:N,4/);
    const step = buildInputStreams(variable, options('zero', { shapes: { X: [3, 4] } }))[0]![0]!;
    expect(step[0]!.shape).toEqual([1, 3, 4]);
    expect(() => buildInputStreams(variable, options('zero', { shapes: { X: [3, 5] } }))).toThrow(
      /does not match its dims \[-1,4\]/,
    );
  });

  it('a JSON file gives one step per entry with plain, content+shape and b64 values', () => {
    const b64 = Buffer.from(new Int32Array(16).fill(7).buffer).toString('base64');
    const json = parsePerfInputJson(
      JSON.stringify({
        data: [
          { INPUT0: [[...Array(16).keys()]], INPUT1: { content: new Array(16).fill(1), shape: [16] } },
          { INPUT0: { b64 }, INPUT1: new Array(16).fill(2) },
        ],
      }),
    );
    const streams = buildInputStreams(SIMPLE, options(json, { batchSize: 2 }));
    expect(streams).toHaveLength(1);
    expect(streams[0]).toHaveLength(2);
    const [first, second] = streams[0]!;
    expect(int32(first![0]!.data).slice(0, 16)).toEqual([...Array(16).keys()]);
    expect(first![1]!.shape).toEqual([2, 16]);
    expect(int32(second![0]!.data)).toEqual(new Array(32).fill(7));
    expect(int32(second![1]!.data).slice(16)).toEqual(new Array(16).fill(2));
  });

  it('a JSON file of arrays of steps gives one stream per sequence', () => {
    const json = parsePerfInputJson(JSON.stringify({ data: [[{ X: [1] }, { X: [2] }], [{ X: [3] }]] }));
    const one = profile([{ name: 'X', datatype: 'INT32', dims: [1], optional: false }]);
    const streams = buildInputStreams(one, options(json));
    expect(streams.map((s) => s.length)).toEqual([2, 1]);
  });

  it('a JSON value decides a single variable dim from its element count', () => {
    const json = parsePerfInputJson(
      JSON.stringify({ data: [{ IN: [1, 2, 3], DELAY: [0, 0, 0], WAIT: [0] }] }),
    );
    const repeat = profile(
      [
        { name: 'IN', datatype: 'INT32', dims: [-1], optional: false },
        { name: 'DELAY', datatype: 'UINT32', dims: [-1], optional: false },
        { name: 'WAIT', datatype: 'UINT32', dims: [1], optional: false },
      ],
      0,
    );
    const step = buildInputStreams(repeat, options(json))[0]![0]!;
    expect(step.map((t) => t.shape)).toEqual([[3], [3], [1]]);
  });

  it('a JSON file with a missing or unknown input is rejected with ERR_PERF_INPUT_DATA naming it', () => {
    const missing = parsePerfInputJson(JSON.stringify({ data: [{ INPUT0: new Array(16).fill(0) }] }));
    expect(() => buildInputStreams(SIMPLE, options(missing))).toThrow(/no data for input 'INPUT1'/);
    const unknown = parsePerfInputJson(
      JSON.stringify({
        data: [{ INPUT0: new Array(16).fill(0), INPUT1: new Array(16).fill(0), EXTRA: [1] }],
      }),
    );
    expect(() => buildInputStreams(SIMPLE, options(unknown))).toThrow(
      /input 'EXTRA', which model 'm' does not have/,
    );
    expect(() => parsePerfInputJson('{"data": []}')).toThrow(/non-empty "data" array/);
    try {
      parsePerfInputJson('not json', 'in.json');
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('ERR_PERF_INPUT_DATA');
      expect((err as Error).message).toMatch(/Input data file "in.json": not valid JSON/);
    }
  });
});
