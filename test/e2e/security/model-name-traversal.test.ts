/**
 * E2E (issue 19, critical): model names and file-override paths cannot reach outside the private
 * staging directory. A real server process runs with its own TMPDIR inside a sandbox; the issue's
 * reproduction (a load whose name climbs out of the staging root, with `file:` overrides, which
 * used to delete the parent directory) is tried over HTTP and gRPC, URL-encoded and raw, on load
 * and unload, and every file of the sandbox outside the staging root must be exactly as before.
 */
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient } from '../../../src/client/index.js';
import { type CliServer, startCliServer } from '../../helpers/cli-server.js';
import {
  rejection,
  SIMPLE_ONNX,
  simpleConfig,
  TempRepository,
} from '../model-management/management-fixtures.js';

let sandbox: string;
let repo: TempRepository;
let server: CliServer;
let http: HttpClient;
let grpc: GrpcClient;

/** Every entry below `dir` (lstat: links are not followed) with its kind, size and mtime. */
function snapshot(dir: string, skip: (relative: string) => boolean, prefix = ''): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const relative = `${prefix}${name}`;
    if (skip(relative)) continue;
    const info = lstatSync(join(dir, name));
    out.push(`${relative} ${info.isDirectory() ? 'dir' : info.size} ${info.mtimeMs}`);
    if (info.isDirectory()) out.push(...snapshot(join(dir, name), skip, `${relative}/`));
  }
  return out;
}

const isStaging = (relative: string): boolean => relative === 'tmp' || relative.startsWith('tmp/');

/** The server's private override copies in its temporary directory (ORT writes files of its own there). */
function stagedCopies(): string[] {
  return readdirSync(join(sandbox, 'tmp')).filter((n) => n.startsWith('nereid-override-'));
}

/** POSTs `body` to `path` exactly as written (no client-side encoding or normalization). */
function rawPost(path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: server.httpPort,
        method: 'POST',
        path,
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const ATTACK_BODY = JSON.stringify({
  parameters: { config: JSON.stringify({ backend: 'nope' }), 'file:a': Buffer.from('hi').toString('base64') },
});

beforeAll(async () => {
  sandbox = mkdtempSync(join(tmpdir(), 'nereid-traversal-'));
  mkdirSync(join(sandbox, 'tmp'));
  mkdirSync(join(sandbox, 'victim', 'keep'), { recursive: true });
  writeFileSync(join(sandbox, 'victim', 'keep', 'f'), 'data');
  writeFileSync(join(sandbox, 'outside'), 'data');
  repo = new TempRepository().model('simple', [1], simpleConfig());
  server = await startCliServer(
    ['--model-repository', repo.dir, '--model-control-mode=explicit', '--allow-metrics=false'],
    { env: { TMPDIR: join(sandbox, 'tmp') } },
  );
  http = new HttpClient(`http://127.0.0.1:${server.httpPort}`);
  grpc = new GrpcClient(`127.0.0.1:${server.grpcPort}`);
});

afterAll(async () => {
  await http?.close();
  await grpc?.close();
  await server?.kill();
  repo?.remove();
  if (sandbox !== undefined) rmSync(sandbox, { recursive: true, force: true });
});

describe('model names that climb out of the staging directory', () => {
  it("the issue's reproduction over HTTP answers 400 naming the invalid model name and deletes nothing", async () => {
    const before = snapshot(sandbox, isStaging);
    // From <sandbox>/tmp/nereid-override-XXXX/, '../../victim/x' is <sandbox>/victim/x: the old
    // code wrote there and then removed its parent, <sandbox>/victim.
    for (const name of [
      '..%2F..%2Fvictim%2Fx',
      '..%2F..%2F..%2Fx',
      '%2E%2E%2F%2E%2E%2Fvictim%2Fx',
      '..%5C..%5Cvictim%5Cx',
      '..',
      '%2E%2E',
    ]) {
      const answer = await rawPost(`/v2/repository/models/${name}/load`, ATTACK_BODY);
      expect(answer.status, name).toBe(400);
      expect(JSON.parse(answer.text).error, name).toMatch(
        /^Invalid model name ".*": it (starts with '\.'|contains)/,
      );
      const unload = await rawPost(`/v2/repository/models/${name}/unload`, '');
      expect(unload.status, name).toBe(400);
    }
    // Raw separators never match a model route: 404, and nothing is staged.
    for (const path of ['/v2/repository/models/../../victim/x/load', '/v2/repository/models/a/../../load']) {
      expect((await rawPost(path, ATTACK_BODY)).status, path).toBe(404);
    }
    expect(readFileSync(join(sandbox, 'victim', 'keep', 'f'), 'utf8')).toBe('data');
    expect(snapshot(sandbox, isStaging)).toEqual(before);
  });

  it('the same names over gRPC RepositoryModelLoad and Unload answer INVALID_ARGUMENT and delete nothing', async () => {
    const before = snapshot(sandbox, isStaging);
    for (const name of [
      '../../victim/x',
      '../../../x',
      '..\\..\\victim\\x',
      '..',
      'a/b',
      'x\u0000y',
      `${'m'.repeat(256)}`,
    ]) {
      const load = await rejection(
        grpc.loadModel(name, { config: { backend: 'nope' }, files: { a: new Uint8Array([104, 105]) } }),
      );
      expect(load.grpcCode, JSON.stringify(name)).toBe(3);
      expect(load.message).toMatch(/Invalid model name/);
      const unload = await rejection(grpc.unloadModel(name));
      expect(unload.grpcCode, JSON.stringify(name)).toBe(3);
    }
    expect(readFileSync(join(sandbox, 'victim', 'keep', 'f'), 'utf8')).toBe('data');
    expect(snapshot(sandbox, isStaging)).toEqual(before);
  });

  it('a valid override load stages only below the staging root, and a failed load or an unload removes only its own copy', async () => {
    const before = snapshot(sandbox, isStaging);
    const onnx = new Uint8Array(readFileSync(SIMPLE_ONNX));
    const config = { backend: 'onnxruntime', max_batch_size: 8 };
    await http.loadModel('simple', { config, files: { '1/model.onnx': onnx } });
    const staged = stagedCopies();
    expect(staged).toHaveLength(1);
    expect(staged[0]).toMatch(/^nereid-override-[0-9]+-[A-Za-z0-9]{6}$/);
    // A failing load with overrides (no version directory) removes its own copy, not the serving one.
    const failed = await rejection(http.loadModel('simple', { config, files: { 'labels.txt': onnx } }));
    expect(failed.httpStatus).toBe(400);
    expect(failed.message).not.toContain(sandbox);
    expect(stagedCopies()).toEqual(staged);
    await grpc.unloadModel('simple');
    expect(stagedCopies()).toEqual([]);
    expect(snapshot(sandbox, isStaging)).toEqual(before);
  });

  it('a file override that cannot be written answers with the override path, never a server path', async () => {
    const config = { backend: 'onnxruntime', max_batch_size: 8 };
    const long = await rejection(
      http.loadModel('simple', { config, files: { [`1/${'x'.repeat(300)}`]: new Uint8Array(1) } }),
    );
    expect(long.httpStatus).toBe(400);
    expect(long.message).toMatch(
      /file override path ".*" must be relative and stay inside the model directory \(a segment is longer than 255 bytes\)/,
    );
    const clash = await rejection(
      http.loadModel('simple', { config, files: { a: new Uint8Array(1), 'a/b': new Uint8Array(1) } }),
    );
    expect(clash.message).toBe(
      `failed to load 'simple', failed to poll from model repository: cannot write file override "a/b" (EEXIST)`,
    );
    expect(clash.message).not.toContain(tmpdir());
    expect(stagedCopies()).toEqual([]);
  });
});
