/**
 * Per-worker accumulation of one measurement window: latencies of completed requests in a
 * growable Float64Array, counts, send time, schedule lag and the worker's event-loop
 * utilisation. `rotate()` hands the window over as a WindowSample and starts the next one.
 * It never talks to the coordinator; load-worker.ts posts what it returns.
 */
import { type EventLoopUtilization, performance } from 'node:perf_hooks';
import type { WindowSample } from './worker-protocol.js';

const INITIAL_CAPACITY = 4096;

/** The running window of one worker (see the file header). */
export class WindowRecorder {
  private latencies = new Float64Array(INITIAL_CAPACITY);
  private count = 0;
  private errors = 0;
  private firstError = '';
  private responses = 0;
  private sendUsTotal = 0;
  private sent = 0;
  private delayed = 0;
  private startMs: number;
  private elu: EventLoopUtilization;

  constructor() {
    this.startMs = performance.now();
    this.elu = performance.eventLoopUtilization();
  }

  /** Records a completed request: latency and send time in microseconds, responses received. */
  complete(latencyUs: number, sendUs: number, responses: number): void {
    if (this.count === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.count++] = latencyUs;
    this.sendUsTotal += sendUs;
    this.responses += responses;
  }

  /** Records a failed request. */
  fail(message: string, responses: number): void {
    this.errors++;
    this.responses += responses;
    if (this.firstError === '') this.firstError = message;
  }

  /** Records a sent request; `late` when it left more than 1 ms behind its schedule. */
  sentOne(late: boolean): void {
    this.sent++;
    if (late) this.delayed++;
  }

  /** Closes the window (with `inFlight` requests still open) and starts the next one. */
  rotate(inFlight: number): WindowSample {
    const now = performance.now();
    const elu = performance.eventLoopUtilization(this.elu);
    const sample: WindowSample = {
      count: this.count,
      errors: this.errors,
      firstError: this.firstError,
      responses: this.responses,
      latenciesUs: this.latencies.slice(0, this.count),
      sendUsTotal: this.sendUsTotal,
      durationMs: now - this.startMs,
      eluActiveMs: elu.active,
      eluUtilization: elu.utilization,
      sent: this.sent,
      delayed: this.delayed,
      inFlight,
    };
    this.count = 0;
    this.errors = 0;
    this.firstError = '';
    this.responses = 0;
    this.sendUsTotal = 0;
    this.sent = 0;
    this.delayed = 0;
    this.startMs = now;
    this.elu = performance.eventLoopUtilization();
    return sample;
  }
}
