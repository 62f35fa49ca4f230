/**
 * One load-generator thread: keeps `connections` requests in flight (each connection sends its
 * next request when the previous answer has arrived) against one URL for a fixed time and
 * reports per-request latencies and its own event-loop utilisation (near 1 = the client is the
 * bottleneck). Started by load-generator.ts; never imported by the server.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { Pool } from 'undici';
import { encodeRawRequest, type RawConnectionListener, RawHttpConnection } from './raw-http-connection.js';

/** What the parent asks for. */
export interface LoadJob {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: Uint8Array;
  connections: number;
  /** `raw`: the lean hand-written HTTP/1.1 connection; `undici`: undici's Pool. */
  client: 'raw' | 'undici';
  warmupMs: number;
  durationMs: number;
}

/** What a worker reports. */
export interface LoadReport {
  latenciesUs: Float64Array;
  count: number;
  /** Requests completed including the warm-up (for CPU per request over the whole run). */
  total: number;
  errors: number;
  elapsedMs: number;
  eventLoopUtilization: number;
  firstError: string;
}

/** Raw-socket closed loops: one RawHttpConnection per connection, latencies per answer. */
class RawLoad implements RawConnectionListener {
  latencies = new Float64Array(1 << 16);
  count = 0;
  total = 0;
  errors = 0;
  firstError = '';
  private readonly sentAt = new Map<RawHttpConnection, number>();
  private open = 0;
  private elu0 = performance.eventLoopUtilization();
  private eluMarked = false;
  private resolveDone: () => void = () => {};
  readonly done = new Promise<void>((resolve) => {
    this.resolveDone = resolve;
  });

  constructor(
    job: LoadJob,
    private readonly measureFrom: number,
    private readonly end: number,
  ) {
    const url = new URL(job.origin);
    const request = encodeRawRequest(url.host, job.path, job.headers, job.body);
    for (let i = 0; i < job.connections; i++) {
      const c = new RawHttpConnection(Number(url.port), url.hostname, request, this);
      this.open++;
      this.sentAt.set(c, performance.now());
      c.send();
    }
  }

  /** Event-loop utilisation since the measured window began. */
  utilization(): number {
    return performance.eventLoopUtilization(this.elu0).utilization;
  }

  onAnswer(connection: RawHttpConnection, status: number, error: string): void {
    const t1 = performance.now();
    const t0 = this.sentAt.get(connection)!;
    this.total++;
    if (status !== 200) {
      this.errors++;
      if (this.firstError === '') this.firstError = error !== '' ? error : `HTTP ${status}`;
    }
    if (!this.eluMarked && t1 >= this.measureFrom) {
      this.eluMarked = true;
      this.elu0 = performance.eventLoopUtilization();
    }
    if (t0 >= this.measureFrom && t1 <= this.end) {
      if (this.count === this.latencies.length) {
        const next = new Float64Array(this.latencies.length * 2);
        next.set(this.latencies);
        this.latencies = next;
      }
      this.latencies[this.count++] = (t1 - t0) * 1000;
    }
    if (t1 >= this.end || status === 0) {
      connection.close();
      if (--this.open === 0) this.resolveDone();
      return;
    }
    this.sentAt.set(connection, t1);
    connection.send();
  }
}

async function runRaw(job: LoadJob): Promise<LoadReport> {
  const start = performance.now();
  const load = new RawLoad(job, start + job.warmupMs, start + job.warmupMs + job.durationMs);
  await load.done;
  return {
    latenciesUs: load.latencies.slice(0, load.count),
    count: load.count,
    total: load.total,
    errors: load.errors,
    elapsedMs: job.durationMs,
    eventLoopUtilization: load.utilization(),
    firstError: load.firstError,
  };
}

async function run(job: LoadJob): Promise<LoadReport> {
  if (job.client === 'raw') return runRaw(job);
  const pool = new Pool(job.origin, {
    connections: job.connections,
    pipelining: 1,
    keepAliveTimeout: 60_000,
  });
  const body = Buffer.from(job.body);
  const start = performance.now();
  const measureFrom = start + job.warmupMs;
  const end = measureFrom + job.durationMs;
  let capacity = 1 << 16;
  let latencies = new Float64Array(capacity);
  let count = 0;
  let total = 0;
  let errors = 0;
  let firstError = '';
  let elu0 = performance.eventLoopUtilization();
  let eluMarked = false;
  const loop = async () => {
    for (;;) {
      const t0 = performance.now();
      if (t0 >= end) return;
      if (!eluMarked && t0 >= measureFrom) {
        eluMarked = true;
        elu0 = performance.eventLoopUtilization();
      }
      try {
        const res = await pool.request({ path: job.path, method: 'POST', headers: job.headers, body });
        await res.body.arrayBuffer();
        if (res.statusCode !== 200) {
          errors++;
          if (firstError === '') firstError = `HTTP ${res.statusCode}`;
        }
      } catch (err) {
        errors++;
        if (firstError === '') firstError = String(err);
      }
      const t1 = performance.now();
      total++;
      if (t0 >= measureFrom && t1 <= end) {
        if (count === capacity) {
          capacity *= 2;
          const next = new Float64Array(capacity);
          next.set(latencies);
          latencies = next;
        }
        latencies[count++] = (t1 - t0) * 1000;
      }
    }
  };
  await Promise.all(Array.from({ length: job.connections }, loop));
  const elu = performance.eventLoopUtilization(elu0);
  await pool.close();
  return {
    latenciesUs: latencies.slice(0, count),
    count,
    total,
    errors,
    elapsedMs: job.durationMs,
    eventLoopUtilization: elu.utilization,
    firstError,
  };
}

parentPort!.once('message', (job: LoadJob) => {
  void run(job).then((report) => parentPort!.postMessage(report, [report.latenciesUs.buffer as ArrayBuffer]));
});
