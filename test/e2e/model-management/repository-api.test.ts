/**
 * E2E: the repository API in explicit mode with real ONNX models: a config override that changes
 * max_batch_size, file overrides that serve a different ONNX file from a private copy (the user's
 * repository untouched), refused path traversal, bad parameters, version policies on reload, and
 * ensembles that load their steps and unload them with unload_dependents.
 */
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferInput } from '../../../src/client/index.js';
import {
  IDENTITY_ONNX,
  inferSimple,
  type ManagedServer,
  rejection,
  SIMPLE_ONNX,
  simpleConfig,
  simpleInputs,
  startManagedServer,
  TempRepository,
} from './management-fixtures.js';

const IO = `input [ { name: "A" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "B" data_type: TYPE_INT32 dims: [ 16 ] } ]
output [ { name: "SUM" data_type: TYPE_INT32 dims: [ 16 ] } ]`;

const ENSEMBLE = `name: "pipeline"
platform: "ensemble"
max_batch_size: 8
${IO}
ensemble_scheduling {
  step [
    { model_name: "alpha" model_version: -1 input_map { key: "INPUT0" value: "A" } input_map { key: "INPUT1" value: "B" } output_map { key: "OUTPUT0" value: "SUM" } }
  ]
}
`;

let repo: TempRepository;
let s: ManagedServer;

beforeAll(async () => {
  repo = new TempRepository()
    .model('alpha', [1], simpleConfig())
    .model('versions', [1, 2, 3], simpleConfig(8, 'version_policy: { latest: { num_versions: 2 } }'))
    .model('pipeline', [1], ENSEMBLE);
  s = await startManagedServer([repo.dir], { modelControlMode: 'explicit' });
});

afterAll(async () => {
  await s?.close();
  repo?.remove();
});

function repositoryFiles(): string[] {
  const list = (dir: string, prefix: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? list(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`],
    );
  return list(repo.dir, '').sort();
}

describe('load with overrides', () => {
  it('a config override changes max_batch_size, visible in the model config, and a plain load undoes it', async () => {
    await s.http.loadModel('alpha');
    expect((await s.http.modelConfig('alpha')).max_batch_size).toBe(8);
    await s.http.loadModel('alpha', { config: { backend: 'onnxruntime', max_batch_size: 2 } });
    expect((await s.http.modelConfig('alpha')).max_batch_size).toBe(2);
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
    const tooBig = await rejection(s.http.infer('alpha', simpleInputs(1, 4)));
    expect(tooBig.httpStatus).toBe(400);
    await s.grpc.loadModel('alpha', {
      config: JSON.stringify({ backend: 'onnxruntime', max_batch_size: 4 }),
    });
    expect((await s.grpc.modelConfig('alpha')).max_batch_size).toBe(4);
    await s.http.loadModel('alpha');
    expect((await s.http.modelConfig('alpha')).max_batch_size).toBe(8);
  });

  it('file overrides serve a different ONNX file from a private copy, never the repository', async () => {
    const before = repositoryFiles();
    const config = { backend: 'onnxruntime', max_batch_size: 0 };
    await s.http.loadModel('alpha', { config, files: { '1/model.onnx': readFileSync(IDENTITY_ONNX) } });
    const metadata = await s.http.modelMetadata('alpha');
    expect(metadata.inputs.map((i) => i.name)).toEqual(['INPUT0']);
    const result = await s.http.infer('alpha', [
      InferInput.fromValues('INPUT0', 'INT32', [2, 3], [1, 2, 3, 4, 5, 6]),
    ]);
    expect([...result.output<Int32Array>('OUTPUT0')]).toEqual([1, 2, 3, 4, 5, 6]);
    expect(repositoryFiles()).toEqual(before);

    // Over gRPC the files travel as bytes_param; a model name absent from the repository works too.
    await s.grpc.loadModel('fresh', {
      config: JSON.stringify(config),
      files: { '3/model.onnx': readFileSync(SIMPLE_ONNX) },
    });
    expect(await s.grpc.isModelReady('fresh', '3')).toBe(true);
    expect(repositoryFiles()).toEqual(before);
    await s.http.unloadModel('fresh');
    await s.http.loadModel('alpha');
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
  });

  it('refuses a file override path that escapes the model directory with a clear 400 and writes nothing', async () => {
    const before = repositoryFiles();
    const config = JSON.stringify({ backend: 'onnxruntime' });
    for (const path of ['../x', '1/../../x', '/etc/passwd', '..']) {
      const err = await rejection(
        s.http.loadModel('alpha', { config, files: { [path]: new Uint8Array([1]) } }),
      );
      expect(err.httpStatus).toBe(400);
      expect(err.message).toContain(
        `failed to load 'alpha': file override path ${JSON.stringify(path)} must be relative and stay inside the model directory (`,
      );
    }
    const grpcErr = await rejection(
      s.grpc.loadModel('alpha', { config, files: { '../x': new Uint8Array([1]) } }),
    );
    expect(grpcErr.message).toContain('file override path "../x"');
    expect(repositoryFiles()).toEqual(before);
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
  });

  it('refuses files without config, bad config JSON and unknown parameters', async () => {
    const noConfig = await rejection(
      s.http.loadModel('alpha', { files: { '1/model.onnx': new Uint8Array([1]) } }),
    );
    expect(noConfig.httpStatus).toBe(400);
    expect(noConfig.message).toMatch(/^failed to load 'alpha': 'file:' overrides need a 'config' parameter/);
    const badJson = await rejection(s.http.loadModel('alpha', { config: '{nope' }));
    expect(badJson.message).toMatch(/^failed to load 'alpha': Invalid config override: /);
    const res = await fetch(`${s.t.baseUrl}/v2/repository/models/alpha/load`, {
      method: 'POST',
      body: JSON.stringify({ parameters: { colour: 'blue' } }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      error: "failed to load 'alpha': Unrecognized load parameter 'colour' with type 'STRING'",
    });
  });

  it('a broken config override fails the load and the serving version keeps serving', async () => {
    const err = await rejection(
      s.http.loadModel('alpha', { config: { backend: 'onnxruntime', max_batch_size: -3 } }),
    );
    expect(err.message).toMatch(/^failed to load 'alpha': /);
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
  });
});

describe('versions', () => {
  it('applies the version policy on every load and loads added and drains removed versions', async () => {
    await s.http.loadModel('versions');
    const ready = async () =>
      (await s.http.repositoryIndex()).filter((r) => r.name === 'versions').map((r) => r.version);
    expect(await ready()).toEqual(['2', '3']);
    await inferSimple(s.http, 'versions', 1, '3');
    const v3Count = async () =>
      (await s.http.modelStatistics('versions', '3')).model_stats[0]!.inference_count;
    expect(await v3Count()).toBe(1);

    repo.version('versions', 4);
    await s.http.loadModel('versions');
    expect(await ready()).toEqual(['3', '4']);
    expect(await s.http.isModelReady('versions', '2')).toBe(false);
    rmSync(join(repo.dir, 'versions', '4'), { recursive: true });
    await s.http.loadModel('versions');
    expect(await ready()).toEqual(['2', '3']);
    // Version 3 kept its instances across both reloads: its statistics were not reset.
    expect(await v3Count()).toBe(1);

    await s.http.loadModel('versions', {
      config: JSON.stringify({ backend: 'onnxruntime', max_batch_size: 8, version_policy: { all: {} } }),
    });
    expect(await ready()).toEqual(['1', '2', '3']);
    await s.http.loadModel('versions', {
      config: JSON.stringify({
        backend: 'onnxruntime',
        max_batch_size: 8,
        version_policy: { specific: { versions: [1, 3] } },
      }),
    });
    expect(await ready()).toEqual(['1', '3']);
    await s.http.unloadModel('versions');
  });
});

describe('ensembles', () => {
  it('loading an ensemble loads its steps; unload_dependents unloads steps it loaded', async () => {
    await s.http.unloadModel('alpha');
    await s.http.loadModel('pipeline');
    expect(await s.http.isModelReady('alpha')).toBe(true);
    const a = new Int32Array(16).fill(2);
    const result = await s.http.infer('pipeline', [
      InferInput.fromValues('A', 'INT32', [1, 16], a),
      InferInput.fromValues('B', 'INT32', [1, 16], a),
    ]);
    expect([...result.output<Int32Array>('SUM')]).toEqual(new Array(16).fill(4));
    await s.http.unloadModel('pipeline', { unloadDependents: true });
    expect(await s.http.isModelReady('pipeline')).toBe(false);
    expect(await s.http.isModelReady('alpha')).toBe(false);

    // Without unload_dependents the step stays; unloading a step unloads the ensemble over it.
    await s.http.loadModel('pipeline');
    await s.http.unloadModel('pipeline');
    expect(await s.http.isModelReady('alpha')).toBe(true);
    await s.http.loadModel('pipeline');
    await s.http.unloadModel('alpha');
    expect(await s.http.isModelReady('pipeline')).toBe(false);
    expect((await s.http.repositoryIndex()).find((r) => r.name === 'pipeline')?.reason).toBe(
      "unloaded: composing model 'alpha' was unloaded",
    );
  });
});
