/**
 * Triton's `direct` sequence batching: each sequence owns one batch row (slot) of one instance
 * for its whole life. An idle instance runs rows 0..k, k being the highest slot with a request
 * ready; slots in between with nothing ready (or a request whose shapes do not match the batch)
 * are sent as empty rows with READY false. With `minimum_slot_utilization` > 0 and a
 * `max_queue_delay_microseconds`, it waits until that fraction of slots is ready or the oldest
 * ready request has waited the delay.
 */
import type { ModelConfig } from '../../protocol/index.js';
import { type BatchShapeRule, batchShapeRule, sameBatchShape } from '../batch-shape.js';
import type { InferenceRequest } from '../inference-request.js';
import type { ModelPlan } from '../model-plan.js';
import { BatchRow, EMPTY_ROW } from './batch-row.js';
import type { Sequence } from './sequence.js';
import type { SequenceStrategy } from './sequence-strategy.js';

/** The direct strategy. */
export class DirectStrategy implements SequenceStrategy {
  readonly slotsPerInstance: number;
  /** Sequence in each slot, by instance then position. */
  private readonly occupants: (Sequence | null)[][];
  /** Highest occupied position per instance (-1 = none). */
  private readonly maxActive: number[];
  private readonly deadlines: number[];
  private readonly delayNs: number;
  private readonly minUtilization: number;
  private readonly shapeRule: BatchShapeRule;

  constructor(config: ModelConfig, plan: ModelPlan, instances: number) {
    const direct = config.sequence_batching?.direct;
    this.slotsPerInstance = Math.max(1, config.max_batch_size);
    this.occupants = [];
    for (let i = 0; i < instances; i++) this.occupants.push(new Array(this.slotsPerInstance).fill(null));
    this.maxActive = new Array(instances).fill(-1);
    this.deadlines = new Array(instances).fill(0);
    this.delayNs = (direct?.max_queue_delay_microseconds ?? 0) * 1000;
    this.minUtilization = direct?.minimum_slot_utilization ?? 0;
    this.shapeRule = batchShapeRule(plan);
  }

  onAssigned(sequence: Sequence): void {
    this.occupants[sequence.instance]![sequence.position] = sequence;
    if (sequence.position > this.maxActive[sequence.instance]!)
      this.maxActive[sequence.instance] = sequence.position;
  }

  onReleased(sequence: Sequence): void {
    const slots = this.occupants[sequence.instance]!;
    slots[sequence.position] = null;
    let max = this.maxActive[sequence.instance]!;
    while (max >= 0 && slots[max] === null) max--;
    this.maxActive[sequence.instance] = max;
  }

  onDispatchable(): void {
    // Slots are scanned when the instance is idle; nothing to track.
  }

  onEmptied(): void {
    // As above.
  }

  deadlineNs(instance: number): number {
    return this.deadlines[instance]!;
  }

  pick(instance: number, nowNs: number, rows: BatchRow[]): void {
    const slots = this.occupants[instance]!;
    const max = this.maxActive[instance]!;
    this.deadlines[instance] = 0;
    let first: InferenceRequest | null = null;
    let lastReady = -1;
    let readyCount = 0;
    let earliestNs = Number.POSITIVE_INFINITY;
    for (let p = 0; p <= max; p++) {
      const seq = slots[p];
      if (seq == null || !seq.dispatchable) continue;
      const head = seq.queue.peek()!;
      first ??= head;
      lastReady = p;
      readyCount++;
      if (head.arrivalNs < earliestNs) earliestNs = head.arrivalNs;
    }
    if (first === null) return;
    if (this.delayNs > 0 && this.minUtilization > 0) {
      const waited = nowNs - earliestNs;
      if (waited < this.delayNs && readyCount / this.slotsPerInstance < this.minUtilization) {
        this.deadlines[instance] = earliestNs + this.delayNs;
        return;
      }
    }
    for (let p = 0; p <= lastReady; p++) {
      const seq = slots[p];
      if (seq == null || !seq.dispatchable) {
        rows.push(EMPTY_ROW);
        continue;
      }
      const head = seq.queue.peek()!;
      if (head !== first && !sameBatchShape(first, head, this.shapeRule)) {
        rows.push(EMPTY_ROW);
        continue;
      }
      seq.queue.shift();
      rows.push(new BatchRow(seq, head));
    }
  }
}
