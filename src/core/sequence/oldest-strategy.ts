/**
 * Triton's `oldest` sequence batching: each instance has `max_candidate_sequences` candidate
 * slots; a candidate sequence joins its instance's ready list (FIFO, in the order its requests
 * became runnable, as Triton hands them to its dynamic batcher) when it has a request queued and
 * none running, so a batch never holds two requests of one sequence. An idle instance sends the
 * largest preferred batch it can (up to max_batch_size), or whatever is ready once the oldest
 * request has waited `max_queue_delay_microseconds`, never mixing requests whose shapes differ.
 */
import { FixedQueue } from '../../common/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import { type BatchShapeRule, batchShapeRule, sameBatchShape } from '../batch-shape.js';
import type { ModelPlan } from '../model-plan.js';
import { BatchRow } from './batch-row.js';
import type { Sequence } from './sequence.js';
import type { SequenceStrategy } from './sequence-strategy.js';

/** The oldest strategy. */
export class OldestStrategy implements SequenceStrategy {
  readonly slotsPerInstance: number;
  private readonly ready: FixedQueue<Sequence>[];
  private readonly deadlines: number[];
  private readonly maxBatchRows: number;
  /** preferred_batch_size, ascending. */
  private readonly preferred: readonly number[];
  private readonly maxPreferred: number;
  private readonly delayNs: number;
  private readonly shapeRule: BatchShapeRule;

  constructor(config: ModelConfig, plan: ModelPlan, instances: number) {
    const oldest = config.sequence_batching?.oldest;
    this.maxBatchRows = Math.max(1, config.max_batch_size);
    const candidates = oldest?.max_candidate_sequences ?? 0;
    this.slotsPerInstance = candidates > 0 ? candidates : this.maxBatchRows;
    this.ready = [];
    for (let i = 0; i < instances; i++) this.ready.push(new FixedQueue<Sequence>(64));
    this.deadlines = new Array(instances).fill(0);
    this.preferred = [...new Set(oldest?.preferred_batch_size ?? [])]
      .filter((n) => n <= this.maxBatchRows)
      .sort((a, b) => a - b);
    this.maxPreferred = this.preferred.at(-1) ?? this.maxBatchRows;
    this.delayNs = (oldest?.max_queue_delay_microseconds ?? 0) * 1000;
    this.shapeRule = batchShapeRule(plan);
  }

  onAssigned(): void {
    // The sequence lists itself once it has something to run.
  }

  onReleased(sequence: Sequence): void {
    this.onEmptied(sequence);
  }

  onDispatchable(sequence: Sequence): void {
    if (sequence.listed) return;
    sequence.listed = true;
    this.ready[sequence.instance]!.push(sequence);
  }

  onEmptied(sequence: Sequence): void {
    if (!sequence.listed) return;
    sequence.listed = false;
    this.ready[sequence.instance]!.remove(sequence);
  }

  deadlineNs(instance: number): number {
    return this.deadlines[instance]!;
  }

  pick(instance: number, nowNs: number, rows: BatchRow[]): void {
    const queue = this.ready[instance]!;
    this.deadlines[instance] = 0;
    const n = queue.length;
    if (n === 0) return;
    const first = queue.at(0)!.queue.peek()!;
    let count = 1;
    let oldestNs = first.arrivalNs;
    let sendNow = false;
    for (let i = 1; i < n; i++) {
      if (count === this.maxBatchRows) {
        sendNow = true;
        break;
      }
      const head = queue.at(i)!.queue.peek()!;
      if (!sameBatchShape(first, head, this.shapeRule)) {
        sendNow = true;
        break;
      }
      count++;
      if (head.arrivalNs < oldestNs) oldestNs = head.arrivalNs;
    }
    const take = this.decide(count, sendNow, nowNs - oldestNs);
    if (take === 0) {
      this.deadlines[instance] = oldestNs + this.delayNs;
      return;
    }
    for (let i = 0; i < take; i++) {
      const seq = queue.shift()!;
      seq.listed = false;
      rows.push(new BatchRow(seq, seq.queue.shift()!));
    }
  }

  /** How many of `count` ready rows to send now (0 = wait), as Triton's dynamic batcher decides. */
  private decide(count: number, sendNow: boolean, waitedNs: number): number {
    if (count >= this.maxPreferred) return this.maxPreferred;
    const delayExceeded = this.delayNs !== 0 && waitedNs >= this.delayNs;
    let best = 0;
    for (const size of this.preferred) if (size <= count) best = size;
    if (best !== 0 && !delayExceeded) return best;
    if (sendNow || this.delayNs === 0 || delayExceeded) return count;
    return 0;
  }
}
