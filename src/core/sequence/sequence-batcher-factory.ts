/**
 * The SchedulerFactory that selects the sequence batcher for configs with a `sequence_batching`
 * block (both strategies), registered in the server's default SchedulerRegistry.
 */
import type { ModelConfig } from '../../protocol/index.js';
import type { SchedulerFactory } from '../scheduler.js';
import { SequenceBatcher, type SequenceBatcherOptions } from './sequence-batcher.js';

/** Builds a factory for the sequence batcher with the given options (e.g. an injected timer). */
export function createSequenceBatcherFactory(options: SequenceBatcherOptions = {}): SchedulerFactory {
  return {
    name: 'sequence',
    matches: (config: ModelConfig) =>
      config.sequence_batching !== undefined && config.ensemble_scheduling === undefined,
    create: (context) => new SequenceBatcher(context, options),
  };
}

/** Selects the sequence batcher for configs with a `sequence_batching` block. */
export const sequenceBatcherFactory: SchedulerFactory = createSequenceBatcherFactory();
