/**
 * E2E: `nereid serve` (the compiled CLI in a child process) starts the gRPC frontend with the
 * --grpc-* flags, logs Triton's "Started GRPCInferenceService at ADDR:PORT" line, answers over
 * gRPC, refuses a bad compression level, and stops on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { int32Bytes, newInferenceClient, readInt32, unary } from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const children: ChildProcess[] = [];
const temps: string[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function simpleRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-grpc-cli-'));
  temps.push(dir);
  cpSync(join(EXAMPLES_REPOSITORY, 'simple'), join(dir, 'simple'), { recursive: true });
  return dir;
}

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('nereid serve with gRPC', () => {
  it('nereid serve starts GRPCInferenceService on --grpc-port and answers ModelInfer', async () => {
    const child = spawn(
      process.execPath,
      [
        MAIN,
        'serve',
        '--model-repository',
        simpleRepository(),
        '--http-port=0',
        '--http-address=127.0.0.1',
        '--allow-metrics=false',
        '--grpc-port=0',
        '--grpc-address=127.0.0.1',
        '--grpc-keepalive-time=60000',
        '--grpc-keepalive-timeout=5000',
        '--grpc-keepalive-permit-without-calls=true',
        '--grpc-http2-max-pings-without-data=0',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    children.push(child);
    const exited = new Promise<number | null>((r) => child.on('exit', r));
    let stderr = '';
    const port = await new Promise<number>((resolve, reject) => {
      child.stderr!.on('data', (d) => {
        stderr += d;
        const m = /Started GRPCInferenceService at 127\.0\.0\.1:(\d+)/.exec(stderr);
        if (m && stderr.includes('Started HTTPService')) resolve(Number(m[1]));
      });
      void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
    });
    const client = newInferenceClient(`127.0.0.1:${port}`);
    try {
      const a = Array.from({ length: 16 }, (_, i) => i);
      const response = await unary(client, 'ModelInfer', {
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
          { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
        ],
        raw_input_contents: [int32Bytes(a), int32Bytes(a)],
      });
      expect(readInt32(response.raw_output_contents[0])).toEqual(a.map((v) => 2 * v));
    } finally {
      client.close();
    }
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });

  it('nereid serve refuses an unknown --grpc-infer-response-compression-level with exit code 2', async () => {
    const r = await run(['serve', '--model-repository', 'x', '--grpc-infer-response-compression-level=max']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--grpc-infer-response-compression-level takes none, low, medium, high: received 'max'",
    );
  });
});
