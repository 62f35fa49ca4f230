/**
 * E2E (issue 19, memory bounds): instance_group counts are bounded per model and across the
 * server, reloads count old and new instances while they swap, and a refused load leaves the
 * serving models untouched. Real ONNX models in a temporary repository, explicit mode.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inferSimple,
  type ManagedServer,
  rejection,
  simpleConfig,
  startManagedServer,
  TempRepository,
} from '../model-management/management-fixtures.js';

let repo: TempRepository;
let s: ManagedServer;

beforeAll(async () => {
  repo = new TempRepository()
    .model('alpha', [1], simpleConfig(8, '', 3))
    .model('beta', [1], simpleConfig(8, '', 3))
    .model('huge', [1], simpleConfig(8, '', 40));
  s = await startManagedServer([repo.dir], {
    modelControlMode: 'explicit',
    maxInstancesPerModel: 4,
    maxTotalInstances: 5,
  });
});

afterAll(async () => {
  await s?.close();
  repo?.remove();
});

describe('instance bounds', () => {
  it('a model asking for more instances than one model may have fails its load with 400 and starts none', async () => {
    const err = await rejection(s.http.loadModel('huge'));
    expect(err.httpStatus).toBe(400);
    expect(err.message).toBe(
      "failed to load 'huge': instance_group asks for 40 instances of 'huge': at most 4 per model (--max-instances-per-model)",
    );
    const config = { backend: 'onnxruntime', instance_group: [{ kind: 'KIND_CPU', count: 100000 }] };
    expect((await rejection(s.grpc.loadModel('alpha', { config }))).grpcCode).toBe(3);
  });

  it('loads past the server-wide bound fail with 503 until instances are released; a refused reload keeps serving', async () => {
    await s.http.loadModel('alpha');
    const full = await rejection(s.http.loadModel('beta'));
    expect(full.httpStatus).toBe(503);
    // Wrapped once as a load failure (ERR_MODEL_LOAD_UNAVAILABLE), never twice.
    expect(full.message).toMatch(
      /^failed to load 'beta': instance_group asks for \d+ instances of 'beta' but only 2 of 5 remain on this server \(--max-total-instances\)$/,
    );
    // A reload of alpha to 2 instances holds 3 + 2 while it swaps: 5 of 5, allowed.
    await s.http.loadModel('alpha', {
      config: { backend: 'onnxruntime', instance_group: [{ kind: 'KIND_CPU', count: 2 }] },
    });
    expect(await inferSimple(s.http, 'alpha')).toBe('1');
    await s.http.loadModel('beta'); // alpha now holds 2: 5 of 5
    // Reloading beta to 2 would hold 5 + 2 while it swaps.
    const reload = await rejection(
      s.http.loadModel('beta', {
        config: { backend: 'onnxruntime', instance_group: [{ kind: 'KIND_CPU', count: 2 }] },
      }),
    );
    expect(reload.httpStatus).toBe(503);
    expect(await inferSimple(s.http, 'beta')).toBe('1');
    await s.http.unloadModel('alpha');
    await s.http.loadModel('beta', {
      config: { backend: 'onnxruntime', instance_group: [{ kind: 'KIND_CPU', count: 2 }] },
    });
    expect(await inferSimple(s.http, 'beta')).toBe('1');
  });
});
