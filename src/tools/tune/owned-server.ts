/**
 * The server tune starts when it is given a repository instead of a running server: this build's
 * `nereid serve` in a child process (so its resident memory is its own, apart from the load
 * generator's), in explicit model-control mode with no model loaded, on free ports of 127.0.0.1,
 * metrics off. Resolves once both frontends listen; stop() ends it with SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { internal, unavailable } from '../../common/index.js';

/** A server tune started. */
export interface OwnedServer {
  /** The child's process id (its memory is read from /proc/<pid>/status). */
  readonly pid: number;
  /** `127.0.0.1:<port>` of the HTTP frontend. */
  readonly httpAddress: string;
  /** `127.0.0.1:<port>` of the gRPC frontend. */
  readonly grpcAddress: string;
  /** The last lines the server wrote to stderr. */
  logTail(): string;
  /** Whether the process has exited. */
  exited(): boolean;
  /** Ends the server (SIGTERM, then SIGKILL after `graceMs`) and waits for the exit. */
  stop(graceMs?: number): Promise<void>;
}

/** How long the server may take to listen, ms. */
const START_TIMEOUT_MS = 60_000;
/** Log lines kept for error messages. */
const TAIL_LINES = 20;

/** The `nereid` CLI entry next to this module, or under dist/ when running from sources. */
export function defaultServerEntry(): string {
  const path = fileURLToPath(new URL('../../cli/main.js', import.meta.url));
  if (existsSync(path)) return path;
  const marker = '/src/tools/tune/';
  const at = fileURLToPath(import.meta.url).lastIndexOf(marker);
  const compiled = `${fileURLToPath(import.meta.url).slice(0, at)}/dist/src/cli/main.js`;
  if (at >= 0 && existsSync(compiled)) return compiled;
  throw internal(
    'ERR_TUNE_CLI_NOT_FOUND',
    `Cannot find the nereid CLI "${path}" nor "${compiled}": run "npm run build"`,
  );
}

function tail(text: string): string {
  return text.trimEnd().split('\n').slice(-TAIL_LINES).join('\n');
}

/** Starts `nereid serve` on `repositories` with `extraArgs` after tune's own flags. */
export function startOwnedServer(
  entry: string,
  repositories: readonly string[],
  extraArgs: readonly string[],
): Promise<OwnedServer> {
  const args = [
    entry,
    'serve',
    ...repositories.flatMap((r) => ['--model-repository', r]),
    '--model-control-mode=explicit',
    '--http-port=0',
    '--http-address=127.0.0.1',
    '--grpc-port=0',
    '--grpc-address=127.0.0.1',
    '--allow-metrics=false',
    ...extraArgs,
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  let exitedFlag = false;
  // If tune exits without stopping it (a second Ctrl-C, a crash), the server must not outlive it.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exitedFlag = true;
      process.off('exit', killOnExit);
      resolve();
    }),
  );
  child.stderr!.setEncoding('utf8');
  let started = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        unavailable(
          'ERR_TUNE_SERVER_START',
          `The server tune started did not listen within ${START_TIMEOUT_MS} ms:\n${tail(log)}`,
        ),
      );
    }, START_TIMEOUT_MS);
    let httpPort: string | undefined;
    let grpcPort: string | undefined;
    child.stderr!.on('data', (chunk: string) => {
      log = `${tail(log + chunk)}\n`;
      httpPort ??= /Started HTTPService at [^\s]+:(\d+)/.exec(log)?.[1];
      grpcPort ??= /Started GRPCInferenceService at [^\s]+:(\d+)/.exec(log)?.[1];
      if (httpPort === undefined || grpcPort === undefined || started) return;
      started = true;
      clearTimeout(timer);
      resolve({
        pid: child.pid!,
        httpAddress: `127.0.0.1:${httpPort}`,
        grpcAddress: `127.0.0.1:${grpcPort}`,
        logTail: () => tail(log),
        exited: () => exitedFlag,
        async stop(graceMs = 10_000) {
          if (exitedFlag) return;
          child.kill('SIGTERM');
          const force = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(force);
        },
      });
    });
    void exited.then(() => {
      clearTimeout(timer);
      reject(
        unavailable(
          'ERR_TUNE_SERVER_START',
          `The server tune started exited before it listened:\n${tail(log)}`,
        ),
      );
    });
  });
}
