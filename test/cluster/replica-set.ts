/**
 * Identical `nereid serve` processes on fixed loopback ports (a balancer's configuration names
 * them, so a restarted replica comes back on the same ports), sharing one Redis response cache.
 * Stops them the two ways Kubernetes does: SIGTERM (drain, then exit) and SIGKILL.
 */
import { HttpClient } from '../../src/client/index.js';
import { type CliServer, startCliServer } from '../helpers/cli-server.js';
import { freePort } from '../helpers/redis-server.js';

/** Options of ReplicaSet.start. */
export interface ReplicaSetOptions {
  /** How many replicas; default 3. */
  replicas?: number;
  /** The model repository every replica serves. */
  modelRepository: string;
  /** Redis of the shared response cache. */
  redisPort: number;
  /** `--exit-timeout-secs` of each replica; default 10. */
  exitTimeoutSecs?: number;
}

/** The ports of one replica. */
export interface ReplicaPorts {
  readonly http: number;
  readonly grpc: number;
  readonly metrics: number;
}

/** A set of replicas; index i is HAProxy's server `r<i>`. */
export class ReplicaSet {
  /** Ports of each replica, fixed for the life of the set. */
  readonly ports: readonly ReplicaPorts[];
  private readonly processes: (CliServer | null)[];
  private readonly args: (i: number) => string[];

  private constructor(ports: ReplicaPorts[], args: (i: number) => string[]) {
    this.ports = ports;
    this.args = args;
    this.processes = ports.map(() => null);
  }

  /** Picks free ports and starts every replica; resolves once all listen. */
  static async start(options: ReplicaSetOptions): Promise<ReplicaSet> {
    const ports: ReplicaPorts[] = [];
    for (let i = 0; i < (options.replicas ?? 3); i++) {
      ports.push({ http: await freePort(), grpc: await freePort(), metrics: await freePort() });
    }
    const set = new ReplicaSet(ports, (i) => [
      `--model-repository=${options.modelRepository}`,
      `--http-port=${ports[i]!.http}`,
      `--grpc-port=${ports[i]!.grpc}`,
      `--metrics-port=${ports[i]!.metrics}`,
      '--metrics-address=127.0.0.1',
      `--cache-config=redis,host=127.0.0.1,port=${options.redisPort}`,
      `--exit-timeout-secs=${options.exitTimeoutSecs ?? 10}`,
    ]);
    await Promise.all(ports.map((_, i) => set.startReplica(i)));
    return set;
  }

  /** The base URL of replica `i`. */
  url(i: number): string {
    return `http://127.0.0.1:${this.ports[i]!.http}`;
  }

  /** Starts replica `i` (after a stop); resolves once it listens and answers ready. */
  async startReplica(i: number): Promise<void> {
    if (this.processes[i] != null) throw new Error(`Replica ${i} is already running`);
    this.processes[i] = await startCliServer(this.args(i));
    const client = new HttpClient(this.url(i));
    try {
      if (!(await client.isServerReady())) throw new Error(`Replica ${i} listens but is not ready`);
    } finally {
      await client.close();
    }
  }

  /** SIGTERM to replica `i`; resolves with its exit code and how long it took to exit. */
  async terminate(i: number): Promise<{ code: number | null; exitMs: number }> {
    const replica = this.take(i);
    const started = performance.now();
    replica.child.kill('SIGTERM');
    const code = await replica.exited;
    return { code, exitMs: performance.now() - started };
  }

  /** SIGKILL to replica `i`; resolves once it is gone. */
  async kill(i: number): Promise<void> {
    await this.take(i).kill();
  }

  /** The text of replica `i`'s Prometheus metrics. */
  async metrics(i: number): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.ports[i]!.metrics}/metrics`);
    return res.text();
  }

  /** Kills every replica still running. */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((p, i) => (p === null ? null : this.kill(i))));
  }

  private take(i: number): CliServer {
    const replica = this.processes[i];
    if (replica == null) throw new Error(`Replica ${i} is not running`);
    this.processes[i] = null;
    return replica;
  }
}
