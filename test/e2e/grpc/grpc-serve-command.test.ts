/**
 * E2E: `nereid serve` (the compiled CLI in a child process) starts the gRPC frontend with the
 * --grpc-* flags, logs Triton's "Started GRPCInferenceService at ADDR:PORT" line, answers over
 * gRPC, refuses a bad compression level, and stops on SIGTERM.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killCliServers, runCli, startCliServer } from '../../helpers/cli-server.js';
import { int32Bytes, newInferenceClient, readInt32, unary } from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY } from '../../helpers/test-server.js';

const temps: string[] = [];

afterAll(async () => {
  await killCliServers();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function simpleRepository(): string {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-grpc-cli-'));
  temps.push(dir);
  cpSync(join(EXAMPLES_REPOSITORY, 'simple'), join(dir, 'simple'), { recursive: true });
  return dir;
}

describe('nereid serve with gRPC', () => {
  it('nereid serve starts GRPCInferenceService on --grpc-port and answers ModelInfer', async () => {
    const s = await startCliServer([
      '--model-repository',
      simpleRepository(),
      '--allow-metrics=false',
      '--grpc-keepalive-time=60000',
      '--grpc-keepalive-timeout=5000',
      '--grpc-keepalive-permit-without-calls=true',
      '--grpc-http2-max-pings-without-data=0',
    ]);
    expect(s.grpcPort).toBeGreaterThan(0);
    const client = newInferenceClient(`127.0.0.1:${s.grpcPort}`);
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
    s.child.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  });

  it('nereid serve refuses an unknown --grpc-infer-response-compression-level with exit code 2', async () => {
    const r = await runCli(['--model-repository', 'x', '--grpc-infer-response-compression-level=max']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(
      "--grpc-infer-response-compression-level takes none, low, medium, high: received 'max'",
    );
  });
});
