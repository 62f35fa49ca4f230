import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { ManualTimers, type TimerTarget } from '../../../src/common/timer.js';

/** Records the clock time of each firing. */
class Recorder implements TimerTarget {
  readonly firedAtNs: number[] = [];
  constructor(
    private readonly clock: ManualClock,
    readonly onFire: () => unknown = () => {},
  ) {}
  onTimer(): void {
    this.firedAtNs.push(this.clock.nowNs());
    this.onFire();
  }
}

describe('ManualTimers (the batcher timer used by tests)', () => {
  it('ManualTimers fires each armed timer at its own deadline in deadline order', () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const order: string[] = [];
    const a = new Recorder(clock, () => order.push('a'));
    const b = new Recorder(clock, () => order.push('b'));
    const ta = timers.factory(clock, a);
    const tb = timers.factory(clock, b);
    ta.armAt(300_000);
    tb.armAt(100_000);
    timers.advanceUs(1000);
    expect(order).toEqual(['b', 'a']);
    expect(a.firedAtNs).toEqual([300_000]);
    expect(b.firedAtNs).toEqual([100_000]);
    expect(clock.nowNs()).toBe(1_000_000);
    expect(ta.deadlineNs).toBe(0);
  });

  it('ManualTimers replaces the deadline when a timer is re-armed and skips a cancelled timer', () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    const r = new Recorder(clock);
    const timer = timers.factory(clock, r);
    timer.armAt(100_000);
    timer.armAt(50_000);
    timers.advanceUs(60);
    expect(r.firedAtNs).toEqual([50_000]);
    timer.armAt(200_000);
    timer.cancel();
    timers.advanceUs(1000);
    expect(r.firedAtNs).toEqual([50_000]);
    expect(timers.nextDeadlineNs).toBe(0);
  });

  it('ManualTimers fires a timer re-armed from its own callback within the same advance', () => {
    const clock = new ManualClock(0);
    const timers = new ManualTimers(clock);
    let timer = timers.factory(clock, { onTimer: () => {} });
    const r = new Recorder(clock, () => {
      if (r.firedAtNs.length < 3) timer.armAt(clock.nowNs() + 10_000);
    });
    timer = timers.factory(clock, r);
    timer.armAt(10_000);
    timers.advanceUs(100);
    expect(r.firedAtNs).toEqual([10_000, 20_000, 30_000]);
  });
});
