/**
 * A real redis-server for tests (Debian's package; `.ci/run` installs it): started on a free
 * local port with persistence off (`--save '' --appendonly no`), stopped, and restarted on the
 * same port to simulate an outage, or frozen (SIGSTOP) to simulate a Redis that accepts commands
 * and never answers. Set REDIS_SERVER to use another binary.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** A running (or stopped) redis-server. */
export interface TestRedisServer {
  /** Always 127.0.0.1. */
  readonly host: string;
  /** The port, kept across restarts. */
  readonly port: number;
  /** Whether the process is running. */
  readonly running: boolean;
  /** Stops the process (SIGTERM, no save); resolves when it has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (data is gone: persistence is off). */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /**
   * Stops the process without ending it (SIGSTOP): connections stay open and commands get no reply
   * until thaw(). (CLIENT PAUSE cannot stand in: Redis 7.0 also holds the CLIENT UNPAUSE that
   * would end it.)
   */
  freeze(): void;
  /** Lets a frozen process run again (SIGCONT). */
  thaw(): void;
}

/** A port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function launch(port: number): Promise<ChildProcess> {
  const binary = process.env.REDIS_SERVER ?? 'redis-server';
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (d: Buffer) => {
      output += d;
      if (output.includes('Ready to accept connections')) {
        child.stdout!.off('data', onData);
        child.stdout!.resume();
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (output += d));
    child.once('error', (err) => reject(new Error(`Cannot start ${binary}: ${err.message}`)));
    child.once('exit', (code) => reject(new Error(`${binary} exited with code ${code}:\n${output}`)));
  });
}

class RedisProcess implements TestRedisServer {
  readonly host = '127.0.0.1';
  readonly port: number;
  private child: ChildProcess | null;

  constructor(port: number, child: ChildProcess) {
    this.port = port;
    this.child = child;
  }

  get running(): boolean {
    return this.child !== null && this.child.exitCode === null;
  }

  stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child === null || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGCONT');
      child.kill('SIGTERM');
    });
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.child = await launch(this.port);
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  freeze(): void {
    this.child?.kill('SIGSTOP');
  }

  thaw(): void {
    this.child?.kill('SIGCONT');
  }
}

/** Starts a redis-server on a free port (retrying once if the port was taken meanwhile). */
export async function startRedisServer(): Promise<TestRedisServer> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    try {
      return new RedisProcess(port, await launch(port));
    } catch (err) {
      lastError = err;
    }
  }
  throw lastError;
}
