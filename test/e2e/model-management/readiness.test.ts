/**
 * E2E: readiness. `/v2/health/ready` follows --strict-readiness (all models that should be loaded
 * are READY; models loaded or unloaded through the API do not count while in transition), and a
 * model's own readiness is exact while it loads and unloads: an unloading model stops being ready
 * at once, the request already running on it still succeeds.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { InferInput } from '../../../src/client/index.js';
import { OnnxGraphBuilder } from '../../../src/tools/onnx/index.js';
import { perTestServers, type TempRepository, waitFor } from './management-fixtures.js';

const servers = perTestServers();

/** A model whose run takes a while: X [1] expanded to 1536×1536 and multiplied by itself, twice. */
function writeSlowModel(repo: TempRepository): void {
  const n = 1536;
  const b = new OnnxGraphBuilder({ graphName: 'slow' });
  b.input('X', 'float32', [1]);
  b.initializer('square', 'int64', [2], [n, n]);
  b.node('Expand', ['X', 'square'], ['A']);
  b.node('MatMul', ['A', 'A'], ['B']);
  b.node('MatMul', ['B', 'A'], ['C']);
  b.node('ReduceMean', ['C'], ['Y'], {});
  b.output('Y', 'float32', [1, 1]);
  repo.model(
    'slow',
    [],
    `backend: "onnxruntime"
max_batch_size: 0
input [ { name: "X" data_type: TYPE_FP32 dims: [ 1 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 1, 1 ] } ]
instance_group [ { kind: KIND_CPU count: 1 } ]
`,
  );
  repo.version('slow', 1);
  writeFileSync(join(repo.dir, 'slow', '1', 'model.onnx'), b.toBytes());
}

async function serverReady(): Promise<number> {
  return (await fetch(`${servers.server!.t.baseUrl}/v2/health/ready`)).status;
}

it('strict readiness needs every startup model READY; --strict-readiness=false is ready when live', async () => {
  const repo = servers.repository();
  repo.model('broken', [1], 'max_batch_size: [ nope');
  let s = await servers.start([repo.dir]);
  expect(await serverReady()).toBe(400);
  expect(await s.grpc.isServerReady()).toBe(false);
  expect(await s.http.isModelReady('alpha')).toBe(true);
  await s.close();
  s = await servers.start([repo.dir], { strictReadiness: false });
  expect(await serverReady()).toBe(200);
  await s.close();
  s = await servers.start([repo.dir], {
    modelControlMode: 'explicit',
    startupModels: ['alpha', 'broken'],
  });
  expect(await serverReady()).toBe(400);
  await s.http.unloadModel('broken');
  expect(await serverReady()).toBe(200);
});

it('API loads and unloads change model readiness exactly and leave server readiness alone', async () => {
  const repo = servers.repository();
  writeSlowModel(repo);
  const s = await servers.start([repo.dir], { modelControlMode: 'explicit', startupModels: ['alpha'] });
  expect(await serverReady()).toBe(200);

  const loading = s.http.loadModel('beta');
  await waitFor('beta to be LOADING', () =>
    s.t.server.repositoryIndex().some((r) => r.name === 'beta' && r.state === 'LOADING'),
  );
  expect(await s.http.isModelReady('beta')).toBe(false);
  expect(await serverReady()).toBe(200);
  await loading;
  expect(await s.http.isModelReady('beta')).toBe(true);
  expect(await serverReady()).toBe(200);

  await s.http.loadModel('slow');
  const running = s.http.infer('slow', [InferInput.fromValues('X', 'FP32', [1], [1])]);
  await waitFor(
    'the slow request to start',
    () => s.t.server.getModel('slow').scheduler.executingCount === 1,
  );
  const unloading = s.http.unloadModel('slow');
  await waitFor('slow to be UNLOADING', () =>
    s.t.server.repositoryIndex().some((r) => r.name === 'slow' && r.state === 'UNLOADING'),
  );
  expect(await s.http.isModelReady('slow')).toBe(false);
  expect(await serverReady()).toBe(200);
  const result = await running;
  expect(result.output<Float32Array>('Y')[0]).toBeGreaterThan(0);
  await unloading;
  expect(s.t.server.repositoryIndex().find((r) => r.name === 'slow')).toEqual({
    name: 'slow',
    state: 'UNAVAILABLE',
    reason: 'unloaded',
  });
}, 60_000);
