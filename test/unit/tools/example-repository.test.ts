import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tensor } from 'onnxruntime-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseModelConfig, validateModelConfig } from '../../../src/config/index.js';
import { main } from '../../../src/tools/examples/build-examples.js';
import {
  buildExampleRepository,
  bundledRepositoryDir,
  EXAMPLE_MODEL_NAMES,
  packageRoot,
  readTextOrientationModel,
  sha256Hex,
  TEXT_ORIENTATION_SHA256,
  textOrientationSourcePath,
  writeMlpModel,
} from '../../../src/tools/examples/index.js';
import { buildMlp } from '../../../src/tools/onnx/index.js';
import { runModel } from './ort-run.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nereid-repo-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('buildExampleRepository', () => {
  it('buildExampleRepository writes a config, a model and the labels for every example model', () => {
    const result = buildExampleRepository(dir);
    expect(EXAMPLE_MODEL_NAMES).toEqual([
      'simple',
      'simple_int8',
      'simple_string',
      'custom_identity_int32',
      'text_orientation',
    ]);
    for (const name of EXAMPLE_MODEL_NAMES) {
      expect(result.written).toContain(join(name, 'config.pbtxt'));
      expect(result.written).toContain(join(name, '1', 'model.onnx'));
      const bundled = readFileSync(join(bundledRepositoryDir(), name, 'config.pbtxt'), 'utf8');
      expect(readFileSync(join(dir, name, 'config.pbtxt'), 'utf8')).toBe(bundled);
      expect(bundled).toContain(`name: "${name}"`);
      expect(bundled).not.toMatch(/dynamic_batching|response_cache/);
    }
    expect(
      readFileSync(join(dir, 'text_orientation', 'labels.txt'), 'utf8')
        .trim()
        .split('\n'),
    ).toEqual(['0_degree', '180_degree']);
    expect(sha256Hex(readFileSync(join(dir, 'text_orientation', '1', 'model.onnx')))).toBe(
      TEXT_ORIENTATION_SHA256,
    );
  });

  it('buildExampleRepository rewrites nothing on a second run', () => {
    const first = buildExampleRepository(dir);
    const model = join(dir, 'simple', '1', 'model.onnx');
    const mtime = statSync(model).mtimeMs;
    const second = buildExampleRepository(dir);
    expect(second.written).toEqual([]);
    expect([...second.unchanged].sort()).toEqual([...first.written].sort());
    expect(statSync(model).mtimeMs).toBe(mtime);
  });

  it('buildExampleRepository rewrites only a model file whose bytes were changed', () => {
    buildExampleRepository(dir);
    const model = join(dir, 'simple_int8', '1', 'model.onnx');
    const good = readFileSync(model);
    writeFileSync(model, 'corrupted');
    const result = buildExampleRepository(dir);
    expect(result.written).toEqual([join('simple_int8', '1', 'model.onnx')]);
    expect(readFileSync(model).equals(good)).toBe(true);
  });

  it('every bundled config.pbtxt parses and validates with the server config parser', () => {
    for (const name of EXAMPLE_MODEL_NAMES) {
      const modelDir = join(bundledRepositoryDir(), name);
      const text = readFileSync(join(modelDir, 'config.pbtxt'), 'utf8');
      const config = validateModelConfig(parseModelConfig(text, join(modelDir, 'config.pbtxt')), {
        modelName: name,
      });
      expect(config.name).toBe(name);
      expect(config.backend).toBe('onnxruntime');
      expect(config.max_batch_size).toBe(8);
      // One CPU instance each: a tiny model gains nothing from a second worker (see simple's config).
      expect(config.instance_group.map((g) => [g.kind, g.count])).toEqual([['KIND_CPU', 1]]);
    }
  });

  it('bundledRepositoryDir resolves from the package root, not the working directory', () => {
    expect(bundledRepositoryDir()).toBe(join(packageRoot(), 'examples', 'model_repository'));
    expect(existsSync(join(packageRoot(), 'package.json'))).toBe(true);
  });
});

describe('text_orientation model file', () => {
  it('readTextOrientationModel accepts the pinned file and rejects other bytes with ERR_EXAMPLE_MODEL_CHECKSUM', () => {
    expect(sha256Hex(readTextOrientationModel())).toBe(TEXT_ORIENTATION_SHA256);
    const tampered = join(dir, 'cls.onnx');
    copyFileSync(textOrientationSourcePath(), tampered);
    writeFileSync(tampered, Buffer.concat([readFileSync(tampered), Buffer.from([0])]));
    expect(() => readTextOrientationModel(tampered)).toThrowError(
      new RegExp(`has sha256 ${sha256Hex(readFileSync(tampered))}, expected ${TEXT_ORIENTATION_SHA256}`),
    );
    try {
      readTextOrientationModel(tampered);
    } catch (err) {
      expect((err as { code: string }).code).toBe('ERR_EXAMPLE_MODEL_CHECKSUM');
    }
    expect(() => readTextOrientationModel(join(dir, 'missing.onnx'))).toThrowError(
      /Cannot read the text_orientation model/,
    );
  });
});

describe('build-examples command', () => {
  it('build-examples main writes the repository given with --out and reports the counts', () => {
    const out = join(dir, 'repo');
    const chunks: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => chunks.push(chunk) > 0) as typeof process.stdout.write;
    try {
      expect(main(['--out', out])).toBe(0);
      expect(main([`--out=${out}`])).toBe(0);
    } finally {
      process.stdout.write = write;
    }
    expect(existsSync(join(out, 'simple', '1', 'model.onnx'))).toBe(true);
    const files = EXAMPLE_MODEL_NAMES.length * 2 + 1; // config + model per model, and labels.txt
    expect(chunks.join('')).toContain(`: ${files} written, 0 unchanged`);
    expect(chunks.join('')).toContain(`: 0 written, ${files} unchanged`);
  });

  it('build-examples main rejects an unknown argument with exit code 2', () => {
    const write = process.stderr.write;
    let message = '';
    process.stderr.write = ((chunk: string) => (message += chunk).length > 0) as typeof process.stderr.write;
    try {
      expect(main(['--bogus'])).toBe(2);
    } finally {
      process.stderr.write = write;
    }
    expect(message).toContain('Unknown argument "--bogus"');
  });
});

describe('writeMlpModel', () => {
  it('writeMlpModel writes a config and an MLP that runs with the configured dims', async () => {
    const modelDir = join(dir, 'mlp_small');
    const files = writeMlpModel(modelDir, {
      inputSize: 8,
      hiddenSizes: [16],
      outputSize: 4,
      maxBatchSize: 4,
    });
    expect(files.written).toEqual([files.modelPath, files.configPath]);
    expect(files.modelPath).toBe(join(modelDir, '1', 'model.onnx'));
    const config = readFileSync(files.configPath, 'utf8');
    expect(config).toContain('name: "mlp_small"');
    expect(config).toContain('max_batch_size: 4');
    expect(config).toMatch(/name: "INPUT0"\s+data_type: TYPE_FP32\s+dims: \[ 8 \]/);
    expect(config).toMatch(/name: "OUTPUT0"\s+data_type: TYPE_FP32\s+dims: \[ 4 \]/);
    const parsed = validateModelConfig(parseModelConfig(config), { modelName: 'mlp_small' });
    expect(parsed.input.map((i) => [i.name, i.data_type, i.dims])).toEqual([['INPUT0', 'TYPE_FP32', [8]]]);
    const bytes = readFileSync(files.modelPath);
    expect(bytes.equals(Buffer.from(buildMlp({ inputSize: 8, hiddenSizes: [16], outputSize: 4 })))).toBe(
      true,
    );
    const out = await runModel(files.modelPath, {
      INPUT0: new Tensor('float32', new Float32Array(3 * 8), [3, 8]),
    });
    expect(out.OUTPUT0!.dims).toEqual([3, 4]);
    expect(
      writeMlpModel(modelDir, { inputSize: 8, hiddenSizes: [16], outputSize: 4, maxBatchSize: 4 }).written,
    ).toEqual([]);
  });

  it('writeMlpModel puts a fixed batch into the dims when max_batch_size is 0 and appends extra config', () => {
    const files = writeMlpModel(join(dir, 'fixed'), {
      inputSize: 8,
      hiddenSizes: [],
      outputSize: 2,
      batch: 3,
      maxBatchSize: 0,
      instanceCount: 2,
      version: 7,
      extraConfig: 'parameters { key: "k" value: { string_value: "v" } }\n',
    });
    const config = readFileSync(files.configPath, 'utf8');
    expect(files.modelPath).toBe(join(dir, 'fixed', '7', 'model.onnx'));
    expect(config).toContain('max_batch_size: 0');
    expect(config).toContain('dims: [ 3, 8 ]');
    expect(config).toContain('count: 2');
    expect(config.endsWith('parameters { key: "k" value: { string_value: "v" } }\n')).toBe(true);
    const parsed = validateModelConfig(parseModelConfig(config), { modelName: 'fixed' });
    expect(parsed.parameters).toEqual({ k: { string_value: 'v' } });
    expect(() =>
      writeMlpModel(join(dir, 'bad'), { inputSize: 8, hiddenSizes: [], outputSize: 2, maxBatchSize: 0 }),
    ).toThrowError(/a fixed size is needed when maxBatchSize is 0/);
  });
});
