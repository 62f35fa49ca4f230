/**
 * Starts servers for benchmarks as child processes (so the load generator does not share their
 * event loop): Nereid through its real CLI (HTTP only, or HTTP + gRPC), and the bare HTTP
 * baseline. Each resolves with the ports once the server says it listens.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A running server process. */
export interface ServerProcess {
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const HTTP_STARTED = /Started HTTPService at [0-9.]+:(\d+)/;
const GRPC_STARTED = /Started GRPCInferenceService at [0-9.]+:(\d+)/;
const METRICS_STARTED = /Started Metrics Service at [0-9.]+:(\d+)/;

/** Resolves with the first group of every pattern (a port) once all have appeared on `stream`. */
function waitForPorts(
  child: ChildProcess,
  patterns: readonly RegExp[],
  stream: 'stdout' | 'stderr',
): Promise<number[]> {
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream]!.on('data', (d) => {
      text += d;
      const ports = patterns.map((pattern) => pattern.exec(text)?.[1]);
      if (ports.every((port) => port !== undefined)) resolve(ports.map(Number));
    });
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}:\n${text}`)));
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
}

/** Flags `nereid serve` understands (probed from --help so optional frontends can be turned off). */
function serveFlags(cli: string): string {
  return execFileSync(process.execPath, [cli, 'serve', '--help'], { encoding: 'utf8' });
}

/** The optional frontends a benchmark's Nereid listens with besides HTTP. */
interface Frontends {
  grpc?: boolean;
  metrics?: boolean;
}

/**
 * Spawns `nereid serve` (this build's CLI, or `cli`: another build's `dist/src/cli/main.js`) with
 * HTTP (and gRPC or metrics when asked) on free ports, the other frontends off.
 */
function spawnNereid(repository: string, on: Frontends, extra: readonly string[], cli = CLI): ChildProcess {
  const help = serveFlags(cli);
  const args = [
    cli,
    'serve',
    '--model-repository',
    repository,
    '--http-port',
    '0',
    '--http-address',
    '127.0.0.1',
  ];
  if (on.grpc === true) args.push('--grpc-port', '0', '--grpc-address', '127.0.0.1');
  else if (help.includes('--allow-grpc')) args.push('--allow-grpc=false');
  if (on.metrics === true) args.push('--metrics-port', '0', '--allow-cpu-metrics=false');
  else if (help.includes('--allow-metrics')) args.push('--allow-metrics=false');
  return spawn(process.execPath, [...args, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/**
 * Starts `nereid serve` on a free HTTP port with only the HTTP frontend; `cli` runs another build
 * (its `dist/src/cli/main.js`) instead of this one.
 */
export async function startNereid(
  repository: string,
  extra: string[] = [],
  cli: string = CLI,
): Promise<ServerProcess> {
  const child = spawnNereid(repository, {}, extra, cli);
  const [port] = await waitForPorts(child, [HTTP_STARTED], 'stderr');
  return { port: port!, child, stop: stopper(child) };
}

/** A running Nereid with the gRPC frontend on too. */
export interface GrpcServerProcess extends ServerProcess {
  /** Its gRPC port (`port` is the HTTP one). */
  grpcPort: number;
}

/** Starts `nereid serve` with the HTTP and gRPC frontends, each on a free port. */
export async function startNereidWithGrpc(
  repository: string,
  extra: string[] = [],
): Promise<GrpcServerProcess> {
  const child = spawnNereid(repository, { grpc: true }, extra);
  const [port, grpcPort] = await waitForPorts(child, [HTTP_STARTED, GRPC_STARTED], 'stderr');
  return { port: port!, grpcPort: grpcPort!, child, stop: stopper(child) };
}

/** A running Nereid with the metrics frontend on too. */
export interface MetricsServerProcess extends ServerProcess {
  /** Its metrics port (`port` is the HTTP one). */
  metricsPort: number;
}

/** Starts `nereid serve` with the HTTP and metrics frontends (CPU metrics off), each on a free port. */
export async function startNereidWithMetrics(
  repository: string,
  extra: string[] = [],
): Promise<MetricsServerProcess> {
  const child = spawnNereid(repository, { metrics: true }, extra);
  const [port, metricsPort] = await waitForPorts(child, [HTTP_STARTED, METRICS_STARTED], 'stderr');
  return { port: port!, metricsPort: metricsPort!, child, stop: stopper(child) };
}

/** Starts a baseline server script beside this file that prints `LISTENING <port>` once it listens. */
async function startListeningScript(file: string, args: readonly string[]): Promise<ServerProcess> {
  const script = fileURLToPath(new URL(file, import.meta.url));
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [port] = await waitForPorts(child, [/LISTENING (\d+)/], 'stdout');
  return { port: port!, child, stop: stopper(child) };
}

/** Starts the bare node:http server answering `body` with `headers`. */
export function startBareHttp(body: Uint8Array, headers: Record<string, string>): Promise<ServerProcess> {
  return startListeningScript('./bare-http-server.js', [
    '0',
    Buffer.from(body).toString('base64'),
    JSON.stringify(headers),
  ]);
}

/** Starts the LLM benchmark's HTTP floor (bench/lib/sse-floor-server.ts): one SSE token per request, at once. */
export function startSseFloor(): Promise<ServerProcess> {
  return startListeningScript('./sse-floor-server.js', []);
}

/**
 * Starts the bare node:http server answering with exactly what Nereid (listening on 127.0.0.1:
 * `port`) answers to `request` on `model`: the same body bytes and the same Content-Type,
 * Inference-Header-Content-Length and Server-Timing headers. Throws when Nereid's answer is not 200.
 */
export async function startBareMirror(
  port: number,
  model: string,
  request: { headers: Record<string, string>; body: Uint8Array },
): Promise<ServerProcess> {
  const probe = await fetch(`http://127.0.0.1:${port}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: request.headers,
    body: request.body,
  });
  const body = new Uint8Array(await probe.arrayBuffer());
  if (probe.status !== 200) throw new Error(`probe failed: ${probe.status} ${Buffer.from(body).toString()}`);
  return startBareHttp(body, {
    'Content-Type': probe.headers.get('content-type') ?? 'application/octet-stream',
    'Inference-Header-Content-Length': probe.headers.get('inference-header-content-length') ?? '0',
    'Server-Timing': probe.headers.get('server-timing') ?? '',
  });
}
