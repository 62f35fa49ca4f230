/**
 * Injectable one-shot timers with a single re-armable deadline, read on a Clock. Schedulers keep
 * one Timer each (never one per request) and re-arm it to their next deadline. RealTimer waits
 * with setTimeout; ManualTimers fires timers only when a test advances its ManualClock, so tests
 * never sleep. This file does not decide what a deadline means; the owner's `onTimer` does.
 */
import type { Clock, ManualClock } from './clock.js';

/** The object told when a timer fires (a handler object, so no closure is made per arm). */
export interface TimerTarget {
  /** The armed deadline was reached; the timer is disarmed when this runs. */
  onTimer(): void;
}

/** One re-armable timeout. */
export interface Timer {
  /** The armed deadline in ns on the owner's clock; 0 when disarmed. */
  readonly deadlineNs: number;
  /** Arms the timer for `deadlineNs` (clock ns), replacing any earlier arming. */
  armAt(deadlineNs: number): void;
  /** Disarms the timer; a no-op when disarmed. */
  cancel(): void;
}

/** Creates the timer of one owner. */
export type TimerFactory = (clock: Clock, target: TimerTarget) => Timer;

/** A Timer on setTimeout: millisecond granularity, never fires before its deadline. */
export class RealTimer implements Timer {
  deadlineNs = 0;
  private readonly clock: Clock;
  private readonly target: TimerTarget;
  private handle: NodeJS.Timeout | null = null;

  constructor(clock: Clock, target: TimerTarget) {
    this.clock = clock;
    this.target = target;
  }

  armAt(deadlineNs: number): void {
    if (deadlineNs === this.deadlineNs && this.handle !== null) return;
    this.clearHandle();
    this.deadlineNs = deadlineNs;
    this.schedule();
  }

  cancel(): void {
    this.clearHandle();
    this.deadlineNs = 0;
  }

  private schedule(): void {
    const remainingMs = (this.deadlineNs - this.clock.nowNs()) / 1e6;
    this.handle = setTimeout(this.fire, remainingMs <= 0 ? 0 : Math.ceil(remainingMs));
  }

  private clearHandle(): void {
    if (this.handle === null) return;
    clearTimeout(this.handle);
    this.handle = null;
  }

  private readonly fire = (): void => {
    this.handle = null;
    // setTimeout may wake a little early against a sub-millisecond deadline: wait the rest.
    if (this.clock.nowNs() < this.deadlineNs) {
      this.schedule();
      return;
    }
    this.deadlineNs = 0;
    this.target.onTimer();
  };
}

/** The default TimerFactory: RealTimer. */
export const realTimerFactory: TimerFactory = (clock, target) => new RealTimer(clock, target);

/** Bound on fires in one advance, to turn a timer that re-arms in the past into an error. */
const MAX_FIRES_PER_ADVANCE = 100_000;

/** A Timer owned by ManualTimers; fires only from ManualTimers.advanceUs / runDue. */
class ManualTimer implements Timer {
  deadlineNs = 0;
  /** Order of arming, so timers due at the same instant fire in arming order. */
  armedSeq = 0;
  readonly target: TimerTarget;
  private readonly host: ManualTimers;

  constructor(host: ManualTimers, target: TimerTarget) {
    this.host = host;
    this.target = target;
  }

  armAt(deadlineNs: number): void {
    this.deadlineNs = deadlineNs;
    this.armedSeq = this.host.nextSeq();
  }

  cancel(): void {
    this.deadlineNs = 0;
  }
}

/**
 * Timers driven by a ManualClock, for tests: `advanceUs` moves the clock forward and fires every
 * timer whose deadline is reached, in deadline order, each at its own instant.
 */
export class ManualTimers {
  /** The clock these timers read and move. */
  readonly clock: ManualClock;
  /** Bound factory to hand to the code under test. */
  readonly factory: TimerFactory;
  private readonly timers: ManualTimer[] = [];
  private seq = 0;

  constructor(clock: ManualClock) {
    this.clock = clock;
    this.factory = (_clock, target) => {
      const timer = new ManualTimer(this, target);
      this.timers.push(timer);
      return timer;
    };
  }

  /** @internal arming counter */
  nextSeq(): number {
    return ++this.seq;
  }

  /** The earliest armed deadline in ns, or 0 when none is armed. */
  get nextDeadlineNs(): number {
    const t = this.earliest(Number.POSITIVE_INFINITY);
    return t === null ? 0 : t.deadlineNs;
  }

  /** Moves the clock forward by `us` microseconds, firing due timers at their deadlines. */
  advanceUs(us: number): void {
    const endNs = this.clock.ns + us * 1000;
    for (let fired = 0; ; fired++) {
      const t = this.earliest(endNs);
      if (t === null) break;
      if (fired >= MAX_FIRES_PER_ADVANCE) {
        throw new Error(
          `ManualTimers fired ${fired} times in one advance: a timer keeps re-arming in the past`,
        );
      }
      if (t.deadlineNs > this.clock.ns) this.clock.ns = t.deadlineNs;
      t.deadlineNs = 0;
      t.target.onTimer();
    }
    this.clock.ns = endNs;
  }

  /** Fires every timer already due at the current time. */
  runDue(): void {
    this.advanceUs(0);
  }

  private earliest(limitNs: number): ManualTimer | null {
    let best: ManualTimer | null = null;
    for (const t of this.timers) {
      if (t.deadlineNs === 0 || t.deadlineNs > limitNs) continue;
      if (
        best === null ||
        t.deadlineNs < best.deadlineNs ||
        (t.deadlineNs === best.deadlineNs && t.armedSeq < best.armedSeq)
      )
        best = t;
    }
    return best;
  }
}
