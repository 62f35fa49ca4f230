/**
 * The one way tests run the compiled `nereid` command as a user does: `runNereid` runs any
 * subcommand to its exit, `runCli` runs `nereid serve` to its exit (usage and startup errors),
 * and `startCliServer` starts `nereid serve` and resolves once it serves. Every serve is given
 * free ports (HTTP, gRPC and metrics all on port 0 of 127.0.0.1) before the test's own flags, so
 * no test ever binds 8000-8002 or fails because something else holds them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The compiled CLI entry point. */
export const CLI_MAIN = fileURLToPath(new URL('../../dist/src/cli/main.js', import.meta.url));

/**
 * Flags that put every listener of `nereid serve` on a free port of 127.0.0.1; they come first, so
 * a test's own `--http-port` or `--allow-grpc=false` wins.
 */
export const FREE_PORT_FLAGS: readonly string[] = [
  '--http-port=0',
  '--http-address=127.0.0.1',
  '--grpc-port=0',
  '--grpc-address=127.0.0.1',
  '--metrics-port=0',
];

/** What a finished `nereid` run printed. */
export interface CliRun {
  /** Exit code (null when killed by a signal). */
  code: number | null;
  /** Everything written to stdout. */
  stdout: string;
  /** Everything written to stderr. */
  stderr: string;
}

/** Options of runNereid and runCli. */
export interface CliRunOptions {
  /** Extra environment variables; default none. */
  env?: NodeJS.ProcessEnv;
  /** SIGKILL after this many ms (a serve that did not stop); default 60000. */
  timeoutMs?: number;
}

/** Runs `nereid ...args` to its exit. */
export function runNereid(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI_MAIN, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...options.env },
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs `nereid serve` on free ports with `args` to its exit (a usage or startup error). */
export function runCli(args: readonly string[], options: CliRunOptions = {}): Promise<CliRun> {
  return runNereid(['serve', ...FREE_PORT_FLAGS, ...args], options);
}

/** A running server process. */
export interface CliServer {
  /** The child process. */
  readonly child: ChildProcess;
  /** HTTP port, or 0 when HTTP is off. */
  readonly httpPort: number;
  /** gRPC port, or 0 when gRPC is off. */
  readonly grpcPort: number;
  /** Metrics port, or 0 when metrics are off. */
  readonly metricsPort: number;
  /** `http://127.0.0.1:<httpPort>`. */
  readonly baseUrl: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
  /** Everything the server wrote to stdout so far. */
  stdout(): string;
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

/** The port of the first "Started <service> at ADDR:PORT" line in `log`, or 0. */
function startedPort(log: string, service: string): number {
  const m = new RegExp(`Started ${service} at [^\\s]+:(\\d+)`).exec(log);
  return m === null ? 0 : Number(m[1]);
}

/** Every running server startCliServer started: killed by killCliServers. */
const running = new Set<CliServer>();

/** Kills every server startCliServer started and waits for their exits (for afterAll). */
export async function killCliServers(): Promise<void> {
  await Promise.all([...running].map((s) => s.kill()));
}

/**
 * Starts `nereid serve` (or `options.entry`) with FREE_PORT_FLAGS then `args`, and resolves once
 * the service of `waitFor` listens (metrics, when on, start before gRPC and HTTP).
 */
export function startCliServer(args: readonly string[], options: CliServerOptions = {}): Promise<CliServer> {
  const wrapper = options.wrapper ?? [];
  const child = spawn(
    wrapper.length > 0 ? wrapper[0]! : process.execPath,
    [
      ...wrapper.slice(1),
      ...(wrapper.length > 0 ? [process.execPath] : []),
      ...(options.entry ?? [CLI_MAIN, 'serve']),
      ...FREE_PORT_FLAGS,
      ...args,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } },
  );
  let err = '';
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`Server did not start within ${timeoutMs} ms: ${err}`));
    }, timeoutMs);
    child.stdout!.on('data', (d) => (out += d));
    let started = false;
    child.stderr!.on('data', (d) => {
      err += d;
      if (started) return;
      const httpPort = startedPort(err, 'HTTPService');
      const grpcPort = startedPort(err, 'GRPCInferenceService');
      if ((options.waitFor === 'grpc' ? grpcPort : httpPort) === 0) return;
      started = true;
      clearTimeout(timer);
      const server: CliServer = {
        child,
        httpPort,
        grpcPort,
        metricsPort: startedPort(err, 'Metrics Service'),
        baseUrl: `http://127.0.0.1:${httpPort}`,
        stderr: () => err,
        stdout: () => out,
        exited,
        async kill() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
          await exited;
          running.delete(server);
        },
      };
      running.add(server);
      void exited.then(() => running.delete(server));
      resolve(server);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`Server exited with ${code} before it started: ${err}`));
    });
  });
}
