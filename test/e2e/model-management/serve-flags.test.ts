/**
 * E2E: the model-management flags of the compiled `nereid serve` in a child process:
 * --model-control-mode explicit with --load-model, --strict-readiness, and the flag errors
 * (unknown mode, --load-model outside explicit mode, `*` mixed with names).
 */
import { afterAll, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import { killCliServers, runCli, startCliServer } from '../../helpers/cli-server.js';
import { simpleConfig, TempRepository } from './management-fixtures.js';

const repo = new TempRepository().model('alpha', [1], simpleConfig()).model('beta', [1], simpleConfig());

afterAll(async () => {
  await killCliServers();
  repo.remove();
});

const BASE = ['--model-repository', repo.dir, '--allow-grpc=false', '--allow-metrics=false'];

it('serve --model-control-mode explicit --load-model loads only that model and serves the repository API', async () => {
  const started = await startCliServer([
    ...BASE,
    '--model-control-mode',
    'EXPLICIT',
    '--load-model',
    'alpha',
  ]);
  const client = new HttpClient(started.baseUrl);
  try {
    expect(await client.repositoryIndex()).toEqual([
      { name: 'alpha', version: '1', state: 'READY', reason: '' },
      { name: 'beta', state: 'UNKNOWN', reason: '' },
    ]);
    await client.loadModel('beta');
    expect(await client.isModelReady('beta')).toBe(true);
    expect(await client.isServerReady()).toBe(true);
  } finally {
    await client.close();
  }
}, 30_000);

it('serve --strict-readiness=false is ready with a model that failed to load', async () => {
  const broken = new TempRepository().model('broken', [1], 'max_batch_size: [');
  try {
    const started = await startCliServer([
      '--model-repository',
      broken.dir,
      '--allow-grpc=false',
      '--allow-metrics=false',
      '--strict-readiness=false',
    ]);
    const client = new HttpClient(started.baseUrl);
    expect(await client.isServerReady()).toBe(true);
    await client.close();
  } finally {
    broken.remove();
  }
}, 30_000);

it('serve refuses bad model-management flags with a message', async () => {
  const bogus = await runCli([...BASE, '--model-control-mode', 'sometimes']);
  expect(bogus.code).not.toBe(0);
  expect(bogus.stderr).toContain(
    "Model control mode must be one of none, poll, explicit: received 'sometimes'",
  );
  const outside = await runCli([...BASE, '--load-model', 'alpha']);
  expect(outside.code).not.toBe(0);
  expect(outside.stderr).toContain(
    '--load-model needs --model-control-mode=explicit: received --model-control-mode=none',
  );
  const mixed = await runCli([
    ...BASE,
    '--model-control-mode=explicit',
    '--load-model',
    '*',
    '--load-model',
    'alpha',
  ]);
  expect(mixed.code).not.toBe(0);
  expect(mixed.stderr).toContain("--load-model=* must be the only --load-model: received '*', 'alpha'");
}, 30_000);
