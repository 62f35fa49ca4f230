/**
 * Starts servers for benchmarks as child processes (so the load generator does not share their
 * event loop): Nereid through its real CLI, and the bare HTTP baseline. Each resolves with the
 * port once the server says it listens.
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

function waitFor(child: ChildProcess, pattern: RegExp, stream: 'stdout' | 'stderr'): Promise<number> {
  return new Promise((resolve, reject) => {
    let text = '';
    child[stream]!.on('data', (d) => {
      text += d;
      const m = pattern.exec(text);
      if (m) resolve(Number(m[1]));
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
function serveFlags(): string {
  return execFileSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
}

/** Starts `nereid serve` on a free HTTP port with only the HTTP frontend. */
export async function startNereid(repository: string, extra: string[] = []): Promise<ServerProcess> {
  const help = serveFlags();
  const args = [
    CLI,
    'serve',
    '--model-repository',
    repository,
    '--http-port',
    '0',
    '--http-address',
    '127.0.0.1',
  ];
  if (help.includes('--allow-grpc')) args.push('--allow-grpc=false');
  if (help.includes('--allow-metrics')) args.push('--allow-metrics=false');
  const child = spawn(process.execPath, [...args, ...extra], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const port = await waitFor(child, /Started HTTPService at [0-9.]+:(\d+)/, 'stderr');
  return { port, child, stop: stopper(child) };
}

/** Starts the bare node:http server answering `body` with `headers`. */
export async function startBareHttp(
  body: Uint8Array,
  headers: Record<string, string>,
): Promise<ServerProcess> {
  const script = fileURLToPath(new URL('./bare-http-server.js', import.meta.url));
  const child = spawn(
    process.execPath,
    [script, '0', Buffer.from(body).toString('base64'), JSON.stringify(headers)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const port = await waitFor(child, /LISTENING (\d+)/, 'stdout');
  return { port, child, stop: stopper(child) };
}
