/**
 * E2E: the compiled `nereid serve` in a child process, as a user runs it. The logging extension
 * changes the running server's log: verbose level 1 (set over HTTP) logs each inference request's
 * model, id and outcome, and the format (set over gRPC) switches to ISO8601; the log file cannot
 * be changed through the API. `--trace-config` flags start the server tracing into Triton's file.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GrpcClient, HttpClient } from '../../../src/client/index.js';
import { type CliServer, runCli, startCliServer } from '../../helpers/cli-server.js';
import { rejection } from '../../helpers/rejection.js';
import { exampleSubset } from '../../helpers/test-server.js';
import { simpleInputs } from './trace-fixtures.js';

let repo: ReturnType<typeof exampleSubset>;
let dir: string;

beforeAll(() => {
  repo = exampleSubset(['simple']);
  dir = mkdtempSync(join(tmpdir(), 'nereid-cli-trace-'));
});

afterAll(() => {
  repo?.remove();
  rmSync(dir, { recursive: true, force: true });
});

describe('The logging extension on a running nereid serve', () => {
  let s: CliServer;
  let http: HttpClient;
  let grpc: GrpcClient;

  beforeAll(async () => {
    s = await startCliServer(['--model-repository', repo.dir]);
    http = new HttpClient(`127.0.0.1:${s.httpPort}`);
    grpc = new GrpcClient(`127.0.0.1:${s.grpcPort}`);
  }, 60_000);

  afterAll(async () => {
    grpc?.close();
    await http?.close();
    await s?.kill();
  });

  it('Verbose level 1 set through v2/logging logs each request with its model, id and outcome', async () => {
    expect(await http.getLogSettings()).toEqual({
      log_file: '',
      log_info: true,
      log_warning: true,
      log_error: true,
      log_verbose_level: 0,
      log_format: 'default',
    });
    await http.infer('simple', simpleInputs(), { requestId: 'quiet' });
    expect(await http.updateLogSettings({ log_verbose_level: 1 })).toMatchObject({ log_verbose_level: 1 });
    await http.infer('simple', simpleInputs(), { requestId: 'loud' });
    await grpc.infer('simple', simpleInputs(), { requestId: 'loud-grpc' });
    await rejection(http.infer('simple', simpleInputs().slice(0, 1), { requestId: 'bad' }));
    await vi.waitFor(() => {
      expect(s.stderr()).toMatch(
        /I\d{4} [0-9:.]+ nereid\] HTTP infer request: model 'simple' version 1, id 'loud': OK/,
      );
      expect(s.stderr()).toContain("gRPC infer request: model 'simple' version 1, id 'loud-grpc': OK");
      expect(s.stderr()).toMatch(/HTTP infer request: model 'simple', id 'bad': INVALID_ARG: /);
    });
    expect(s.stderr()).not.toContain("id 'quiet'");
  });

  it('LogSettings over gRPC switches to ISO8601 lines and back to quiet, and refuses a log file', async () => {
    const now = await grpc.updateLogSettings({ log_format: 'ISO8601' });
    expect(now).toMatchObject({ log_format: 'ISO8601', log_verbose_level: 1, log_info: true });
    await http.infer('simple', simpleInputs(), { requestId: 'iso' });
    await vi.waitFor(() =>
      expect(s.stderr()).toMatch(
        /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z I nereid\] HTTP infer request: .*id 'iso': OK/,
      ),
    );
    const file = await rejection(grpc.updateLogSettings({ log_file: '/tmp/x.log' }));
    expect(file.message).toContain('The log file cannot be changed through the logging API');
    const bad = await rejection(http.updateLogSettings({ log_verbose_level: -1 }));
    expect(bad.httpStatus).toBe(400);
    expect(bad.message).toBe('log_verbose_level must be an integer in [0, 2147483647]: received -1');
    await http.updateLogSettings({ log_verbose_level: 0, log_format: 'default' });
    await http.infer('simple', simpleInputs(), { requestId: 'quiet-again' });
    expect((await grpc.getLogSettings()).log_verbose_level).toBe(0);
    expect(s.stderr()).not.toContain("id 'quiet-again'");
  });
});

describe('--trace-config on nereid serve', () => {
  it('--trace-config triton,file=PATH level=TIMESTAMPS rate=1 traces every request into the file, closed on SIGTERM', async () => {
    const file = join(dir, 'trace.json');
    const s = await startCliServer([
      '--model-repository',
      repo.dir,
      '--trace-config',
      `triton,file=${file}`,
      '--trace-config',
      'level=TIMESTAMPS',
      '--trace-config=rate=1',
    ]);
    const http = new HttpClient(`127.0.0.1:${s.httpPort}`);
    try {
      expect(await http.getTraceSettings()).toMatchObject({ trace_level: ['TIMESTAMPS'], trace_rate: '1' });
      await http.infer('simple', simpleInputs(), { requestId: 'cli' });
    } finally {
      await http.close();
    }
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    const entries = JSON.parse(readFileSync(file, 'utf8')) as { request_id?: string }[];
    expect(entries[0]).toMatchObject({ model_name: 'simple', request_id: 'cli' });
  });

  it('Trace and log flags that cannot work are usage errors before any model loads', async () => {
    const noFile = await runCli(['--model-repository', repo.dir, '--trace-config', 'level=TIMESTAMPS']);
    expect(noFile.code).toBe(2);
    expect(noFile.stderr).toContain('--trace-config level is on but no trace file is set');
    const badDir = await runCli([
      '--model-repository',
      repo.dir,
      '--trace-config',
      'triton,file=/nonexistent/t.json',
    ]);
    expect(badDir.stderr).toContain("--trace-config triton,file '/nonexistent/t.json' cannot be written");
    const format = await runCli(['--model-repository', repo.dir, '--log-format', 'json']);
    expect(format.stderr).toContain("--log-format takes default or ISO8601: received 'json'");
  });
});
