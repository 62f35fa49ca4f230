/**
 * Shared pieces of the model-management e2e tests: temporary repositories holding copies of the
 * real example ONNX models (never the bundled repository itself), a server with HTTP and gRPC
 * on port 0 plus the project's clients (per test, with its cleanup hooks, via perTestServers), an
 * inference call on the `simple` model, and a bounded wait for conditions the poller makes true.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach } from 'vitest';
import { GrpcClient, HttpClient, InferenceServerError, InferInput } from '../../../src/client/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY, type TestServerOptions } from '../../helpers/test-server.js';

/** The example `simple` model (INT32 [.,16] add/sub). */
export const SIMPLE_ONNX = join(EXAMPLES_REPOSITORY, 'simple', '1', 'model.onnx');
/** The example identity model (INT32 [.,.] → same). */
export const IDENTITY_ONNX = join(EXAMPLES_REPOSITORY, 'custom_identity_int32', '1', 'model.onnx');

/** config.pbtxt of a copy of `simple`; `extra` is appended. */
export function simpleConfig(maxBatchSize = 8, extra = '', instances = 1): string {
  return `backend: "onnxruntime"
max_batch_size: ${maxBatchSize}
input [ { name: "INPUT0" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "INPUT1" data_type: TYPE_INT32 dims: [ 16 ] } ]
output [ { name: "OUTPUT0" data_type: TYPE_INT32 dims: [ 16 ] }, { name: "OUTPUT1" data_type: TYPE_INT32 dims: [ 16 ] } ]
instance_group [ { kind: KIND_CPU, count: ${instances} } ]
${extra}
`;
}

/** A temporary repository directory. */
export class TempRepository {
  /** Its directory. */
  readonly dir = mkdtempSync(join(tmpdir(), 'nereid-mm-'));

  /** Writes model `name` with the given versions (copies of `onnx`) and config (null = none). */
  model(name: string, versions: number[], config: string | null, onnx = SIMPLE_ONNX): this {
    mkdirSync(join(this.dir, name), { recursive: true });
    for (const v of versions) this.version(name, v, onnx);
    if (config !== null) writeFileSync(join(this.dir, name, 'config.pbtxt'), config);
    return this;
  }

  /** Adds version `v` of `name`. */
  version(name: string, v: number, onnx = SIMPLE_ONNX): this {
    mkdirSync(join(this.dir, name, String(v)), { recursive: true });
    copyFileSync(onnx, join(this.dir, name, String(v), 'model.onnx'));
    return this;
  }

  /** Deletes the directory. */
  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A started server with both clients. */
export interface ManagedServer {
  t: TestGrpcServer;
  http: HttpClient;
  grpc: GrpcClient;
  close(): Promise<void>;
}

/** Starts HTTP + gRPC on port 0 over `repositories` with the given core options. */
export async function startManagedServer(
  repositories: string[],
  options: TestServerOptions = {},
): Promise<ManagedServer> {
  const t = await startTestGrpcServer({ modelRepositories: repositories, ...options });
  const http = new HttpClient(t.baseUrl, { connections: 8 });
  const grpc = new GrpcClient(t.grpcAddress);
  return {
    t,
    http,
    grpc,
    async close() {
      await http.close();
      await grpc.close();
      await t.close();
    },
  };
}

/** A test file whose tests each start their own server over fresh `alpha` + `beta` repositories. */
export interface PerTestServers {
  /** The server the running test started last (closed after the test); null before. */
  readonly server: ManagedServer | null;
  /** A new repository holding `alpha` and `beta` (copies of `simple`), removed after the file. */
  repository(): TempRepository;
  /** Starts a server like startManagedServer and makes it `server`. */
  start(repositories: string[], options?: TestServerOptions): Promise<ManagedServer>;
}

/** Registers the hooks of PerTestServers in the calling test file (call once, at top level). */
export function perTestServers(): PerTestServers {
  const repos: TempRepository[] = [];
  let server: ManagedServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });
  afterAll(() => {
    for (const r of repos) r.remove();
  });
  return {
    get server() {
      return server;
    },
    repository() {
      const repo = new TempRepository()
        .model('alpha', [1], simpleConfig())
        .model('beta', [1], simpleConfig());
      repos.push(repo);
      return repo;
    },
    async start(repositories, options) {
      server = await startManagedServer(repositories, options);
      return server;
    },
  };
}

/** The inputs of `simple`: INPUT0 = i, INPUT1 = seed, for `rows` rows. */
export function simpleInputs(seed: number, rows = 1): InferInput[] {
  const a = new Int32Array(16 * rows);
  const b = new Int32Array(16 * rows).fill(seed);
  for (let i = 0; i < a.length; i++) a[i] = i % 16;
  return [
    InferInput.fromValues('INPUT0', 'INT32', [rows, 16], a),
    InferInput.fromValues('INPUT1', 'INT32', [rows, 16], b),
  ];
}

/** Runs `simple`-shaped `model` and checks OUTPUT0 = INPUT0 + INPUT1; returns the version that ran. */
export async function inferSimple(
  client: HttpClient | GrpcClient,
  model: string,
  seed = 3,
  version = '',
): Promise<string> {
  const result = await client.infer(model, simpleInputs(seed), { modelVersion: version });
  const sum = result.output<Int32Array>('OUTPUT0');
  for (let i = 0; i < 16; i++) if (sum[i] !== i + seed) throw new Error(`Wrong OUTPUT0[${i}]: ${sum[i]}`);
  return result.modelVersion;
}

/** The rejection of `promise` as an InferenceServerError. */
export async function rejection(promise: Promise<unknown>): Promise<InferenceServerError> {
  const err = await promise.then(
    () => new Error('Expected the call to fail'),
    (e: unknown) => e,
  );
  if (!(err instanceof InferenceServerError)) throw err;
  return err;
}

/** Waits until `check` returns true (polled every 50 ms), failing after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
