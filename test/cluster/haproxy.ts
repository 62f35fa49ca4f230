/**
 * A real HAProxy (Debian's `haproxy`; `.ci/run` installs it) in front of Nereid replicas on
 * loopback: round robin, a health check on `GET /v2/health/ready` every `checkIntervalMs`, and
 * retries on another replica when a connection is refused or closed before any answer (what a
 * replica that stopped listening, or was killed, does). It also serves its stats as CSV, which
 * the cluster test reads for each replica's state and the balancer's retry counts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../helpers/redis-server.js';

/** Options of startHaproxy. */
export interface HaproxyOptions {
  /** HTTP ports of the replicas on 127.0.0.1, in server order (`r0`, `r1`, ...). */
  replicaPorts: readonly number[];
  /** Health-check period, ms; default 200. */
  checkIntervalMs?: number;
}

/** One server row of the stats. */
export interface HaproxyServerStats {
  /** `r0`, `r1`, ... */
  readonly name: string;
  /** `UP`, `DOWN`, `UP 1/2`, `DOWN 1/2`, `MAINT`, ... */
  readonly status: string;
  /** Requests (sessions) in flight on it now. */
  readonly current: number;
  /** Sessions it received in total. */
  readonly total: number;
  /** Connection errors, retries and redispatches counted against it. */
  readonly connectionErrors: number;
  readonly retries: number;
  readonly redispatches: number;
}

/** A running HAProxy. */
export interface Haproxy {
  /** The balancer's base URL. */
  readonly url: string;
  /** The server rows of the stats. */
  servers(): Promise<HaproxyServerStats[]>;
  /** Resolves once server `name` has status exactly `status` (`UP`, `DOWN`). */
  waitFor(name: string, status: string, timeoutMs?: number): Promise<void>;
  /** Stops the process and removes its files. */
  stop(): Promise<void>;
}

/** The configuration: Nereid's readiness as the health check, retries on a replica that went away. */
export function haproxyConfig(frontendPort: number, statsPort: number, options: HaproxyOptions): string {
  const interval = options.checkIntervalMs ?? 200;
  const servers = options.replicaPorts.map((port, i) => `  server r${i} 127.0.0.1:${port} check`);
  return `global
  maxconn 4096

defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout http-keep-alive 10s
  # A replica that refuses the connection (stopped listening) or closes it before answering
  # (killed, or closing an idle keep-alive connection while draining): try another replica.
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response

frontend nereid
  bind 127.0.0.1:${frontendPort}
  default_backend replicas

backend replicas
  balance roundrobin
  option httpchk GET /v2/health/ready
  http-check expect status 200
  default-server inter ${interval}ms fall 2 rise 2
${servers.join('\n')}

listen stats
  bind 127.0.0.1:${statsPort}
  stats enable
  stats uri /stats
`;
}

/** Starts HAProxy on free loopback ports; resolves once its stats answer. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const dir = mkdtempSync(join(tmpdir(), 'nereid-haproxy-'));
  const port = await freePort();
  const statsPort = await freePort();
  const configFile = join(dir, 'haproxy.cfg');
  writeFileSync(configFile, haproxyConfig(port, statsPort, options));
  const binary = process.env.HAPROXY ?? 'haproxy';
  // -db: stay in the foreground, one process to stop.
  const child: ChildProcess = spawn(binary, ['-db', '-f', configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('error', (err) => (output += `Cannot start ${binary}: ${err.message}`));
  const statsUrl = `http://127.0.0.1:${statsPort}/stats;csv`;
  const proxy: Haproxy = {
    url: `http://127.0.0.1:${port}`,
    async servers() {
      const res = await fetch(statsUrl);
      return parseServerRows(await res.text());
    },
    async waitFor(name, status, timeoutMs = 30_000) {
      const deadline = performance.now() + timeoutMs;
      let last = '';
      while (performance.now() < deadline) {
        last = (await proxy.servers()).find((s) => s.name === name)?.status ?? 'absent';
        if (last === status) return;
        await sleep(50);
      }
      throw new Error(`HAProxy server ${name} is '${last}' after ${timeoutMs} ms, not '${status}'`);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`HAProxy exited with ${child.exitCode}:\n${output}`);
    try {
      await proxy.servers();
      return proxy;
    } catch (err) {
      if (i >= 100) throw new Error(`HAProxy stats did not answer: ${(err as Error).message}\n${output}`);
      await sleep(50);
    }
  }
}

/** The `r*` server rows of HAProxy's stats CSV. */
export function parseServerRows(csv: string): HaproxyServerStats[] {
  const lines = csv.trim().split('\n');
  const header = lines[0]!.replace(/^# /, '').split(',');
  const col = (row: string[], name: string) => row[header.indexOf(name)] ?? '';
  const rows: HaproxyServerStats[] = [];
  for (const line of lines.slice(1)) {
    const row = line.split(',');
    if (col(row, 'pxname') !== 'replicas' || !/^r\d+$/.test(col(row, 'svname'))) continue;
    rows.push({
      name: col(row, 'svname'),
      status: col(row, 'status'),
      current: Number(col(row, 'scur')),
      total: Number(col(row, 'stot')),
      connectionErrors: Number(col(row, 'econ')),
      retries: Number(col(row, 'wretr')),
      redispatches: Number(col(row, 'wredis')),
    });
  }
  return rows;
}
