/**
 * Sequence batching for stateful models (Triton's `sequence_batching`): the batcher with its
 * direct and oldest strategies, control tensors, implicit state and the scheduler factory.
 */
export { BatchRow, EMPTY_ROW } from './batch-row.js';
export { ControlInputs, type ControlRow } from './control-inputs.js';
export { DirectStrategy } from './direct-strategy.js';
export { OldestStrategy } from './oldest-strategy.js';
export { Sequence } from './sequence.js';
export { SequenceBatcher, type SequenceBatcherOptions } from './sequence-batcher.js';
export { createSequenceBatcherFactory, sequenceBatcherFactory } from './sequence-batcher-factory.js';
export {
  formatSequenceId,
  readSequenceFlags,
  type SequenceFlags,
  type SequenceId,
} from './sequence-flags.js';
export type { SequenceStrategy } from './sequence-strategy.js';
export { SlotAllocator, type SlotRef } from './slot-allocator.js';
export { batchedStateShape, extractState, sequenceStateShape, stitchStates } from './state-axis.js';
export { resolveStates, STATE_BATCH_AXIS_PARAMETER, type StateSpec } from './state-plan.js';
