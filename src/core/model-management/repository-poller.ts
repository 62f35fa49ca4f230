/**
 * The timer loop of `--model-control-mode=poll`: every `--repository-poll-secs` it asks its
 * target to poll the repositories, never starting a poll while the previous one runs (a slow
 * load delays the next poll instead of overlapping it). What a poll does is the target's
 * business (ModelManager.poll); this file only keeps time. One Timer, injected for tests.
 */
import type { Clock, Logger } from '../../common/index.js';
import { realTimerFactory, type Timer, type TimerFactory, type TimerTarget } from '../../common/index.js';

/** What the poller drives. */
export interface PollTarget {
  /** Reads the repositories and applies what changed; rejects are logged, not fatal. */
  poll(): Promise<void>;
}

/** Options of a RepositoryPoller. */
export interface RepositoryPollerOptions {
  /** Seconds between the end of one poll and the start of the next; 0 disables polling. */
  intervalSecs: number;
  /** Time source. */
  clock: Clock;
  /** Server log, for failed polls. */
  logger: Logger;
  /** Makes the poller's one timer; default setTimeout-based. */
  timerFactory?: TimerFactory;
}

/** Calls `target.poll()` periodically. */
export class RepositoryPoller implements TimerTarget {
  private readonly target: PollTarget;
  private readonly intervalNs: number;
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly timer: Timer;
  private running: Promise<void> | null = null;
  private stopped = true;
  /** Number of polls started so far. */
  pollCount = 0;

  constructor(target: PollTarget, options: RepositoryPollerOptions) {
    this.target = target;
    this.intervalNs = options.intervalSecs * 1e9;
    this.clock = options.clock;
    this.logger = options.logger;
    this.timer = (options.timerFactory ?? realTimerFactory)(options.clock, this);
  }

  /** Starts polling (the first poll comes one interval from now); a no-op when the interval is 0. */
  start(): void {
    if (this.intervalNs <= 0 || !this.stopped) return;
    this.stopped = false;
    this.timer.armAt(this.clock.nowNs() + this.intervalNs);
  }

  /** Stops polling; resolves once a poll in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.timer.cancel();
    await this.running;
  }

  /** The poll in progress, or null. */
  get inProgress(): Promise<void> | null {
    return this.running;
  }

  onTimer(): void {
    if (this.stopped || this.running !== null) return;
    this.pollCount++;
    this.running = this.target
      .poll()
      .catch((err: unknown) => {
        this.logger.logError(`Repository poll failed: ${(err as Error).message}`);
      })
      .finally(() => {
        this.running = null;
        if (!this.stopped) this.timer.armAt(this.clock.nowNs() + this.intervalNs);
      });
  }
}
