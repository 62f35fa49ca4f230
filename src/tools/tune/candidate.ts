/**
 * A candidate configuration of `nereid tune`: the scheduling settings it varies (instance count,
 * dynamic batching, max_batch_size, queue delay, preferred batch sizes, ONNX intra-op threads),
 * its identity key and its one-line label. Everything else in a model's config stays as the
 * model has it; turning a candidate into a config is candidate-config.ts's job.
 */

/** The settings one candidate gives the model. */
export interface Candidate {
  /** Instances (instance_group count, one group). */
  readonly instances: number;
  /** Whether the config has `dynamic_batching`. */
  readonly dynamicBatching: boolean;
  /** max_batch_size (0 = the model does not batch). */
  readonly maxBatchSize: number;
  /** dynamic_batching.max_queue_delay_microseconds, µs (0 without dynamic batching). */
  readonly maxQueueDelayUs: number;
  /** dynamic_batching.preferred_batch_size; empty = Triton's default, [max_batch_size]. */
  readonly preferredBatchSizes: readonly number[];
  /** The `intra_op_thread_count` parameter; 0 = not set (Nereid's default: (cores - 1) / instances). */
  readonly intraOpThreads: number;
}

/** A string that is equal for two candidates exactly when they give the same settings. */
export function candidateKey(c: Candidate): string {
  const batching = c.dynamicBatching
    ? `db:${c.maxQueueDelayUs}:${c.preferredBatchSizes.join('+') || 'default'}`
    : 'nodb';
  return `i${c.instances}/mbs${c.maxBatchSize}/${batching}/t${c.intraOpThreads}`;
}

/** Intra-op threads a candidate's ONNX sessions get on a server with `cores` cores. */
export function effectiveThreads(c: Candidate, cores: number): number {
  return c.intraOpThreads > 0 ? c.intraOpThreads : Math.max(1, Math.floor(cores / Math.max(1, c.instances)));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** The batching part of a label: `dynamic batching (max 16, delay 500 µs, preferred 4,8)` or `no batching`. */
export function describeBatching(c: Candidate): string {
  if (!c.dynamicBatching)
    return c.maxBatchSize > 0 ? `no dynamic batching (max ${c.maxBatchSize})` : 'no batching';
  const parts = [`max ${c.maxBatchSize}`, `delay ${c.maxQueueDelayUs} µs`];
  if (c.preferredBatchSizes.length > 0) parts.push(`preferred ${c.preferredBatchSizes.join(',')}`);
  return `dynamic batching (${parts.join(', ')})`;
}

/** A one-line label: `2 instances, dynamic batching (max 8, delay 0 µs), 1 intra-op thread`. */
export function describeCandidate(c: Candidate, onnx: boolean): string {
  const parts = [plural(c.instances, 'instance'), describeBatching(c)];
  if (onnx)
    parts.push(
      c.intraOpThreads > 0 ? plural(c.intraOpThreads, 'intra-op thread') : 'default intra-op threads',
    );
  return parts.join(', ');
}
