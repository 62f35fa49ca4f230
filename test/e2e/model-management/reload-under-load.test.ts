/**
 * E2E: zero-downtime reloads. While clients keep `simple` busy over HTTP and gRPC, the model is
 * reloaded several times (config overrides changing instances and batching, then a plain load);
 * every request succeeds and the model never stops being ready.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  inferSimple,
  type ManagedServer,
  simpleConfig,
  startManagedServer,
  TempRepository,
} from './management-fixtures.js';

let repo: TempRepository;
let s: ManagedServer;

beforeAll(async () => {
  repo = new TempRepository().model('alpha', [1], simpleConfig(8, '', 2));
  s = await startManagedServer([repo.dir], { modelControlMode: 'explicit', startupModels: ['alpha'] });
});

afterAll(async () => {
  await s?.close();
  repo?.remove();
});

it('reloads a model under concurrent load with zero failed requests', async () => {
  let running = true;
  let ok = 0;
  const failures: string[] = [];
  const client = async (index: number): Promise<void> => {
    const c = index % 2 === 0 ? s.http : s.grpc;
    while (running) {
      try {
        await inferSimple(c, 'alpha', index);
        ok++;
      } catch (err) {
        failures.push((err as Error).message);
      }
    }
  };
  const clients = Array.from({ length: 8 }, (_, i) => client(i));
  let notReady = 0;
  const watch = (async () => {
    while (running) if (!(await s.http.isModelReady('alpha'))) notReady++;
  })();

  const overrides = [
    { backend: 'onnxruntime', max_batch_size: 8, instance_group: [{ kind: 'KIND_CPU', count: 1 }] },
    {
      backend: 'onnxruntime',
      max_batch_size: 8,
      dynamic_batching: { max_queue_delay_microseconds: 2000 },
      instance_group: [{ kind: 'KIND_CPU', count: 3 }],
    },
    { backend: 'onnxruntime', max_batch_size: 4, instance_group: [{ kind: 'KIND_CPU', count: 2 }] },
  ];
  const servedDuring: number[] = [];
  for (const config of overrides) {
    const before = ok;
    await s.http.loadModel('alpha', { config });
    servedDuring.push(ok - before);
    expect((await s.http.modelConfig('alpha')).max_batch_size).toBe(config.max_batch_size);
  }
  const before = ok;
  await s.grpc.loadModel('alpha');
  servedDuring.push(ok - before);
  running = false;
  await Promise.all([...clients, watch]);

  expect(failures).toEqual([]);
  expect(notReady).toBe(0);
  // Requests were served while each reload was in progress.
  for (const n of servedDuring) expect(n).toBeGreaterThan(0);
  expect((await s.http.modelConfig('alpha')).max_batch_size).toBe(8);
}, 90_000);
