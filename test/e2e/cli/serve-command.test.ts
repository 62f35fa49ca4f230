/**
 * E2E: the `nereid` binary as a user runs it (compiled, in a child process): help, flag forms,
 * the startup table, serving the example repository, a failing model that does not stop the
 * others, --exit-on-error, and SIGTERM finishing in-flight requests before exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bytesOf, inferBinary, simpleInputs } from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const children: ChildProcess[] = [];
const temps: string[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  port: number;
  stderr: () => string;
  exited: Promise<number | null>;
}

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function start(args: string[]): Promise<Started> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [MAIN, 'serve', '--http-port', '0', '--http-address=127.0.0.1', ...args],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    children.push(child);
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /Started HTTPService at [0-9.]+:(\d+)/.exec(err);
      if (m) resolve({ child, port: Number(m[1]), stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${err}`)));
  });
}

function brokenRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-cli-'));
  temps.push(dir);
  cpSync(join(EXAMPLES_REPOSITORY, 'custom_identity_int32'), join(dir, 'custom_identity_int32'), {
    recursive: true,
  });
  mkdirSync(join(dir, 'broken', '1'), { recursive: true });
  writeFileSync(join(dir, 'broken', '1', 'model.onnx'), 'this is not an onnx model');
  writeFileSync(join(dir, 'broken', 'config.pbtxt'), 'backend: "onnxruntime"\nmax_batch_size: 0\n');
  return dir;
}

describe('nereid CLI', () => {
  it('prints help for the command and for serve', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('nereid serve --model-repository DIR');
    const serve = await run(['serve', '--help']);
    expect(serve.code).toBe(0);
    for (const flag of [
      '--model-repository',
      '--http-port',
      '--http-address',
      '--id',
      '--strict-model-config',
      '--exit-on-error',
      '--log-verbose',
      '--http-max-input-size',
    ]) {
      expect(serve.stdout).toContain(flag);
    }
  });

  it('rejects unknown flags and bad boolean values with exit code 2', async () => {
    const unknown = await run(['serve', '--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown flag '--no-such-flag'");
    const bad = await run(['serve', '--model-repository', 'x', '--exit-on-error=maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("takes true or false: received 'maybe'");
  });

  it('serves the example repository, prints the model table and honours --id', async () => {
    const s = await start([
      '--model-repository',
      EXAMPLES_REPOSITORY,
      '--id',
      'triton',
      '--strict-model-config',
      'false',
    ]);
    expect(s.stderr()).toMatch(/\| simple\s+\| 1\s+\| READY/);
    expect(s.stderr()).toMatch(/\| text_orientation\s+\| 1\s+\| READY/);
    const meta = await (await fetch(`http://127.0.0.1:${s.port}/v2`)).json();
    expect(meta.name).toBe('triton');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('keeps serving the good models when one fails to load, and reports why', async () => {
    const repo = brokenRepository();
    const s = await start([`--model-repository=${repo}`, '--exit-on-error=false']);
    expect(s.stderr()).toMatch(/\| broken\s+\| -\s+\| UNAVAILABLE: failed to load 'broken'/);
    const ready = await fetch(`http://127.0.0.1:${s.port}/v2/health/ready`);
    expect(ready.status).toBe(400);
    const res = await fetch(`http://127.0.0.1:${s.port}/v2/models/custom_identity_int32/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 2], datatype: 'INT32', data: [1, 2] }] }),
    });
    expect(res.status).toBe(200);
    const broken = await fetch(`http://127.0.0.1:${s.port}/v2/models/broken/infer`, {
      method: 'POST',
      body: '{}',
    });
    expect(broken.status).toBe(503);
    expect((await broken.json()).error).toMatch(/failed to load 'broken'.*protobuf|failed to load 'broken'/);
    s.child.kill('SIGINT');
    expect(await s.exited).toBe(0);
  });

  it('exits at startup with --exit-on-error=true when a model fails to load', async () => {
    const repo = brokenRepository();
    const r = await run([
      'serve',
      '--model-repository',
      repo,
      '--exit-on-error',
      'true',
      '--http-port',
      '0',
      '--grpc-port',
      '0',
      '--metrics-port',
      '0',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failed to load 'broken'");
  });

  it('finishes in-flight requests on SIGTERM before exiting', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'nereid-cli-'));
    temps.push(repo);
    cpSync(join(EXAMPLES_REPOSITORY, 'simple'), join(repo, 'simple'), { recursive: true });
    copyFileSync(join(EXAMPLES_REPOSITORY, 'simple', 'config.pbtxt'), join(repo, 'simple', 'config.pbtxt'));
    const s = await start(['--model-repository', repo]);
    const base = `http://127.0.0.1:${s.port}`;
    const { a, b } = simpleInputs(8);
    const inputs = [
      { name: 'INPUT0', datatype: 'INT32', shape: [8, 16], data: bytesOf(a) },
      { name: 'INPUT1', datatype: 'INT32', shape: [8, 16], data: bytesOf(b) },
    ];
    const inflight = Array.from({ length: 30 }, () => inferBinary(base, 'simple', inputs));
    await new Promise((r) => setTimeout(r, 5));
    s.child.kill('SIGTERM');
    const results = await Promise.allSettled(inflight);
    const ok = results.filter((r) => r.status === 'fulfilled' && r.value.status === 200).length;
    // Requests already accepted complete; none is answered with a server error.
    for (const r of results) if (r.status === 'fulfilled') expect(r.value.status).toBe(200);
    expect(ok).toBeGreaterThan(0);
    expect(await s.exited).toBe(0);
    expect(s.stderr()).toContain('Server stopped');
  });
});
