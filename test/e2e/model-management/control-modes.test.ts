/**
 * E2E: the three model control modes against a real server. `none` loads everything and refuses
 * load/unload with Triton's message over HTTP and gRPC; `explicit` loads only the startup models
 * and then whatever the API asks; `poll` picks up added, changed and removed models and versions
 * by itself.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Status } from '../../../src/client/index.js';
import { inferSimple, perTestServers, rejection, simpleConfig, waitFor } from './management-fixtures.js';

const servers = perTestServers();

const REFUSAL = 'explicit model load / unload is not allowed if polling is enabled';

describe('model control mode none', () => {
  it('loads every model and refuses load and unload with Triton message over HTTP and gRPC', async () => {
    const s = await servers.start([servers.repository().dir]);
    expect(await s.http.isModelReady('alpha')).toBe(true);
    expect(await s.http.isModelReady('beta')).toBe(true);
    const load = await rejection(s.http.loadModel('alpha'));
    expect(load.httpStatus).toBe(503);
    expect(load.status).toBe(Status.UNAVAILABLE);
    expect(load.message).toBe(REFUSAL);
    const unload = await rejection(s.http.unloadModel('alpha'));
    expect(unload.httpStatus).toBe(503);
    expect(unload.message).toBe(REFUSAL);
    const grpcLoad = await rejection(s.grpc.loadModel('alpha', { config: '{}' }));
    expect(grpcLoad.status).toBe(Status.UNAVAILABLE);
    expect(grpcLoad.message).toBe(REFUSAL);
    const grpcUnload = await rejection(s.grpc.unloadModel('alpha'));
    expect(grpcUnload.message).toBe(REFUSAL);
    expect(await s.http.isModelReady('alpha')).toBe(true);
    const meta = await s.http.serverMetadata();
    expect(meta.extensions).toEqual(
      expect.arrayContaining(['model_repository', 'model_repository(unload_dependents)']),
    );
  });
});

describe('model control mode explicit', () => {
  it('loads nothing at startup but the --load-model models, then loads and unloads on request', async () => {
    const s = await servers.start([servers.repository().dir], {
      modelControlMode: 'explicit',
      startupModels: ['beta'],
    });
    expect(await s.http.isModelReady('alpha')).toBe(false);
    expect(await s.http.isModelReady('beta')).toBe(true);
    expect(await s.http.repositoryIndex()).toEqual([
      { name: 'alpha', state: 'UNKNOWN', reason: '' },
      { name: 'beta', version: '1', state: 'READY', reason: '' },
    ]);
    expect(await s.http.repositoryIndex({ ready: true })).toEqual([
      { name: 'beta', version: '1', state: 'READY', reason: '' },
    ]);

    await s.http.loadModel('alpha');
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
    await s.grpc.unloadModel('alpha');
    expect(await s.http.isModelReady('alpha')).toBe(false);
    expect(await s.grpc.repositoryIndex()).toContainEqual({
      name: 'alpha',
      state: 'UNAVAILABLE',
      reason: 'unloaded',
    });
    const gone = await rejection(inferSimple(s.http, 'alpha'));
    expect(gone.httpStatus).toBe(503);

    await s.grpc.loadModel('alpha');
    expect(await inferSimple(s.grpc, 'alpha')).toBe('1');
    await s.http.unloadModel('beta');
    expect(await s.http.isModelReady('beta')).toBe(false);
  });

  it('answers a load of a model missing from the repository with Triton text and an unload of it with success', async () => {
    const s = await servers.start([servers.repository().dir], { modelControlMode: 'explicit' });
    const missing = await rejection(s.http.loadModel('nope'));
    expect(missing.message).toBe("failed to load 'nope', failed to poll from model repository");
    expect(missing.httpStatus).toBe(500);
    const grpcMissing = await rejection(s.grpc.loadModel('nope'));
    expect(grpcMissing.message).toBe(missing.message);
    const outside = await rejection(s.http.loadModel('..'));
    expect(outside.message).toBe(`Invalid model name "..": it starts with '.'`);
    expect(outside.httpStatus).toBe(400);
    await s.http.unloadModel('nope');
  });

  it('loads every model at startup with --load-model=*', async () => {
    const s = await servers.start([servers.repository().dir], {
      modelControlMode: 'explicit',
      startupModels: ['*'],
    });
    expect(await s.http.isModelReady('alpha')).toBe(true);
    expect(await s.http.isModelReady('beta')).toBe(true);
  });
});

describe('model control mode poll', () => {
  it('picks up added, changed and removed models and versions by itself', async () => {
    const repo = servers.repository();
    const s = await servers.start([repo.dir], { modelControlMode: 'poll', repositoryPollSecs: 0.2 });
    const http = s.http;
    const refused = await rejection(http.loadModel('alpha'));
    expect(refused.message).toBe(REFUSAL);

    repo.model('gamma', [1], simpleConfig());
    await waitFor('gamma to load', () => http.isModelReady('gamma'));
    expect(await inferSimple(http, 'gamma')).toBe('1');

    writeFileSync(join(repo.dir, 'alpha', 'config.pbtxt'), simpleConfig(2));
    await waitFor(
      'alpha to reload with max_batch_size 2',
      async () => (await http.modelConfig('alpha')).max_batch_size === 2,
    );
    expect(await inferSimple(http, 'alpha')).toBe('1');

    repo.version('beta', 2);
    await waitFor('beta version 2', () => http.isModelReady('beta', '2'));
    expect(await inferSimple(http, 'beta')).toBe('2');
    expect(await http.isModelReady('beta', '1')).toBe(false);

    rmSync(join(repo.dir, 'beta', '2'), { recursive: true });
    await waitFor('beta back on version 1', () => http.isModelReady('beta', '1'));
    expect(await http.isModelReady('beta', '2')).toBe(false);

    rmSync(join(repo.dir, 'gamma'), { recursive: true });
    await waitFor('gamma to stop serving', async () => !(await http.isModelReady('gamma')));
    const gammaRow = async () => (await http.repositoryIndex()).find((r) => r.name === 'gamma');
    await waitFor('gamma to finish unloading', async () => (await gammaRow())?.state === 'UNAVAILABLE');
    expect(await gammaRow()).toEqual({
      name: 'gamma',
      state: 'UNAVAILABLE',
      reason: 'unloaded: removed from the model repository',
    });
  });

  it('keeps serving the old model when a changed config fails to load', async () => {
    const repo = servers.repository();
    const s = await servers.start([repo.dir], { modelControlMode: 'poll', repositoryPollSecs: 0.2 });
    writeFileSync(join(repo.dir, 'alpha', 'config.pbtxt'), 'max_batch_size: [ broken');
    writeFileSync(join(repo.dir, 'beta', 'config.pbtxt'), simpleConfig(3));
    await waitFor('beta to reload', async () => (await s.http.modelConfig('beta')).max_batch_size === 3);
    await new Promise((r) => setTimeout(r, 600)); // a few more polls of the broken alpha
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
    expect((await s.http.modelConfig('alpha')).max_batch_size).toBe(8);
  });
});
