/**
 * Steady, verified load on a `simple`-like model (OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 -
 * INPUT1) through the project's own HTTP client: `slots` closed loops,
 * each paced to one request every `intervalMs`, each request one of `variants` input pairs (so a
 * shared response cache sees repeats) and each answer checked element by element (OUTPUT0 = sum,
 * OUTPUT1 = difference). It counts, it does not retry: a failure here is one a user would see.
 * Phases are read with `take()`, which returns what happened since the previous call.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { HttpClient, tensor } from '../../src/client/index.js';

/** Options of SteadyLoad. */
export interface SteadyLoadOptions {
  /** Base URL, e.g. the balancer's `http://127.0.0.1:PORT`. */
  url: string;
  /** A model with `simple`'s inputs and outputs; default `simple`. */
  model?: string;
  /** Concurrent closed loops (also the client's connection count); default 8. */
  slots?: number;
  /** Time between two request starts of one slot, ms; default 20 (8 slots: ~400 requests/s). */
  intervalMs?: number;
  /** Distinct input pairs; default 256. */
  variants?: number;
  /** Per-request timeout, ms; default 10000. */
  timeoutMs?: number;
}

/** What the load saw during one phase. */
export interface LoadPhase {
  /** Answers received and verified. */
  readonly ok: number;
  /** Requests that failed (error, timeout or a wrong answer). */
  readonly failed: number;
  /** The first few failure messages. */
  readonly errors: readonly string[];
  /** Latency percentiles of verified answers, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  /** Verified answers per second over the phase. */
  readonly perSecond: number;
  /** Phase length, s. */
  readonly seconds: number;
}

/** The inputs of variant `v`: INPUT0 = v..v+15, INPUT1 = 3v - i. */
export function variantInputs(v: number): { a: Int32Array; b: Int32Array } {
  const a = new Int32Array(16);
  const b = new Int32Array(16);
  for (let i = 0; i < 16; i++) {
    a[i] = v + i;
    b[i] = 3 * v - i;
  }
  return { a, b };
}

/** A running load; stop() ends it and waits for the requests in flight. */
export class SteadyLoad {
  private readonly client: HttpClient;
  private readonly slots: number;
  private readonly intervalMs: number;
  private variants: number;
  private readonly model: string;
  private running = true;
  private loops: Promise<void>[] = [];
  private ok = 0;
  private failed = 0;
  private errors: string[] = [];
  private latenciesMs: number[] = [];
  private phaseStartMs = performance.now();

  constructor(options: SteadyLoadOptions) {
    this.slots = options.slots ?? 8;
    this.intervalMs = options.intervalMs ?? 20;
    this.variants = options.variants ?? 256;
    this.model = options.model ?? 'simple';
    this.client = new HttpClient(options.url, {
      connections: this.slots,
      timeoutMs: options.timeoutMs ?? 10_000,
    });
  }

  /** Starts the loops. */
  start(): this {
    for (let s = 0; s < this.slots; s++) this.loops.push(this.loop(s));
    return this;
  }

  /**
   * Draws inputs from `n` variants from now on: many make most answers computed (requests stay
   * in the server for the batching window), few make most of them cache hits.
   */
  useVariants(n: number): void {
    this.variants = n;
  }

  /** What happened since the previous take() (or start), and starts a new phase. */
  take(): LoadPhase {
    const now = performance.now();
    const sorted = this.latenciesMs.sort((x, y) => x - y);
    const at = (q: number) =>
      sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
    const seconds = (now - this.phaseStartMs) / 1000;
    const phase: LoadPhase = {
      ok: this.ok,
      failed: this.failed,
      errors: this.errors,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: sorted.at(-1) ?? 0,
      perSecond: this.ok / seconds,
      seconds,
    };
    this.ok = 0;
    this.failed = 0;
    this.errors = [];
    this.latenciesMs = [];
    this.phaseStartMs = now;
    return phase;
  }

  /** Stops sending, waits for the requests in flight and closes the client. */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
    await this.client.close();
  }

  private async loop(slot: number): Promise<void> {
    // Slots start spread over one interval, so requests do not leave in bursts.
    let next = performance.now() + (this.intervalMs * slot) / this.slots;
    let n = slot;
    while (this.running) {
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
      next += this.intervalMs;
      n = (n * 1103515245 + 12345) >>> 0;
      await this.one(n % this.variants);
    }
  }

  private async one(v: number): Promise<void> {
    const { a, b } = variantInputs(v);
    const started = performance.now();
    try {
      const result = await this.client.infer(this.model, [
        tensor('INPUT0', 'INT32', [1, 16], a),
        tensor('INPUT1', 'INT32', [1, 16], b),
      ]);
      const sum = result.output<Int32Array>('OUTPUT0');
      const diff = result.output<Int32Array>('OUTPUT1');
      for (let i = 0; i < 16; i++) {
        if (sum[i] !== a[i]! + b[i]! || diff[i] !== a[i]! - b[i]!) {
          throw new Error(`Wrong answer for variant ${v} at element ${i}: ${sum[i]}, ${diff[i]}`);
        }
      }
      this.ok++;
      this.latenciesMs.push(performance.now() - started);
    } catch (err) {
      this.failed++;
      if (this.errors.length < 5) this.errors.push((err as Error).message);
    }
  }
}
