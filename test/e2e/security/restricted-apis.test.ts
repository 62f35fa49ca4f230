/**
 * E2E (issue 19, who may call what): Triton's `--http-restricted-api` and
 * `--grpc-restricted-protocol` on a real server process. Restricted categories answer 403 /
 * PERMISSION_DENIED with Triton's text unless the request carries the header (gRPC: metadata
 * `triton-grpc-protocol-<key>`) with exactly the value; other categories stay open; a bad flag
 * stops the server at startup with a clear message.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrpcClient, HttpClient } from '../../../src/client/index.js';
import { CLI_MAIN, type CliServer, startCliServer } from '../../helpers/cli-server.js';
import {
  rejection,
  simpleConfig,
  simpleInputs,
  TempRepository,
} from '../model-management/management-fixtures.js';

const ADMIN = { 'admin-key': 's3cret' };
const GRPC_ADMIN = { 'triton-grpc-protocol-admin-key': 's3cret' };
const INFER = { 'infer-key': 'abc' };

let repo: TempRepository;
let server: CliServer;
let http: HttpClient;
let grpc: GrpcClient;

beforeAll(async () => {
  repo = new TempRepository().model('simple', [1], simpleConfig());
  server = await startCliServer([
    '--model-repository',
    repo.dir,
    '--model-control-mode=explicit',
    '--load-model=simple',
    '--http-restricted-api=model-repository,shared-memory:admin-key=s3cret',
    '--http-restricted-api=inference:infer-key=abc',
    '--grpc-restricted-protocol=model-repository:Admin-Key=s3cret',
    '--grpc-restricted-protocol=inference,statistics:infer-key=abc',
  ]);
  http = new HttpClient(`http://127.0.0.1:${server.httpPort}`);
  grpc = new GrpcClient(`127.0.0.1:${server.grpcPort}`);
});

afterAll(async () => {
  await http?.close();
  await grpc?.close();
  await server?.kill();
  repo?.remove();
});

describe('restricted APIs over HTTP', () => {
  it('a repository call without the header, or with a wrong value, is refused with 403 and Triton text; with it, it runs', async () => {
    const variants: Record<string, string>[] = [
      {},
      { 'admin-key': 'wrong' },
      { 'admin-key': 'S3CRET' },
      { 'other-key': 's3cret' },
    ];
    for (const headers of variants) {
      const err = await rejection(http.unloadModel('simple', { headers }));
      expect(err.httpStatus, JSON.stringify(headers)).toBe(403);
      expect(err.message).toBe("This API is restricted, expecting header 'admin-key'");
    }
    expect(await http.isModelReady('simple')).toBe(true);
    await http.loadModel('simple', { headers: ADMIN });
    expect((await rejection(http.repositoryIndex())).httpStatus).toBe(403);
    expect((await http.repositoryIndex({ headers: ADMIN })).map((m) => m.name)).toEqual(['simple']);
    expect((await rejection(http.getSystemSharedMemoryStatus())).httpStatus).toBe(403);
  });

  it('inference needs its own key; health, metadata, config and statistics stay open', async () => {
    expect((await rejection(http.infer('simple', simpleInputs(1)))).httpStatus).toBe(403);
    expect((await rejection(http.infer('simple', simpleInputs(1), { headers: ADMIN }))).httpStatus).toBe(403);
    const result = await http.infer('simple', simpleInputs(1), { headers: INFER });
    expect(result.output<Int32Array>('OUTPUT0')[3]).toBe(4);
    expect(await http.isServerLive()).toBe(true);
    expect(await http.isServerReady()).toBe(true);
    expect((await http.serverMetadata()).name).toBe('nereid');
    expect((await http.modelConfig('simple')).max_batch_size).toBe(8);
    expect((await http.modelStatistics('simple')).model_stats).toHaveLength(1);
  });
});

describe('restricted protocols over gRPC', () => {
  it('RepositoryModelUnload without the metadata key is PERMISSION_DENIED; with it (any case of the key), it runs', async () => {
    const err = await rejection(grpc.unloadModel('simple'));
    expect(err.grpcCode).toBe(7);
    expect(err.message).toBe(
      "This protocol is restricted, expecting header 'triton-grpc-protocol-admin-key'",
    );
    // The HTTP header name is not the gRPC one.
    expect((await rejection(grpc.repositoryIndex({ headers: ADMIN }))).grpcCode).toBe(7);
    expect((await grpc.repositoryIndex({ headers: GRPC_ADMIN })).length).toBe(1);
  });

  it('a restricted ModelStreamInfer ends with PERMISSION_DENIED before it reads a request; with the key it streams', async () => {
    const denied = grpc.stream();
    denied.send({ model: 'simple', inputs: simpleInputs(2) });
    denied.end();
    const error = await (async () => {
      try {
        for await (const _ of denied) return null;
      } catch (e) {
        return e as { grpcCode?: number; message: string };
      }
      return null;
    })();
    expect(error?.grpcCode).toBe(7);
    expect(error?.message).toBe(
      "This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'",
    );

    const stream = grpc.stream({ headers: { 'triton-grpc-protocol-infer-key': 'abc' } });
    stream.send({ model: 'simple', inputs: simpleInputs(2) });
    stream.end();
    const outputs: number[] = [];
    for await (const item of stream) {
      if (item instanceof Error) throw item;
      outputs.push(item.output<Int32Array>('OUTPUT0')[0]!);
    }
    expect(outputs).toEqual([2]);
    expect((await rejection(grpc.modelStatistics('simple'))).grpcCode).toBe(7);
    expect(await grpc.isServerLive()).toBe(true);
  });
});

describe('restricted-API flags', () => {
  it('a bad flag stops the server at startup saying why (every parse error: test/unit/frontends/restricted-apis.test.ts)', () => {
    const run = spawnSync(
      process.execPath,
      [CLI_MAIN, 'serve', '--model-repository', repo.dir, '--http-restricted-api=models:k=v'],
      { encoding: 'utf8', timeout: 20_000 },
    );
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain(
      "--http-restricted-api names unknown API 'models': allowed health, metadata",
    );
  });
});
