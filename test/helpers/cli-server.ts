/**
 * Starts the compiled `nereid serve` in a child process, as a user runs it, on free ports of
 * 127.0.0.1, and reads the bound ports from its startup log. For black-box tests that need a
 * separate process: its own environment (TMPDIR), signals, or a crash that must not take the
 * test runner with it. `runCli` runs it to its exit (usage errors).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/** A running server process. */
export interface CliServer {
  /** The child process. */
  readonly child: ChildProcess;
  /** HTTP port, or 0 when HTTP is off. */
  readonly httpPort: number;
  /** gRPC port, or 0 when gRPC is off. */
  readonly grpcPort: number;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Sends SIGKILL (if still running) and waits for the exit. */
  kill(): Promise<void>;
}

/** Options of startCliServer. */
export interface CliServerOptions {
  /** Extra environment variables; default none. */
  env?: NodeJS.ProcessEnv;
  /** Startup timeout in ms; default 30000. */
  timeoutMs?: number;
  /** The service whose start means started: 'http' (default) or 'grpc' (for servers without HTTP). */
  waitFor?: 'http' | 'grpc';
  /** Arguments to node before the port flags; default `[CLI_MAIN, 'serve']` (another install's main, say). */
  entry?: readonly string[];
  /** A command and its arguments to run node under (e.g. `['prlimit', '--nofile=256:256', '--']`); default none. */
  wrapper?: readonly string[];
}

/** Runs `nereid serve` with `args` to its exit; resolves with the exit code and stderr. */
export function runCli(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, 'serve', ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

/**
 * Starts `nereid serve` (or `options.entry`) with `args` after `--http-port 0 --grpc-port 0
 * --metrics-port 0` bound to 127.0.0.1 (later flags win), and resolves once the service of
 * `waitFor` listens.
 */
export function startCliServer(args: readonly string[], options: CliServerOptions = {}): Promise<CliServer> {
  const wrapper = options.wrapper ?? [];
  const child = spawn(
    wrapper.length > 0 ? wrapper[0]! : process.execPath,
    [
      ...wrapper.slice(1),
      ...(wrapper.length > 0 ? [process.execPath] : []),
      ...(options.entry ?? [CLI_MAIN, 'serve']),
      '--http-port=0',
      '--http-address=127.0.0.1',
      '--grpc-port=0',
      '--grpc-address=127.0.0.1',
      '--metrics-port=0',
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let err = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Server did not start within ${options.timeoutMs ?? 30_000} ms: ${err}`));
    }, options.timeoutMs ?? 30_000);
    child.stdout!.resume();
    child.stderr!.on('data', (d) => {
      err += d;
      const http = /Started HTTPService at [^\s]+:(\d+)/.exec(err);
      const grpc = /Started GRPCInferenceService at [^\s]+:(\d+)/.exec(err);
      if ((options.waitFor === 'grpc' ? grpc : http) === null) return;
      clearTimeout(timer);
      resolve({
        child,
        httpPort: http === null ? 0 : Number(http[1]),
        grpcPort: grpc === null ? 0 : Number(grpc[1]),
        stderr: () => err,
        exited,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
        },
      });
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Server exited with ${code} before it started: ${err}`));
    });
  });
}
