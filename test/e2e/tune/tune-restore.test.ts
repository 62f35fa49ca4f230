/**
 * `nereid tune` against a running server (a real `nereid serve` process in explicit model-control
 * mode, tune run as a real CLI process): the model's original config is back after a run — from
 * the repository, or the config override it had before — after Ctrl-C while a candidate is being
 * measured, and after an error; a model that was not loaded is unloaded again. Unknown models,
 * models tune cannot tune and bad flags get clear errors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import type { TuneReport } from '../../../src/tools/tune/index.js';
import { CLI_MAIN, type CliServer, startCliServer } from '../../helpers/cli-server.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

let server: CliServer;
let client: HttpClient;
let url: string;
let metricsUrl: string;
let dir: string;

beforeAll(async () => {
  server = await startCliServer([
    '--model-repository',
    EXAMPLES_REPOSITORY,
    '--model-control-mode=explicit',
    '--load-model=simple',
  ]);
  url = `127.0.0.1:${server.httpPort}`;
  metricsUrl = `127.0.0.1:${/Started Metrics Service at [^\s]+:(\d+)/.exec(server.stderr())![1]}`;
  client = new HttpClient(url);
  dir = mkdtempSync(join(tmpdir(), 'nereid-tune-restore-'));
});

afterAll(async () => {
  await client?.close();
  await server?.kill();
  rmSync(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts `nereid tune` against the server with `args`. */
function tune(args: readonly string[]): Run {
  const child = spawn(process.execPath, [CLI_MAIN, 'tune', '-u', url, '--metrics-url', metricsUrl, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
}

/** A short run over instances 1 and 2 of `simple` without batching, at concurrency 1. */
const SHORT = [
  '-m',
  'simple',
  '--instances',
  '1,2',
  '--dynamic-batching',
  'off',
  '--intra-op-threads',
  'default',
];
const FAST = ['--concurrency', '1', '-p', '200', '-r', '3'];

describe('nereid tune restores the model it tuned', () => {
  it('reloads a model that came from its repository config after a run', async () => {
    const before = await client.modelConfig('simple');
    const json = join(dir, 'run.json');
    const run = tune([...SHORT, ...FAST, '--search', 'exhaustive', '--json', json]);
    expect(await run.exited).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as TuneReport;
    // The second configuration was loaded and measured: the config did change during the run.
    expect(report.results.map((r) => [r.candidate.instances, r.error])).toEqual([
      [1, null],
      [2, null],
    ]);
    expect(report.results.every((r) => r.rssBytes! > 0)).toBe(true);
    expect(run.stdout()).toContain(
      "Model 'simple' was reloaded from its repository config, as it was before.",
    );
    expect(await client.modelConfig('simple')).toEqual(before);
  }, 60_000);

  it('reloads the config override the model had before after a run', async () => {
    const override = { ...(await client.modelConfig('simple')) };
    override.instance_group = [{ kind: 'KIND_CPU', count: 2 }];
    override.dynamic_batching = { max_queue_delay_microseconds: 100 };
    await client.loadModel('simple', { config: override });
    const before = await client.modelConfig('simple');
    try {
      const run = tune([
        '-m',
        'simple',
        '--instances',
        '1',
        '--dynamic-batching',
        'off',
        '--intra-op-threads',
        'default',
        ...FAST,
      ]);
      expect(await run.exited).toBe(0);
      expect(run.stdout()).toContain("Model 'simple' was reloaded with the config override it had before.");
      expect(await client.modelConfig('simple')).toEqual(before);
    } finally {
      await client.loadModel('simple');
    }
  }, 60_000);

  it('restores the original config after Ctrl-C while a candidate is being measured', async () => {
    const before = await client.modelConfig('simple');
    const run = tune([...SHORT, '--concurrency', '1', '-p', '500', '-r', '6', '-s', '0.001']);
    // The original is measured first (it is already served); then 2 instances are loaded.
    let candidateServed = false;
    for (let i = 0; i < 600 && !candidateServed && run.child.exitCode === null; i++) {
      await sleep(100);
      const config = await client.modelConfig('simple');
      candidateServed = (config.instance_group as { count: number }[])[0]!.count === 2;
    }
    expect(candidateServed).toBe(true);
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(130);
    expect(run.stderr()).toContain(
      "nereid tune: interrupted: stopping and restoring model 'simple' (interrupt again to exit at once)",
    );
    expect(run.stderr()).toContain(
      "nereid tune: Tuning of model 'simple' was interrupted (ERR_TUNE_CANCELLED)",
    );
    expect(run.stdout()).toContain(
      "Model 'simple' was reloaded from its repository config, as it was before",
    );
    expect(await client.modelConfig('simple')).toEqual(before);
  }, 90_000);

  it('unloads a model that was not loaded, with the models it loaded as its steps, after an error', async () => {
    const run = tune(['-m', 'text_orientation_image', ...FAST]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(
      "nereid tune: Cannot tune model 'text_orientation_image': it is an ensemble, with no instances or batching of its own; tune its composing models instead: 'image_preprocess', 'text_orientation' (ERR_TUNE_UNSUPPORTED_MODEL)",
    );
    expect(run.stdout()).toContain("Model 'text_orientation_image' was unloaded, as it was before");
    for (const model of ['text_orientation_image', 'image_preprocess', 'text_orientation'])
      expect(await client.isModelReady(model)).toBe(false);
    expect(await client.isModelReady('simple')).toBe(true);
  }, 60_000);
});

describe('nereid tune refuses what it cannot do', () => {
  it('names the models of the repository for an unknown model', async () => {
    const run = tune(['-m', 'no_such_model', ...FAST]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toMatch(
      /nereid tune: Model 'no_such_model' is not in the server's repository: it has 'custom_identity_int32', .*'simple', .* \(ERR_TUNE_UNKNOWN_MODEL\)/,
    );
  }, 30_000);

  it('says a decoupled model needs gRPC, and unloads it again', async () => {
    const run = tune(['-m', 'repeat_int32', ...FAST]);
    expect(await run.exited).toBe(1);
    expect(run.stderr()).toContain(
      "nereid tune: Cannot tune model 'repeat_int32' over HTTP: it is decoupled, and its load is sent on a gRPC ModelStreamInfer stream: use -i grpc (and -u HOST:GRPC_PORT for a running server) (ERR_TUNE_UNSUPPORTED_MODEL)",
    );
    expect(await client.isModelReady('repeat_int32')).toBe(false);
  }, 30_000);

  it('gives a bad flag a clear error and exit code 2, a value that does not fit the model exit code 1', async () => {
    const unknown = tune(['-m', 'simple', '--instances-count', '2']);
    expect(await unknown.exited).toBe(2);
    expect(unknown.stderr()).toBe("nereid: Unknown flag '--instances-count'; see --help\n");
    const threads = tune(['-m', 'simple_identity', '--intra-op-threads', '1', ...FAST]);
    expect(await threads.exited).toBe(1);
    expect(threads.stderr()).toContain(
      "nereid tune: Option intra-op-threads applies to ONNX Runtime models only: model 'simple_identity' has backend 'javascript' (ERR_TUNE_OPTION)",
    );
    expect(await client.isModelReady('simple_identity')).toBe(false);
  }, 30_000);
});
