/**
 * CircuitBreaker on a ManualClock: it opens after the threshold of consecutive failures, refuses
 * calls during the cool-down, lets one probe through after it, closes on success and doubles the
 * cool-down when the probe fails.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/common/clock.js';
import { BreakerState, CircuitBreaker } from '../../../src/core/cache/index.js';

function breaker() {
  const clock = new ManualClock();
  return {
    clock,
    b: new CircuitBreaker(clock, { failureThreshold: 2, cooldownMs: 100, maxCooldownMs: 300 }),
  };
}

describe('CircuitBreaker', () => {
  it('CircuitBreaker opens after the threshold of consecutive failures and refuses calls', () => {
    const { b } = breaker();
    expect(b.onFailure()).toBe(false);
    expect(b.allow()).toBe(true);
    expect(b.onFailure()).toBe(true);
    expect(b.state).toBe(BreakerState.OPEN);
    expect(b.allow()).toBe(false);
  });

  it('CircuitBreaker forgets failures after a success', () => {
    const { b } = breaker();
    b.onFailure();
    b.onSuccess();
    expect(b.onFailure()).toBe(false);
    expect(b.state).toBe(BreakerState.CLOSED);
  });

  it('CircuitBreaker lets exactly one probe through after the cool-down and closes when it succeeds', () => {
    const { clock, b } = breaker();
    b.onFailure();
    b.onFailure();
    clock.advanceUs(99_000);
    expect(b.allow()).toBe(false);
    clock.advanceUs(1_000);
    expect(b.allow()).toBe(true);
    expect(b.state).toBe(BreakerState.HALF_OPEN);
    expect(b.allow()).toBe(false);
    b.onSuccess();
    expect(b.state).toBe(BreakerState.CLOSED);
    expect(b.allow()).toBe(true);
  });

  it('CircuitBreaker doubles the cool-down when a probe fails, up to its ceiling', () => {
    const { clock, b } = breaker();
    b.onFailure();
    b.onFailure();
    const waits: number[] = [];
    for (let round = 0; round < 3; round++) {
      let waitedMs = 0;
      while (!b.allow()) {
        clock.advanceUs(10_000);
        waitedMs += 10;
      }
      waits.push(waitedMs);
      expect(b.onFailure()).toBe(true);
    }
    expect(waits).toEqual([100, 200, 300]);
    expect(b.openings).toBe(4);
  });
});
