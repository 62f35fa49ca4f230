/**
 * E2E: the `nereid` binary as a user runs it (compiled, in a child process): help, flag forms,
 * the startup table, serving the example repository, a failing model that does not stop the
 * others, --exit-on-error, and SIGTERM finishing in-flight requests before exit.
 */
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killCliServers, runCli, runNereid, startCliServer } from '../../helpers/cli-server.js';
import { bytesOf, inferBinary, simpleInputs } from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

const temps: string[] = [];

afterAll(async () => {
  await killCliServers();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

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
    const top = await runNereid(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toContain('nereid serve --model-repository DIR');
    const serve = await runNereid(['serve', '--help']);
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
    const unknown = await runCli(['--no-such-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("Unknown flag '--no-such-flag'");
    const bad = await runCli(['--model-repository', 'x', '--exit-on-error=maybe']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("takes true or false: received 'maybe'");
  });

  // Loads the whole example repository (the LLM too): over 20 s on a loaded 2-core machine.
  it('serves the example repository, prints the model table and honours --id', async () => {
    const s = await startCliServer(
      ['--model-repository', EXAMPLES_REPOSITORY, '--id', 'triton', '--strict-model-config', 'false'],
      { timeoutMs: 90_000 },
    );
    expect(s.stderr()).toMatch(/\| simple\s+\| 1\s+\| READY/);
    expect(s.stderr()).toMatch(/\| text_orientation\s+\| 1\s+\| READY/);
    const meta = await (await fetch(`http://127.0.0.1:${s.httpPort}/v2`)).json();
    expect(meta.name).toBe('triton');
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 120_000);

  it('keeps serving the good models when one fails to load, and reports why', async () => {
    const repo = brokenRepository();
    const s = await startCliServer([`--model-repository=${repo}`, '--exit-on-error=false']);
    expect(s.stderr()).toMatch(/\| broken\s+\| -\s+\| UNAVAILABLE: failed to load 'broken'/);
    const ready = await fetch(`http://127.0.0.1:${s.httpPort}/v2/health/ready`);
    expect(ready.status).toBe(400);
    const res = await fetch(`http://127.0.0.1:${s.httpPort}/v2/models/custom_identity_int32/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: [{ name: 'INPUT0', shape: [1, 2], datatype: 'INT32', data: [1, 2] }] }),
    });
    expect(res.status).toBe(200);
    const broken = await fetch(`http://127.0.0.1:${s.httpPort}/v2/models/broken/infer`, {
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
    const r = await runCli(['--model-repository', repo, '--exit-on-error', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("failed to load 'broken'");
  });

  it('finishes in-flight requests on SIGTERM before exiting', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'nereid-cli-'));
    temps.push(repo);
    cpSync(join(EXAMPLES_REPOSITORY, 'simple'), join(repo, 'simple'), { recursive: true });
    copyFileSync(join(EXAMPLES_REPOSITORY, 'simple', 'config.pbtxt'), join(repo, 'simple', 'config.pbtxt'));
    const s = await startCliServer(['--model-repository', repo]);
    const base = `http://127.0.0.1:${s.httpPort}`;
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
