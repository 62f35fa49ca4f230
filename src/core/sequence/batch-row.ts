/**
 * One row of a sequence batch: a sequence's request, or an empty row (direct strategy: a slot
 * with nothing ready, sent with READY false so the other rows keep their positions). It carries
 * the control flags of its row, so control-inputs.ts reads them without re-parsing parameters.
 */
import type { InferenceRequest } from '../inference-request.js';
import type { ControlRow } from './control-inputs.js';
import type { Sequence } from './sequence.js';
import type { SequenceId } from './sequence-flags.js';

/** A row of a sequence batch. */
export class BatchRow implements ControlRow {
  /** The row's sequence, or null for an empty row. */
  readonly sequence: Sequence | null;
  /** The row's request, or null for an empty row. */
  readonly request: InferenceRequest | null;
  /** The request starts its sequence (request parameter `sequence_start`). */
  readonly start: boolean;
  /** The request ends its sequence (request parameter `sequence_end`). */
  readonly end: boolean;
  /** Whether the row holds a request. */
  readonly ready: boolean;
  /** The sequence's correlation id, or null for an empty row. */
  readonly id: SequenceId | null;

  constructor(sequence: Sequence | null, request: InferenceRequest | null) {
    this.sequence = sequence;
    this.request = request;
    this.ready = request !== null;
    this.start = request !== null && request.parameters.sequence_start === true;
    this.end = request !== null && request.parameters.sequence_end === true;
    this.id = sequence === null ? null : sequence.id;
  }
}

/** The shared empty row. */
export const EMPTY_ROW: BatchRow = new BatchRow(null, null);
