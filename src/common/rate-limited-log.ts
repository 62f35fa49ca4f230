/**
 * A warning line that prints at most once per interval, so an outage of a remote cache (thousands
 * of failed lookups a second) leaves a handful of log lines that say how many were suppressed.
 * It only throttles; callers decide what to say.
 */
import type { Clock } from './clock.js';
import type { Logger } from './logger.js';

/** Throttled warnings for one concern. */
export class RateLimitedLog {
  /** Warnings printed so far. */
  printed: number;
  /** Warnings dropped since the last printed one. */
  suppressed: number;
  private readonly logger: Logger;
  private readonly clock: Clock;
  private readonly intervalNs: number;
  private nextAtNs: number;

  /** @param intervalMs shortest time between two printed lines, in ms */
  constructor(logger: Logger, clock: Clock, intervalMs: number) {
    this.logger = logger;
    this.clock = clock;
    this.intervalNs = intervalMs * 1e6;
    this.nextAtNs = Number.NEGATIVE_INFINITY;
    this.printed = 0;
    this.suppressed = 0;
  }

  /** Prints `message` as a warning unless one was printed less than an interval ago. */
  warn(message: string): void {
    const now = this.clock.nowNs();
    if (now < this.nextAtNs) {
      this.suppressed++;
      return;
    }
    const note = this.suppressed > 0 ? ` (${this.suppressed} similar warnings suppressed)` : '';
    this.suppressed = 0;
    this.nextAtNs = now + this.intervalNs;
    this.printed++;
    this.logger.logWarning(`${message}${note}`);
  }
}
