/**
 * E2E: `nereid optimize` as a user runs it (the compiled CLI in a child process) on a temporary
 * copy of the example repository, then a real server on that repository answers on the new
 * versions: the int8 text-orientation classifier still tells upright from upside-down text, and
 * the fp16 MLP with float16 I/O serves FP16 tensors. Needs `npm run build`.
 */
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeMlpModel } from '../../../src/tools/examples/index.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../../../src/tools/onnx/index.js';
import { binaryRequest, bytesOf, inferJson, readResponse } from '../../helpers/kserve-http.js';
import { EXAMPLES_REPOSITORY, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { renderTextLine, rotate180 } from '../../unit/tools/text-line-image.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
let repo: string;
let server: TestServer | undefined;

function nereid(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'nereid-optimize-e2e-'));
  cpSync(join(EXAMPLES_REPOSITORY, 'text_orientation'), join(repo, 'text_orientation'), { recursive: true });
  writeMlpModel(join(repo, 'mlp'), { inputSize: 16, hiddenSizes: [32], outputSize: 4, maxBatchSize: 8 });
  writeMlpModel(join(repo, 'mlp_deep'), {
    inputSize: 16,
    hiddenSizes: [32, 32],
    outputSize: 4,
    maxBatchSize: 8,
  });
});

afterAll(async () => {
  await server?.close();
  rmSync(repo, { recursive: true, force: true });
});

describe('nereid optimize', () => {
  it('writes an int8 version and an fp16-io version with a table and a JSON report', async () => {
    const int8 = await nereid([
      'optimize',
      join(repo, 'text_orientation'),
      '--to',
      '2',
      '--int8',
      'dynamic',
      '--samples',
      '16',
      '--speed-ms',
      '50',
      '--batch-sizes',
      '1,2',
    ]);
    expect(int8.stderr).not.toMatch(/Error/);
    expect(int8.code).toBe(0);
    expect(int8.stdout).toMatch(/\| int8-dynamic \(v2\)/);
    expect(int8.stdout).toMatch(/top-1/);
    const report = JSON.parse(
      readFileSync(join(repo, 'text_orientation', '2', 'optimize-report.json'), 'utf8'),
    );
    expect(report.results[0].variant).toBe('int8-dynamic');
    expect(report.results[0].speed.source.p50Batch1Ms).toBeGreaterThan(0);

    const fp16 = await nereid([
      'optimize',
      join(repo, 'mlp'),
      '--to',
      '2',
      '--fp16',
      '--fp16-io',
      '--speed=false',
    ]);
    expect(fp16.code).toBe(0);
    expect(readFileSync(join(repo, 'mlp', 'config.pbtxt'), 'utf8')).toMatch(/TYPE_FP16/);
    expect(existsSync(join(repo, 'mlp', '1', 'model.onnx'))).toBe(true);
  }, 120_000);

  it('keeps the nodes named by --int8-exclude-nodes and --int8-keep-float last in float32, and refuses unknown node names', async () => {
    const res = await nereid([
      'optimize',
      join(repo, 'mlp_deep'),
      '--to',
      '2',
      '--int8',
      'dynamic',
      '--int8-exclude-nodes',
      'MatMul_0',
      '--int8-keep-float',
      'last',
      '--speed=false',
    ]);
    expect(res.code).toBe(0);
    const report = JSON.parse(readFileSync(join(repo, 'mlp_deep', '2', 'optimize-report.json'), 'utf8'));
    expect(report.results[0].variant).toBe('int8-dynamic+float-last+exclude-1');
    expect(report.results[0].build.int8.quantized).toEqual({ MatMul: 1 });
    expect(report.results[0].build.int8.skipped).toEqual([
      'MatMul "MatMul_0": excluded by --int8-exclude-nodes',
      'MatMul "MatMul_6": kept float32 by --int8-keep-float last',
    ]);
    const bad = await nereid([
      'optimize',
      join(repo, 'mlp_deep'),
      '--to',
      '3',
      '--int8',
      'dynamic',
      '--int8-exclude-nodes',
      'fc9',
      '--speed=false',
    ]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Option --int8-exclude-nodes names "fc9", not a quantizable node/);
    expect(existsSync(join(repo, 'mlp_deep', '3'))).toBe(false);
  }, 60_000);

  it('refuses an existing version with exit code 1 and a message naming it', async () => {
    const res = await nereid(['optimize', join(repo, 'mlp'), '--to', '1', '--fp16', '--speed=false']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/Version 1 of model "mlp" already exists/);
  });

  it('serves the new versions: the int8 classifier reads orientation and the fp16 MLP answers in FP16', async () => {
    server = await startTestServer({ modelRepositories: [repo] });
    const upright = renderTextLine('HELLO WORLD', 2);
    const rows = [...upright, ...rotate180(upright)];
    const res = await inferJson(
      server.baseUrl,
      'text_orientation',
      { inputs: [{ name: 'x', shape: [2, 3, 48, 192], datatype: 'FP32', data: rows }] },
      '2',
    );
    expect(res.status).toBe(200);
    const probs = (res.json as { outputs: { data: number[] }[] }).outputs[0]!.data;
    expect(probs[0]!).toBeGreaterThan(probs[1]!);
    expect(probs[3]!).toBeGreaterThan(probs[2]!);

    const half = Uint16Array.from(new Array(16).fill(0.5), (v) => float32ToFloat16Bits(v));
    const { body, headerLength } = binaryRequest(
      [{ name: 'INPUT0', datatype: 'FP16', shape: [1, 16], data: bytesOf(half) }],
      { outputs: [{ name: 'OUTPUT0', parameters: { binary_data: true } }] },
    );
    const mlp = await readResponse(
      await fetch(`${server.baseUrl}/v2/models/mlp/versions/2/infer`, {
        method: 'POST',
        headers: { 'inference-header-content-length': String(headerLength) },
        body,
      }),
    );
    expect(mlp.status).toBe(200);
    expect(mlp.json.outputs[0].datatype).toBe('FP16');
    const raw = mlp.binary.get('OUTPUT0')!;
    const bits = new Uint16Array(raw.slice().buffer);
    const sum = Array.from(bits, float16BitsToFloat32).reduce((s, p) => s + p, 0);
    expect(sum).toBeCloseTo(1, 2);
  }, 60_000);
});
