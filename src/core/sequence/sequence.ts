/**
 * One live sequence inside a sequence batcher: its correlation id, its queued requests (run one
 * at a time, in order), the batch slot it holds (instance + position) or none while backlogged,
 * and its implicit state between requests. Plain data; the batcher and strategies decide.
 */
import { FixedQueue } from '../../common/index.js';
import type { InferenceRequest } from '../inference-request.js';
import type { SequenceId } from './sequence-flags.js';

/** A live sequence. */
export class Sequence {
  /** Correlation id. */
  readonly id: SequenceId;
  /** Requests not yet dispatched, in arrival order. */
  readonly queue: FixedQueue<InferenceRequest>;
  /** Its END request is queued (or it was cancelled): no request joins it any more. */
  ending: boolean;
  /** Its slot is released (ended, expired or cancelled); a backlog entry with it is skipped. */
  released: boolean;
  /** Instance index of its slot; -1 while backlogged. */
  instance: number;
  /** Position within the instance (direct: batch row; oldest: candidate index); -1 while backlogged. */
  position: number;
  /** Whether one of its requests is executing. */
  inFlight: boolean;
  /** Whether it is in its instance's ready list (oldest strategy). */
  listed: boolean;
  /** When it last went idle (nothing queued or running), in ns; -1 while busy. */
  idleSinceNs: number;
  /** Implicit state bytes per state (StateSpec order), or null before its first request ran. */
  states: Uint8Array[] | null;
  /** Shapes of `states` (per sequence, no batch dim). */
  stateShapes: number[][] | null;

  constructor(id: SequenceId) {
    this.id = id;
    this.queue = new FixedQueue<InferenceRequest>(4);
    this.ending = false;
    this.released = false;
    this.instance = -1;
    this.position = -1;
    this.inFlight = false;
    this.listed = false;
    this.idleSinceNs = -1;
    this.states = null;
    this.stateShapes = null;
  }

  /** Whether a request can be dispatched now: it holds a slot, has one queued and none running. */
  get dispatchable(): boolean {
    return this.instance >= 0 && !this.inFlight && this.queue.length > 0;
  }
}
