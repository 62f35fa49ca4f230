/**
 * Tests of optimizeModel on temporary repositories (models run in the optimizer's worker threads;
 * needs `npm run build`): the source version stays byte-identical, fp16 and int8 errors stay within
 * bounds on the real PaddleOCR classifier and the If-subgraph model, --strict refuses a flagged
 * variant, an existing version is refused, and --fp16-io / --execution-provider update config.pbtxt.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../src/config/index.js';
import { writeMlpModel } from '../../../src/tools/examples/index.js';
import { type OptimizeOptions, optimizeModel } from '../../../src/tools/optimize/index.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';
import { buildIfModel } from './subgraph-model.js';

let repo: string;
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const quick: Partial<OptimizeOptions> = { version: 1, speed: false, samples: 32 };

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-optimizer-test-'));
  cpSync(join(EXAMPLES_REPOSITORY, 'text_orientation'), join(repo, 'text_orientation'), { recursive: true });
  writeMlpModel(join(repo, 'mlp'), { inputSize: 32, hiddenSizes: [64], outputSize: 10, maxBatchSize: 8 });
  mkdirSync(join(repo, 'branchy', '1'), { recursive: true });
  writeFileSync(join(repo, 'branchy', '1', 'model.onnx'), buildIfModel());
  writeFileSync(
    join(repo, 'branchy', 'config.pbtxt'),
    'name: "branchy"\nbackend: "onnxruntime"\nmax_batch_size: 8\ninput [ { name: "x" data_type: TYPE_FP32 dims: [ 8 ] } ]\noutput [ { name: "y" data_type: TYPE_FP32 dims: [ 4 ] } ]\n',
  );
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

describe('optimizeModel', () => {
  it('writes an fp16 version of the real PaddleOCR classifier within 1e-2 and leaves the source untouched', async () => {
    const source = join(repo, 'text_orientation', '1', 'model.onnx');
    const before = sha(source);
    const configBefore = readFileSync(join(repo, 'text_orientation', 'config.pbtxt'), 'utf8');
    const r = await optimizeModel({
      ...quick,
      repository: repo,
      model: 'text_orientation',
      toVersion: 2,
      fp16: true,
    });
    expect(sha(source)).toBe(before);
    expect(readFileSync(join(repo, 'text_orientation', 'config.pbtxt'), 'utf8')).toBe(configBefore);
    expect(existsSync(join(repo, 'text_orientation', '2', 'model.onnx'))).toBe(true);
    expect(r.accuracy.maxAbsError).toBeLessThan(1e-2);
    expect(r.accuracy.outputs[0]!.cosine).toBeGreaterThan(0.9999);
    expect(r.sizes.variantWeightBytes / r.sizes.sourceWeightBytes).toBeCloseTo(0.5, 2);
  });

  it('int8-quantizes the classifier with weights near a quarter of the size and reports top-1 agreement', async () => {
    const r = await optimizeModel({
      ...quick,
      repository: repo,
      model: 'text_orientation',
      toVersion: 3,
      int8: 'dynamic',
    });
    expect(r.sizes.variantWeightBytes / r.sizes.sourceWeightBytes).toBeLessThan(0.4);
    expect(r.accuracy.top1Agreement).toBeGreaterThanOrEqual(0.9);
    expect(r.accuracy.maxAbsError).toBeLessThan(0.1);
  });

  it('converts the model with If subgraphs to fp16 and measures speed side by side', async () => {
    const r = await optimizeModel({
      ...quick,
      repository: repo,
      model: 'branchy',
      toVersion: 2,
      fp16: true,
      speed: true,
      speedDurationMs: 60,
      batchSizes: [1, 4],
    });
    expect(r.build.fp16!.graphs).toBe(3);
    expect(r.accuracy.maxAbsError).toBeLessThan(5e-3);
    expect(r.speed!.source.throughputByBatch[4]).toBeGreaterThan(0);
    expect(r.speed!.variant.p50Batch1Ms).toBeGreaterThan(0);
  });

  it('quantizes the MLP statically with calibration and stays within 0.05', async () => {
    const r = await optimizeModel({ ...quick, repository: repo, model: 'mlp', toVersion: 2, int8: 'static' });
    expect(r.build.int8!.quantized.MatMul).toBe(2);
    expect(r.accuracy.maxAbsError).toBeLessThan(0.05);
  });

  it('refuses to write a variant beyond --max-abs-error under --strict', async () => {
    await expect(
      optimizeModel({
        ...quick,
        repository: repo,
        model: 'mlp',
        toVersion: 3,
        int8: 'dynamic',
        maxAbsError: 0,
        strict: true,
      }),
    ).rejects.toThrow(/Refusing to write version 3 of model "mlp" \(--strict\): Max abs error/);
    expect(existsSync(join(repo, 'mlp', '3'))).toBe(false);
  });

  it('refuses to overwrite an existing version', async () => {
    await expect(
      optimizeModel({ ...quick, repository: repo, model: 'mlp', toVersion: 1, version: undefined }),
    ).rejects.toThrow(/Version 1 of model "mlp" already exists/);
  });

  it('updates config.pbtxt for --fp16-io and --execution-provider tensorrt', async () => {
    const r = await optimizeModel({
      ...quick,
      repository: repo,
      model: 'mlp',
      toVersion: 4,
      fp16: true,
      fp16Io: true,
      executionProvider: 'tensorrt',
      precision: 'fp16',
    });
    expect(r.configUpdated).toBe(true);
    const config = parseModelConfig(readFileSync(join(repo, 'mlp', 'config.pbtxt'), 'utf8'));
    expect(config.input[0]!.data_type).toBe('TYPE_FP16');
    expect(config.output[0]!.data_type).toBe('TYPE_FP16');
    expect(
      config.optimization.execution_accelerators!.gpu_execution_accelerator[0]!.parameters.precision_mode,
    ).toBe('FP16');
    expect(r.notes.join('\n')).toMatch(/this machine has no GPU/);
  });

  it('saves ORT graph optimisation as a new model file and warns about hardware-specific kernels', async () => {
    const r = await optimizeModel({
      ...quick,
      repository: repo,
      model: 'text_orientation',
      toVersion: 4,
      graphLevel: 'all',
    });
    expect(r.accuracy.maxAbsError).toBeLessThan(1e-5);
    expect(r.notes.join('\n')).toMatch(/hardware-specific kernels/);
  });
});
