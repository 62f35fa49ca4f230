/**
 * Unit tests of the optimizer's pure parts: option checking, the accuracy accumulator, perf-style
 * input data, the accelerator block written as config.pbtxt, and value-type inference.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatTextProto, parseModelConfig, parsePartialModelConfig } from '../../../src/config/index.js';
import { decodeOnnxModel } from '../../../src/tools/onnx/index.js';
import {
  AccuracyAccumulator,
  acceleratorFor,
  generateSamples,
  inferValueTypes,
  loadSamples,
  resolveOptimizeOptions,
  stackBatch,
  variantLabel,
  withAccelerator,
} from '../../../src/tools/optimize/index.js';
import { buildIfModel } from './subgraph-model.js';

const temp = mkdtempSync(join(tmpdir(), 'nereid-optimize-parts-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

const base = { repository: '/r', model: 'm', toVersion: 2 };

describe('resolveOptimizeOptions', () => {
  it('rejects --fp16 combined with --int8 and --fp16-io without --fp16', () => {
    expect(() => resolveOptimizeOptions({ ...base, fp16: true, int8: 'dynamic' })).toThrow(
      /cannot be combined/,
    );
    expect(() => resolveOptimizeOptions({ ...base, fp16Io: true })).toThrow(/--fp16-io needs --fp16/);
  });

  it('rejects int8 accuracy options without --int8 and an unknown --int8-keep-float position', () => {
    expect(() => resolveOptimizeOptions({ ...base, int8KeepFloat: ['last'] })).toThrow(
      'Options --int8-reduce-range, --int8-exclude-nodes and --int8-keep-float need --int8',
    );
    expect(() =>
      resolveOptimizeOptions({ ...base, int8: 'dynamic', int8KeepFloat: ['middle' as 'last'] }),
    ).toThrow('Option --int8-keep-float must be "first" or "last": received "middle"');
    expect(variantLabel({ int8: 'dynamic', int8ReduceRange: true, int8KeepFloat: ['first', 'last'] })).toBe(
      'int8-dynamic+reduce-range+float-first+float-last',
    );
  });

  it('rejects an unknown graph level naming the allowed ones', () => {
    expect(() => resolveOptimizeOptions({ ...base, graphLevel: 'max' as 'all' })).toThrow(
      'Option --graph-level must be one of basic, extended, layout, all: received "max"',
    );
  });

  it('applies the defaults and labels the variant', () => {
    const o = resolveOptimizeOptions({
      ...base,
      int8: 'static',
      calibrationMethod: 'percentile',
      graphLevel: 'basic',
    });
    expect(o.samples).toBe(256);
    expect(o.percentile).toBe(99.99);
    expect(variantLabel(o)).toBe('graph-basic+int8-static-percentile');
  });
});

describe('AccuracyAccumulator', () => {
  it('reports zero error, cosine 1 and full top-1 agreement for identical outputs', () => {
    const acc = new AccuracyAccumulator();
    const t = {
      name: 'p',
      type: 'float32',
      dims: [2, 3],
      data: Float32Array.from([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]),
    };
    acc.add([t], [t]);
    const r = acc.report({ maxAbsError: 0, minTop1: 1 });
    expect(r.outputs[0]).toMatchObject({
      maxAbsError: 0,
      meanAbsError: 0,
      cosine: 1,
      top1Agreement: 1,
      rows: 2,
    });
    expect(r.flagged).toBe(false);
  });

  it('flags a variant whose top-1 class differs beyond --min-top1 and whose error exceeds --max-abs-error', () => {
    const acc = new AccuracyAccumulator();
    const a = { name: 'p', type: 'float32', dims: [2, 2], data: Float32Array.from([0.6, 0.4, 0.9, 0.1]) };
    const b = { name: 'p', type: 'float32', dims: [2, 2], data: Float32Array.from([0.4, 0.6, 0.9, 0.1]) };
    acc.add([a], [b]);
    const r = acc.report({ maxAbsError: 0.1, minTop1: 0.99 });
    expect(r.top1Agreement).toBe(0.5);
    expect(r.maxAbsError).toBeCloseTo(0.2, 6);
    expect(r.flagged).toBe(true);
    expect(r.reasons).toHaveLength(2);
  });
});

describe('optimizer input data', () => {
  const specs = [{ name: 'x', type: 'float32', dims: [2, 2] }];

  it("loads perf_analyzer's JSON form with flat and {content, shape} values", () => {
    const file = join(temp, 'inputs.json');
    writeFileSync(
      file,
      JSON.stringify({
        data: [
          { x: [1, 2, 3, 4] },
          {
            x: {
              content: [
                [5, 6],
                [7, 8],
              ],
              shape: [2, 2],
            },
          },
        ],
      }),
    );
    const samples = loadSamples(file, specs);
    expect(samples).toHaveLength(2);
    expect(Array.from(samples[1]![0]!.data as Float32Array)).toEqual([5, 6, 7, 8]);
    const batch = stackBatch(samples, 0, 2, true);
    expect(batch[0]!.dims).toEqual([2, 2, 2]);
  });

  it('rejects an entry without a value for an input', () => {
    const file = join(temp, 'bad.json');
    writeFileSync(file, JSON.stringify({ data: [{ y: [1] }] }));
    expect(() => loadSamples(file, specs)).toThrow(/entry 0 has no value for input "x"/);
  });

  it('generates the same samples for the same seed', () => {
    expect(generateSamples(specs, 3, 5)).toEqual(generateSamples(specs, 3, 5));
    expect(generateSamples(specs, 1, 5)).not.toEqual(generateSamples(specs, 1, 6));
  });
});

describe('accelerator config', () => {
  it('writes the TensorRT execution_accelerators block with the engine cache on, parsable as config.pbtxt', () => {
    const config = parsePartialModelConfig('name: "m"\nbackend: "onnxruntime"\nmax_batch_size: 8\n');
    const text = formatTextProto(
      withAccelerator(config, acceleratorFor('tensorrt', 'int8', { modelName: 'm' })),
    );
    expect(text).toMatch(/gpu_execution_accelerator/);
    const parsed = parseModelConfig(text);
    const acc = parsed.optimization.execution_accelerators!.gpu_execution_accelerator[0]!;
    expect(acc.name).toBe('tensorrt');
    expect(acc.parameters).toMatchObject({ precision_mode: 'INT8', trt_engine_cache_enable: 'true' });
  });

  it('refuses int8 precision for the CUDA provider', () => {
    expect(() => acceleratorFor('cuda', 'int8', { modelName: 'm' })).toThrow(
      /not a CUDA execution provider setting/,
    );
  });
});

describe('inferValueTypes', () => {
  it('types the outputs of If, Greater and Cast from operator rules', () => {
    const types = inferValueTypes(decodeOnnxModel(buildIfModel()).graph);
    expect(types.get('cond')).toBe(9);
    expect(types.get('branch')).toBe(1);
    expect(types.get('cond_f')).toBe(1);
  });
});
