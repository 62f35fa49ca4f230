/**
 * The part of a sequence batcher that differs between Triton's two strategies: how many slots
 * an instance has, and which rows an idle instance runs next (direct: one row per slot, empty
 * rows included; oldest: the oldest ready sequences, dynamically batched). Admission, backlog,
 * idle expiry, state and execution are the batcher's, shared by both.
 */
import type { BatchRow } from './batch-row.js';
import type { Sequence } from './sequence.js';

/** A sequence batching strategy. */
export interface SequenceStrategy {
  /** Slots per instance: max(1, max_batch_size) for direct, max_candidate_sequences for oldest. */
  readonly slotsPerInstance: number;
  /** `sequence` now holds slot (`sequence.instance`, `sequence.position`). */
  onAssigned(sequence: Sequence): void;
  /** `sequence` gives its slot back (still set on the sequence). */
  onReleased(sequence: Sequence): void;
  /** `sequence` holds a slot and has a request queued with none running. */
  onDispatchable(sequence: Sequence): void;
  /** `sequence` lost its queued requests (cancelled) while it was dispatchable. */
  onEmptied(sequence: Sequence): void;
  /**
   * Picks the rows the idle instance `instance` runs now, appending them to `rows` (and taking
   * their requests off the sequences' queues); appends nothing to wait. Then `deadlineNs(instance)`
   * says until when it waits (0 = until something changes).
   */
  pick(instance: number, nowNs: number, rows: BatchRow[]): void;
  /** When the instance's pending batch must be sent although not full; 0 = none. */
  deadlineNs(instance: number): number;
}
