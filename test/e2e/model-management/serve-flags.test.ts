/**
 * E2E: the model-management flags of the compiled `nereid serve` in a child process:
 * --model-control-mode explicit with --load-model, --strict-readiness, and the flag errors
 * (unknown mode, --load-model outside explicit mode, `*` mixed with names).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import { simpleConfig, TempRepository } from './management-fixtures.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const repo = new TempRepository().model('alpha', [1], simpleConfig()).model('beta', [1], simpleConfig());
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  repo.remove();
});

const BASE = ['serve', '--model-repository', repo.dir, '--allow-grpc=false', '--allow-metrics=false'];

function run(args: string[]): Promise<{ code: number | null; stderr: string; port: number }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args, '--http-port=0', '--http-address=127.0.0.1'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d) => {
      stderr += d;
      const m = /Started HTTPService at [0-9.]+:(\d+)/.exec(stderr);
      if (m) resolve({ code: null, stderr, port: Number(m[1]) });
    });
    child.on('exit', (code) => resolve({ code, stderr, port: 0 }));
  });
}

it('serve --model-control-mode explicit --load-model loads only that model and serves the repository API', async () => {
  const started = await run([...BASE, '--model-control-mode', 'EXPLICIT', '--load-model', 'alpha']);
  expect(started.port).toBeGreaterThan(0);
  const client = new HttpClient(`http://127.0.0.1:${started.port}`);
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
    const started = await run([
      'serve',
      '--model-repository',
      broken.dir,
      '--allow-grpc=false',
      '--allow-metrics=false',
      '--strict-readiness=false',
    ]);
    const client = new HttpClient(`http://127.0.0.1:${started.port}`);
    expect(await client.isServerReady()).toBe(true);
    await client.close();
  } finally {
    broken.remove();
  }
}, 30_000);

it('serve refuses bad model-management flags with a message', async () => {
  const bogus = await run([...BASE, '--model-control-mode', 'sometimes']);
  expect(bogus.code).not.toBe(0);
  expect(bogus.stderr).toContain(
    "Model control mode must be one of none, poll, explicit: received 'sometimes'",
  );
  const outside = await run([...BASE, '--load-model', 'alpha']);
  expect(outside.code).not.toBe(0);
  expect(outside.stderr).toContain(
    '--load-model needs --model-control-mode=explicit: received --model-control-mode=none',
  );
  const mixed = await run([
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
