/**
 * PendingLookups on ManualTimers: a lookup without a reply by its deadline is served as a miss, a
 * reply after that is ignored, replies in time pass through, and all lookups share one timer.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { ManualTimers } from '../../../src/common/timer.js';
import {
  buildEntry,
  type CacheEntry,
  type LookupOwner,
  PendingLookups,
} from '../../../src/core/cache/index.js';

class Owner implements LookupOwner {
  readonly failures: string[] = [];
  replies = 0;
  onLookupReply(reply: Buffer | null): CacheEntry | null {
    this.replies++;
    return reply === null ? null : buildEntry([{ outputs: null, parameters: null, final: true }]);
  }
  onLookupFailure(reason: string): void {
    this.failures.push(reason);
  }
}

function setup() {
  const clock = new ManualClock();
  const timers = new ManualTimers(clock);
  const owner = new Owner();
  const pending = new PendingLookups(owner, clock, timers.factory, 100);
  return { clock, timers, owner, pending };
}

describe('PendingLookups', () => {
  it('PendingLookups serves a lookup with no reply by its deadline as a miss and ignores the late reply', async () => {
    const { timers, owner, pending } = setup();
    const op = pending.add();
    timers.advanceUs(99_000);
    expect(op.settled).toBe(false);
    timers.advanceUs(1_000);
    expect(await op.promise).toBeNull();
    expect(owner.failures).toEqual(['no reply within 100 ms']);
    op.settle(Buffer.from('late'));
    expect(owner.replies).toBe(0);
  });

  it('PendingLookups passes a reply that arrives in time to its owner', async () => {
    const { timers, owner, pending } = setup();
    const op = pending.add();
    timers.advanceUs(50_000);
    op.settle(Buffer.from('x'));
    expect(await op.promise).not.toBeNull();
    timers.advanceUs(100_000);
    expect(owner.failures).toEqual([]);
    expect(pending.size).toBe(0);
  });

  it('PendingLookups expires lookups in deadline order with one timer', async () => {
    const { timers, owner, pending } = setup();
    const first = pending.add();
    timers.advanceUs(40_000);
    const second = pending.add();
    const third = pending.add();
    third.settleError(new Error('boom'));
    expect(timers.nextDeadlineNs).toBe(100_000_000);
    timers.advanceUs(60_000);
    expect(first.settled).toBe(true);
    expect(second.settled).toBe(false);
    expect(timers.nextDeadlineNs).toBe(140_000_000);
    timers.advanceUs(40_000);
    expect(await second.promise).toBeNull();
    expect(owner.failures).toEqual(['boom', 'no reply within 100 ms', 'no reply within 100 ms']);
  });

  it('PendingLookups settles everything as a miss when closed', async () => {
    const { pending, owner } = setup();
    const op = pending.add();
    pending.close();
    expect(await op.promise).toBeNull();
    expect(owner.failures).toEqual(['cache closed']);
  });
});
