/**
 * E2E: how the server reads a model repository — auto-complete of a missing config from the ONNX
 * file, version policies, several repositories, strict config, and models that fail to load
 * (broken config, missing label file, GPU requested on a CPU-only machine) while the rest serve.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES_REPOSITORY, startTestServer, type TestServer } from '../../helpers/test-server.js';

const SIMPLE_ONNX = join(EXAMPLES_REPOSITORY, 'simple', '1', 'model.onnx');
const IDENTITY_ONNX = join(EXAMPLES_REPOSITORY, 'custom_identity_int32', '1', 'model.onnx');
const temps: string[] = [];

function model(
  repo: string,
  name: string,
  versions: number[],
  config: string | null,
  onnx = SIMPLE_ONNX,
): void {
  for (const v of versions) {
    mkdirSync(join(repo, name, String(v)), { recursive: true });
    copyFileSync(onnx, join(repo, name, String(v), 'model.onnx'));
  }
  if (config !== null) writeFileSync(join(repo, name, 'config.pbtxt'), config);
}

const SIMPLE_CONFIG = `
backend: "onnxruntime"
max_batch_size: 8
input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] } ]
output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] } ]
instance_group [ { kind: KIND_CPU, count: 1 } ]
`;

let repoA: string;
let repoB: string;
let t: TestServer;

beforeAll(async () => {
  repoA = mkdtempSync(join(tmpdir(), 'nereid-repo-a-'));
  repoB = mkdtempSync(join(tmpdir(), 'nereid-repo-b-'));
  temps.push(repoA, repoB);
  model(repoA, 'auto_identity', [1], null, IDENTITY_ONNX);
  model(repoA, 'all_versions', [1, 2, 3], `${SIMPLE_CONFIG}\nversion_policy: { all: {} }\n`);
  model(
    repoA,
    'latest_two',
    [1, 2, 5],
    `${SIMPLE_CONFIG}\nversion_policy: { latest: { num_versions: 2 } }\n`,
  );
  model(
    repoA,
    'specific',
    [1, 2, 3],
    `${SIMPLE_CONFIG}\nversion_policy: { specific: { versions: [1, 3] } }\n`,
  );
  model(repoA, 'default_latest', [1, 4, 10], SIMPLE_CONFIG);
  model(
    repoA,
    'syntax_error',
    [1],
    'max_batch_size: 8\ninput [ { name: "X" data_type: TYPE_INT32 dims: [ 16 ] \n',
  );
  model(repoA, 'gpu_only', [1], SIMPLE_CONFIG.replace('KIND_CPU', 'KIND_GPU'));
  model(
    repoA,
    'missing_labels',
    [1],
    SIMPLE_CONFIG.replace(
      'name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ]',
      'name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] label_filename: "nope.txt"',
    ),
  );
  model(repoB, 'from_second_repository', [1], SIMPLE_CONFIG);
  t = await startTestServer({ modelRepositories: [repoA, repoB] });
});

afterAll(async () => {
  await t?.close();
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

async function index(): Promise<any[]> {
  return (await fetch(`${t.baseUrl}/v2/repository/index`, { method: 'POST' })).json();
}

describe('model repository', () => {
  it('completes a missing config.pbtxt from the ONNX file as Triton does', async () => {
    const config = await (await fetch(`${t.baseUrl}/v2/models/auto_identity/config`)).json();
    expect(config.backend).toBe('onnxruntime');
    expect(config.platform).toBe('onnxruntime_onnx');
    expect(config.input).toHaveLength(1);
    expect(config.input[0]).toMatchObject({ name: 'INPUT0', data_type: 'TYPE_INT32' });
    expect(config.output[0]).toMatchObject({ name: 'OUTPUT0', data_type: 'TYPE_INT32' });
    const res = await fetch(`${t.baseUrl}/v2/models/auto_identity/infer`, {
      method: 'POST',
      body: JSON.stringify({
        inputs: [
          {
            name: 'INPUT0',
            datatype: 'INT32',
            shape: config.max_batch_size > 0 ? [1, 3] : [3],
            data: [7, 8, 9],
          },
        ],
      }),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).outputs[0].data).toEqual([7, 8, 9]);
  });

  it('serves every version with version_policy all, and each version by path', async () => {
    const meta = await (await fetch(`${t.baseUrl}/v2/models/all_versions`)).json();
    expect(meta.versions).toEqual(['1', '2', '3']);
    for (const v of ['1', '2', '3']) {
      const res = await fetch(`${t.baseUrl}/v2/models/all_versions/versions/${v}/infer`, {
        method: 'POST',
        body: JSON.stringify({
          inputs: [
            { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(1) },
            { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(2) },
          ],
        }),
      });
      expect(res.status).toBe(200);
      expect((await res.json()).model_version).toBe(v);
    }
  });

  it('serves the latest N, specific versions, and the highest version by default', async () => {
    expect((await (await fetch(`${t.baseUrl}/v2/models/latest_two`)).json()).versions).toEqual(['2', '5']);
    expect((await (await fetch(`${t.baseUrl}/v2/models/specific`)).json()).versions).toEqual(['1', '3']);
    expect((await (await fetch(`${t.baseUrl}/v2/models/default_latest`)).json()).versions).toEqual(['10']);
    expect((await fetch(`${t.baseUrl}/v2/models/default_latest/versions/4/ready`)).status).toBe(400);
    expect((await fetch(`${t.baseUrl}/v2/models/specific/versions/2`)).status).toBe(404);
  });

  it('serves models from every --model-repository', async () => {
    expect((await fetch(`${t.baseUrl}/v2/models/from_second_repository/ready`)).status).toBe(200);
  });

  it('reports models that failed to load with their reasons while the rest serve', async () => {
    const rows = await index();
    const byName = new Map(rows.map((r) => [r.name, r]));
    expect(byName.get('syntax_error')).toMatchObject({ state: 'UNAVAILABLE' });
    expect(byName.get('syntax_error').reason).toMatch(
      /failed to load 'syntax_error'.*config\.pbtxt.*\d+:\d+/,
    );
    expect(byName.get('gpu_only').state).toBe('UNAVAILABLE');
    expect(byName.get('gpu_only').reason).toMatch(/GPU|CUDA/);
    expect(byName.get('missing_labels').reason).toMatch(/nope\.txt/);
    const allVersions = rows.filter((r) => r.name === 'all_versions');
    expect(allVersions.map((r) => [r.version, r.state])).toEqual([
      ['1', 'READY'],
      ['2', 'READY'],
      ['3', 'READY'],
    ]);
    // Strict readiness: one unavailable model makes the server not ready, but it stays live.
    expect((await fetch(`${t.baseUrl}/v2/health/ready`)).status).toBe(400);
    expect((await fetch(`${t.baseUrl}/v2/health/live`)).status).toBe(200);
  });

  it('filters the repository index with ready: true', async () => {
    const res = await fetch(`${t.baseUrl}/v2/repository/index`, {
      method: 'POST',
      body: JSON.stringify({ ready: true }),
    });
    const rows = await res.json();
    expect(rows.every((r: any) => r.state === 'READY')).toBe(true);
    expect(rows.map((r: any) => r.name)).not.toContain('syntax_error');
  });
});

describe('strict model config', () => {
  it('refuses a model without config.pbtxt when --strict-model-config is set', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'nereid-strict-'));
    temps.push(repo);
    model(repo, 'no_config', [1], null, IDENTITY_ONNX);
    model(repo, 'with_config', [1], SIMPLE_CONFIG);
    const s = await startTestServer({ modelRepositories: [repo], strictModelConfig: true });
    try {
      const rows = await (await fetch(`${s.baseUrl}/v2/repository/index`, { method: 'POST' })).json();
      const noConfig = rows.find((r: any) => r.name === 'no_config');
      expect(noConfig.state).toBe('UNAVAILABLE');
      expect(noConfig.reason).toMatch(/strict/);
      expect(rows.find((r: any) => r.name === 'with_config').state).toBe('READY');
    } finally {
      await s.close();
    }
  });

  it('runs a GPU config on CPU when the config asks for the fallback', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'nereid-gpu-'));
    temps.push(repo);
    model(
      repo,
      'gpu_fallback',
      [1],
      `${SIMPLE_CONFIG.replace('KIND_CPU', 'KIND_GPU')}\nparameters { key: "nereid.cpu_fallback" value { string_value: "true" } }\n`,
    );
    const s = await startTestServer({ modelRepositories: [repo] });
    try {
      expect((await fetch(`${s.baseUrl}/v2/models/gpu_fallback/ready`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});
