/**
 * Starts `nereid serve` (the compiled CLI) in a child process for the JS backend e2e tests that
 * need the real command line (--backend-config) or a server process they can kill: HTTP on a free
 * port, gRPC and metrics off. Also runs the CLI to completion for startup errors.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const BASE_ARGS = [
  'serve',
  '--http-port=0',
  '--http-address=127.0.0.1',
  '--allow-grpc=false',
  '--allow-metrics=false',
];

/** A running `nereid serve`. */
export interface CliServer {
  /** The server process. */
  child: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  baseUrl: string;
  /** Its stderr so far. */
  stderr(): string;
  /** Resolves with the exit code once it exited. */
  exited: Promise<number | null>;
  /** Sends SIGKILL (unless it already exited) and waits for the exit. */
  kill(): Promise<void>;
}

/** Starts `nereid serve --model-repository <repository> ...args`; resolves once HTTP listens. */
export function startCliServer(repository: string, args: readonly string[]): Promise<CliServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN, ...BASE_ARGS, `--model-repository=${repository}`, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const kill = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    };
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /Started HTTPService at [0-9.]+:(\d+)/.exec(err);
      if (m) resolve({ child, baseUrl: `http://127.0.0.1:${m[1]}`, stderr: () => err, exited, kill });
    });
    void exited.then((code) => reject(new Error(`nereid serve exited with ${code}: ${err}`)));
  });
}

/** Runs `nereid serve --model-repository <repository> ...args` expecting it to exit (a startup error). */
export function runCliServer(
  repository: string,
  args: readonly string[],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [MAIN, ...BASE_ARGS, `--model-repository=${repository}`, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    child.once('exit', (code) => resolve({ code, stderr }));
  });
}
