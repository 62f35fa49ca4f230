/**
 * The executions a WorkerInstance has handed to its worker and not yet seen answered, oldest
 * first. The worker answers in order, so a fixed ring of ids and sinks is all it takes; no map,
 * no allocation per execution.
 */
import type { ExecutionSink } from './backend.js';

/** The executions in flight, oldest first: a ring of ids and sinks sized `maxInFlight`. */
export class InFlightQueue {
  private readonly ids: Int32Array;
  private readonly sinks: (ExecutionSink | null)[];
  private head = 0;
  /** Executions in flight. */
  length = 0;

  constructor(capacity: number) {
    this.ids = new Int32Array(capacity).fill(-1);
    this.sinks = new Array<ExecutionSink | null>(capacity).fill(null);
  }

  /** The oldest execution's id, or -1 when none. */
  get oldestId(): number {
    return this.length === 0 ? -1 : this.ids[this.head]!;
  }

  /** Appends an execution; the caller checked there is room. */
  push(id: number, sink: ExecutionSink): void {
    const at = (this.head + this.length) % this.ids.length;
    this.ids[at] = id;
    this.sinks[at] = sink;
    this.length++;
  }

  /** Removes and returns the oldest execution's sink; the caller checked there is one. */
  shift(): ExecutionSink {
    const sink = this.sinks[this.head]!;
    this.sinks[this.head] = null;
    this.ids[this.head] = -1;
    this.head = (this.head + 1) % this.ids.length;
    this.length--;
    return sink;
  }

  /** Removes the newest execution (one that could not be sent after all); the caller checked there is one. */
  pop(): void {
    const at = (this.head + this.length - 1) % this.ids.length;
    this.sinks[at] = null;
    this.ids[at] = -1;
    this.length--;
  }
}
