/**
 * Triton's per-priority-level queue policy (ModelQueuePolicy) in resolved form, and the request
 * parameters it reads: `priority` (which level a request joins) and `timeout` (which may only
 * shorten the level's default timeout). Pure functions; the queue itself is priority-queue.ts.
 */
import type { DynamicBatching, Parameters, QueuePolicy } from '../protocol/index.js';

/** A ModelQueuePolicy after defaulting. */
export interface ResolvedQueuePolicy {
  /** true for timeout_action REJECT (answer UNAVAILABLE), false for DELAY (move to the back). */
  readonly rejectOnTimeout: boolean;
  /** default_timeout_microseconds; 0 = requests of this level never time out. */
  readonly defaultTimeoutUs: number;
  /** allow_timeout_override: a request's `timeout` parameter may shorten the default. */
  readonly allowTimeoutOverride: boolean;
  /** max_queue_size; 0 = unbounded. */
  readonly maxQueueSize: number;
}

/** Triton's default ModelQueuePolicy: REJECT, no timeout, no override, unbounded. */
export const DEFAULT_QUEUE_POLICY: ResolvedQueuePolicy = Object.freeze({
  rejectOnTimeout: true,
  defaultTimeoutUs: 0,
  allowTimeoutOverride: false,
  maxQueueSize: 0,
});

/** Resolves one config policy (undefined = Triton's default). */
export function resolveQueuePolicy(policy: QueuePolicy | undefined): ResolvedQueuePolicy {
  if (policy === undefined) return DEFAULT_QUEUE_POLICY;
  return Object.freeze({
    rejectOnTimeout: policy.timeout_action !== 'DELAY',
    defaultTimeoutUs: policy.default_timeout_microseconds,
    allowTimeoutOverride: policy.allow_timeout_override,
    maxQueueSize: policy.max_queue_size,
  });
}

/**
 * The policy of priority `level`: `priority_queue_policy[level]`, else `default_queue_policy`.
 * Level 0 is the single queue of a config with `priority_levels: 0`.
 */
export function policyForLevel(db: DynamicBatching, level: number): ResolvedQueuePolicy {
  const own = level > 0 ? db.priority_queue_policy[String(level)] : undefined;
  return resolveQueuePolicy(own ?? db.default_queue_policy);
}

/**
 * A non-negative integer request parameter (`priority`, `timeout`) as a number; 0 when absent or
 * not a non-negative integer (the frontends reject those before the core sees them).
 */
export function readUintParameter(parameters: Parameters, name: string): number {
  const v = parameters[name];
  if (typeof v === 'number') return Number.isInteger(v) && v > 0 ? v : 0;
  if (typeof v === 'bigint') return v > 0n ? Number(v) : 0;
  return 0;
}

/**
 * The priority level a request joins: 0 when the config has no priority levels; otherwise its
 * `priority` parameter, or `default_priority_level` when that is 0 or above `priority_levels`
 * (Triton's rule; 1 is the highest priority).
 */
export function priorityLevelOf(parameters: Parameters, db: DynamicBatching): number {
  if (db.priority_levels === 0) return 0;
  const p = readUintParameter(parameters, 'priority');
  return p === 0 || p > db.priority_levels ? db.default_priority_level : p;
}

/**
 * The queue timeout of a request in microseconds (0 = none): the level's default, or the
 * request's `timeout` parameter when overriding is allowed and it is shorter. A default of 0
 * disables timeouts for the level entirely, as in Triton.
 */
export function requestTimeoutUs(policy: ResolvedQueuePolicy, parameters: Parameters): number {
  let timeoutUs = policy.defaultTimeoutUs;
  if (policy.allowTimeoutOverride) {
    const own = readUintParameter(parameters, 'timeout');
    if (own !== 0 && own < timeoutUs) timeoutUs = own;
  }
  return timeoutUs;
}
