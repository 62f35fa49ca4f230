/**
 * Unit: RepositoryPoller keeps time with one injected timer: the first poll one interval after
 * start, the next one interval after the previous finished (never overlapping), none when the
 * interval is 0 or after stop.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { silentLogger } from '../../../src/common/logger.js';
import { ManualTimers } from '../../../src/common/timer.js';
import { RepositoryPoller } from '../../../src/core/model-management/index.js';

function setup(intervalSecs: number) {
  const timers = new ManualTimers(new ManualClock());
  const finish: (() => void)[] = [];
  const target = {
    polls: 0,
    poll(): Promise<void> {
      target.polls++;
      return new Promise<void>((r) => finish.push(r));
    },
  };
  const poller = new RepositoryPoller(target, {
    intervalSecs,
    clock: timers.clock,
    logger: silentLogger,
    timerFactory: timers.factory,
  });
  return { timers, target, poller, finish };
}

describe('RepositoryPoller', () => {
  it('polls one interval after start and again one interval after each poll finished', async () => {
    const { timers, target, poller, finish } = setup(2);
    poller.start();
    timers.advanceUs(1_999_999);
    expect(target.polls).toBe(0);
    timers.advanceUs(1);
    expect(target.polls).toBe(1);
    timers.advanceUs(10_000_000);
    expect(target.polls).toBe(1); // the first poll still runs: no overlap, no re-arm yet
    finish.shift()!();
    await poller.inProgress;
    timers.advanceUs(1_999_999);
    expect(target.polls).toBe(1);
    timers.advanceUs(1);
    expect(target.polls).toBe(2);
    finish.shift()!();
    await poller.stop();
    timers.advanceUs(10_000_000);
    expect(target.polls).toBe(2);
  });

  it('never polls with an interval of 0 and survives a failing poll', async () => {
    const idle = setup(0);
    idle.poller.start();
    idle.timers.advanceUs(100_000_000);
    expect(idle.target.polls).toBe(0);

    const timers = new ManualTimers(new ManualClock());
    let calls = 0;
    const poller = new RepositoryPoller(
      { poll: () => (++calls === 1 ? Promise.reject(new Error('disk gone')) : Promise.resolve()) },
      { intervalSecs: 1, clock: timers.clock, logger: silentLogger, timerFactory: timers.factory },
    );
    poller.start();
    timers.advanceUs(1_000_000);
    await poller.inProgress;
    timers.advanceUs(1_000_000);
    expect(calls).toBe(2);
    await poller.stop();
  });
});
