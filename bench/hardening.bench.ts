/**
 * Abuse scenarios against a real `nereid serve` process, for the figures of docs/security.md. Any
 * build can be measured with its own defaults (`--cli` names another build's
 * dist/src/cli/main.js), so the same run gives "before" and "after":
 *
 * - slowloris: N sockets that send half a request header and wait. How many the server holds, how
 *   long until it closes them, and whether a new client is served meanwhile.
 * - fds: 1,100 such sockets against a server limited to 1,024 descriptors (prlimit). Are new HTTP
 *   and gRPC clients served during the attack, and HTTP ones after it?
 * - memory: 16 gzip bombs (256 MiB of zeros, 254 KB on the wire) and 16 × 60 MB bodies at once.
 *   The server's RSS before, at its peak and after.
 * - grpc: a 256 MB ModelInfer through the project's client, and a raw HTTP/2 message that declares
 *   2 GB and sends 64 KiB. Status, time to the answer, RSS, and the longest wait of an HTTP health
 *   probe running meanwhile (the main thread's stall).
 *
 * Run: `npm run build && node dist/bench/hardening.bench.js [--cli PATH] [--only slowloris,fds,memory,grpc]
 * [--sockets 1000] [--hold-s 40]`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { GrpcClient, tensor } from '../src/client/index.js';
import { packageRoot } from '../src/tools/examples/index.js';
import { declareGrpcMessage } from './lib/raw-grpc-message.js';

const THIS_CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const HALF_HEADER = 'POST /v2/models/simple/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl';

interface Options {
  cli: string;
  only: string[];
  sockets: number;
  holdS: number;
}

function readOptions(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  return {
    cli: get('cli') ?? THIS_CLI,
    only: (get('only') ?? 'slowloris,fds,memory,grpc').split(','),
    sockets: Number(get('sockets') ?? 1000),
    holdS: Number(get('hold-s') ?? 40),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Server {
  child: ChildProcess;
  httpPort: number;
  grpcPort: number;
  log: () => string;
  stop(): Promise<void>;
}

/** Starts `nereid serve` on `simple` (127.0.0.1, free ports), under `prefix` (e.g. prlimit) if given. */
async function startServer(cli: string, repo: string, prefix: string[] = []): Promise<Server> {
  const args = [
    cli,
    'serve',
    '--model-repository',
    repo,
    '--http-port=0',
    '--http-address=127.0.0.1',
    '--grpc-port=0',
    '--grpc-address=127.0.0.1',
    '--allow-metrics=false',
  ];
  const command = prefix.length > 0 ? prefix[0]! : process.execPath;
  const argv = prefix.length > 0 ? [...prefix.slice(1), process.execPath, ...args] : args;
  const child = spawn(command, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let text = '';
  const ports = await new Promise<[number, number]>((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      text += d;
      const h = /Started HTTPService at [0-9.]+:(\d+)/.exec(text);
      const g = /Started GRPCInferenceService at [0-9.]+:(\d+)/.exec(text);
      if (h && g) resolve([Number(h[1]), Number(g[1])]);
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${text}`)));
  });
  return {
    child,
    httpPort: ports[0],
    grpcPort: ports[1],
    log: () => text,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      }),
  };
}

/** The server's resident set and its peak, MB (of the node process, also under prlimit). */
function rssMb(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
}

/** One HTTP request on a new connection: status (0 = failed) and milliseconds. */
function probe(
  port: number,
  path = '/v2/health/ready',
  timeoutMs = 5000,
): Promise<{ status: number; ms: number; error: string }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, error: '' }),
      );
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ status: 0, ms: performance.now() - started, error: err.code ?? err.message }),
    );
    req.end();
  });
}

/** Opens `n` half-header sockets; each records when it closed (ms after its open). */
async function openSlowSockets(
  port: number,
  n: number,
): Promise<{ sockets: Socket[]; closedAfterMs: (number | null)[]; connected: () => number }> {
  const sockets: Socket[] = [];
  const closedAfterMs: (number | null)[] = [];
  let connected = 0;
  for (let i = 0; i < n; i += 50) {
    const batch: Promise<void>[] = [];
    for (let k = i; k < Math.min(n, i + 50); k++) {
      closedAfterMs.push(null);
      const opened = performance.now();
      const s = connect(port, '127.0.0.1');
      sockets.push(s);
      s.on('error', () => {});
      // Read what the server says (a 408), or the socket would never see the server's FIN.
      s.resume();
      s.on('close', () => {
        closedAfterMs[k] = performance.now() - opened;
      });
      batch.push(
        new Promise((resolve) => {
          const timer = setTimeout(resolve, 3000);
          s.once('connect', () => {
            connected++;
            s.write(HALF_HEADER);
            clearTimeout(timer);
            resolve();
          });
          s.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
      );
    }
    await Promise.all(batch);
  }
  return { sockets, closedAfterMs, connected: () => connected };
}

function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  return v.length === 0 ? Number.NaN : v[v.length >> 1]!;
}

async function slowloris(o: Options, repo: string): Promise<void> {
  const server = await startServer(o.cli, repo);
  const before = rssMb(server.child.pid!);
  const slow = await openSlowSockets(server.httpPort, o.sockets);
  const opened = performance.now();
  const open = () => slow.closedAfterMs.filter((t) => t === null).length;
  const refused = () => slow.closedAfterMs.filter((t) => t !== null && t < 1000).length;
  await sleep(1000);
  const during = await probe(server.httpPort);
  console.log(
    `slowloris: ${o.sockets} sockets, ${slow.connected()} connected, ${refused()} closed within 1 s (refused); a new client during: ${during.status || during.error} in ${during.ms.toFixed(0)} ms`,
  );
  const marks = [5, 10, 20, 30, 40, 60, 90].filter((s) => s <= o.holdS);
  for (const mark of marks) {
    await sleep(Math.max(0, opened + mark * 1000 - performance.now()));
    console.log(`  after ${mark} s: ${open()} still open; server RSS ${rssMb(server.child.pid!).rss} MB`);
    if (open() === 0) break;
  }
  const closed = slow.closedAfterMs.filter((t): t is number => t !== null && t >= 1000);
  console.log(
    `  closed by the server after: median ${(median(closed) / 1000).toFixed(1)} s, max ${(Math.max(0, ...closed) / 1000).toFixed(1)} s (${closed.length} sockets); RSS before ${before.rss} MB`,
  );
  for (const s of slow.sockets) s.destroy();
  await sleep(500);
  const after = await probe(server.httpPort);
  console.log(`  a new client after they go: ${after.status || after.error} in ${after.ms.toFixed(0)} ms`);
  await server.stop();
}

async function fds(o: Options, repo: string): Promise<void> {
  const server = await startServer(o.cli, repo, ['prlimit', '--nofile=1024:1024', '--']);
  const n = 1100;
  const slow = await openSlowSockets(server.httpPort, n);
  await sleep(1000);
  const open = slow.closedAfterMs.filter((t) => t === null).length;
  const http = await probe(server.httpPort);
  const grpc = new GrpcClient(`127.0.0.1:${server.grpcPort}`, { timeoutMs: 5000 });
  const grpcStarted = performance.now();
  const grpcResult = await grpc.isServerLive().then(
    (live) => `live=${live}`,
    (err: Error) => err.message.slice(0, 80),
  );
  const grpcMs = performance.now() - grpcStarted;
  grpc.close();
  console.log(
    `fds: ${n} half-header sockets against nofile=1024: ${slow.connected()} connected, ${open} held open; new HTTP client: ${http.status || http.error} in ${http.ms.toFixed(0)} ms; new gRPC client: ${grpcResult} in ${grpcMs.toFixed(0)} ms`,
  );
  for (const s of slow.sockets) s.destroy();
  await sleep(1000);
  const after = await probe(server.httpPort);
  const alive = server.child.exitCode === null && server.child.signalCode === null;
  console.log(
    `  after the sockets go: new HTTP client ${after.status || after.error} in ${after.ms.toFixed(0)} ms; server ${alive ? 'alive' : 'exited'}`,
  );
  const refusedLines = server.log().match(/Refused[^\n]*/g) ?? [];
  if (refusedLines.length > 0)
    console.log(`  server log: ${refusedLines.length} line(s), first: ${refusedLines[0]}`);
  await server.stop();
}

/** POSTs `body` to `path` on a new connection; resolves with the status (0 = failed). */
function post(port: number, path: string, body: Buffer, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: { ...headers, 'Content-Length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', () => resolve(0));
    req.end(body);
  });
}

const SIMPLE_JSON = Buffer.from(
  JSON.stringify({
    inputs: [
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(1) },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Array(16).fill(2) },
    ],
  }),
);

async function memory(o: Options, repo: string): Promise<void> {
  const server = await startServer(o.cli, repo);
  const path = '/v2/models/simple/infer';
  for (let i = 0; i < 20; i++) await post(server.httpPort, path, SIMPLE_JSON, {});
  const pid = server.child.pid!;
  const before = rssMb(pid);
  const bomb = gzipSync(Buffer.alloc(256 * 1024 * 1024));
  const big = Buffer.alloc(60 * 1000 * 1000, 0x78);
  const started = performance.now();
  const statuses = await Promise.all([
    ...Array.from({ length: 16 }, () =>
      post(server.httpPort, path, bomb, { 'Content-Encoding': 'gzip', 'Content-Type': 'application/json' }),
    ),
    ...Array.from({ length: 16 }, () =>
      post(server.httpPort, path, big, { 'Content-Type': 'application/json' }),
    ),
  ]);
  const ms = performance.now() - started;
  const peak = rssMb(pid).peak;
  await sleep(2000);
  const after2 = rssMb(pid).rss;
  await sleep(8000);
  const after10 = rssMb(pid).rss;
  const count = (list: number[]) => {
    const by = new Map<number, number>();
    for (const s of list) by.set(s, (by.get(s) ?? 0) + 1);
    return [...by].map(([s, n]) => `${n}×${s}`).join(' ');
  };
  const ok = await post(server.httpPort, path, SIMPLE_JSON, {});
  // Ordinary traffic lets the garbage collector run; what RSS keeps after it is what stays.
  for (let i = 0; i < 2000; i++) await post(server.httpPort, path, SIMPLE_JSON, {});
  const afterTraffic = rssMb(pid).rss;
  console.log(
    `memory: 16 gzip bombs (${bomb.length} B → 256 MiB) + 16 × 60 MB bodies in ${ms.toFixed(0)} ms: bombs ${count(statuses.slice(0, 16))}, bodies ${count(statuses.slice(16))}; RSS before ${before.rss} MB, peak ${peak} MB, after 2 s ${after2} MB, after 10 s ${after10} MB, after 2000 more requests ${afterTraffic} MB; a normal infer after: ${ok}`,
  );
  await server.stop();
}

/** Probes /v2/health/live on one keep-alive connection back to back; returns the longest wait. */
function stallProbe(port: number): { stop(): Promise<number> } {
  let running = true;
  let longest = 0;
  const loop = (async () => {
    while (running) {
      const t = performance.now();
      const res = await fetch(`http://127.0.0.1:${port}/v2/health/live`).catch(() => null);
      await res?.arrayBuffer();
      longest = Math.max(longest, performance.now() - t);
      await sleep(5);
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return longest;
    },
  };
}

async function grpcScenario(o: Options, repo: string): Promise<void> {
  const server = await startServer(o.cli, repo);
  const pid = server.child.pid!;
  const before = rssMb(pid);
  const stall = stallProbe(server.httpPort);
  const answer = await declareGrpcMessage(server.grpcPort, 0x7fffffff, 64 * 1024);
  const raw =
    answer.status === null
      ? 'no answer within 10 s (the server waits for the rest)'
      : `grpc-status ${answer.status} (${answer.message}) in ${answer.ms.toFixed(0)} ms`;
  const client = new GrpcClient(`127.0.0.1:${server.grpcPort}`);
  const values = new Int32Array(64 * 1024 * 1024);
  const started = performance.now();
  const result = await client
    .infer('simple', [
      tensor('INPUT0', 'INT32', [1, values.length], values),
      tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16)),
    ])
    .then(
      () => 'answered',
      (err: Error & { code?: string }) => `${err.code ?? ''}: ${err.message.slice(0, 90)}`,
    );
  const ms = performance.now() - started;
  const longest = await stall.stop();
  const after = rssMb(pid);
  client.close();
  console.log(`grpc: declared 2 GB, sent 64 KiB: ${raw}`);
  console.log(
    `grpc: 256 MB ModelInfer via GrpcClient: ${result} after ${ms.toFixed(0)} ms; RSS before ${before.rss} MB, after ${after.rss} MB (peak ${after.peak} MB); longest health-probe wait meanwhile ${longest.toFixed(0)} ms`,
  );
  await server.stop();
}

async function main(): Promise<void> {
  const o = readOptions(process.argv.slice(2));
  const repo = mkdtempSync(join(tmpdir(), 'nereid-hardening-'));
  cpSync(join(packageRoot(), 'examples', 'model_repository', 'simple'), join(repo, 'simple'), {
    recursive: true,
  });
  console.log(`build: ${o.cli}`);
  try {
    if (o.only.includes('slowloris')) await slowloris(o, repo);
    if (o.only.includes('fds')) await fds(o, repo);
    if (o.only.includes('memory')) await memory(o, repo);
    if (o.only.includes('grpc')) await grpcScenario(o, repo);
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

await main();
