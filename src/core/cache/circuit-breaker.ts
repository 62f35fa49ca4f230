/**
 * A circuit breaker for a remote store: after `failureThreshold` consecutive failures it opens
 * and refuses calls for a cool-down (doubling on every failed probe up to a ceiling); then it lets
 * one probe call through (half-open) and closes again when that succeeds. It only counts and
 * decides; callers report outcomes and skip the store while it is open.
 */
import type { Clock } from '../../common/index.js';

/** Breaker states; hot code compares integers. */
export const BreakerState = {
  CLOSED: 0,
  HALF_OPEN: 1,
  OPEN: 2,
} as const;

/** Options of a CircuitBreaker. */
export interface CircuitBreakerOptions {
  /** Consecutive failures that open the breaker; default 3. */
  failureThreshold?: number;
  /** First cool-down in ms; default 200. */
  cooldownMs?: number;
  /** Longest cool-down in ms; default 5000. */
  maxCooldownMs?: number;
}

/** Decides whether a call to the remote store may be made now. */
export class CircuitBreaker {
  /** Current state (BreakerState). */
  state: number;
  /** Times the breaker opened since it was created. */
  openings: number;
  private readonly clock: Clock;
  private readonly failureThreshold: number;
  private readonly baseCooldownNs: number;
  private readonly maxCooldownNs: number;
  private failures: number;
  private cooldownNs: number;
  private reopenAtNs: number;
  private probing: boolean;

  constructor(clock: Clock, options: CircuitBreakerOptions = {}) {
    this.clock = clock;
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 3);
    this.baseCooldownNs = (options.cooldownMs ?? 200) * 1e6;
    this.maxCooldownNs = Math.max(this.baseCooldownNs, (options.maxCooldownMs ?? 5000) * 1e6);
    this.state = BreakerState.CLOSED;
    this.openings = 0;
    this.failures = 0;
    this.cooldownNs = this.baseCooldownNs;
    this.reopenAtNs = 0;
    this.probing = false;
  }

  /** Whether a call may be made now; in the half-open state only one probe at a time is allowed. */
  allow(): boolean {
    if (this.state === BreakerState.CLOSED) return true;
    if (this.state === BreakerState.OPEN) {
      if (this.clock.nowNs() < this.reopenAtNs) return false;
      this.state = BreakerState.HALF_OPEN;
      this.probing = false;
    }
    if (this.probing) return false;
    this.probing = true;
    return true;
  }

  /** A call succeeded: the breaker closes and the cool-down resets. */
  onSuccess(): void {
    this.failures = 0;
    this.probing = false;
    this.cooldownNs = this.baseCooldownNs;
    this.state = BreakerState.CLOSED;
  }

  /** A call failed (error or timeout). Returns true when this failure opened the breaker. */
  onFailure(): boolean {
    this.failures++;
    if (this.state === BreakerState.HALF_OPEN) {
      this.probing = false;
      this.cooldownNs = Math.min(this.cooldownNs * 2, this.maxCooldownNs);
      this.open();
      return true;
    }
    if (this.state === BreakerState.CLOSED && this.failures >= this.failureThreshold) {
      this.open();
      return true;
    }
    return false;
  }

  private open(): void {
    this.state = BreakerState.OPEN;
    this.reopenAtNs = this.clock.nowNs() + this.cooldownNs;
    this.openings++;
  }
}
