/**
 * A fake generation instance for scheduler tests: it records the sequences the scheduler starts
 * and cancels, and the test sends each sequence's step events by hand, as the llama.cpp worker
 * would (text, tokens, finish code, error).
 */
import type { ExecutionBatch, ExecutionSink } from '../../../src/backends/backend.js';
import {
  FinishCode,
  type GenerationInstance,
  type GenerationListener,
  type GenerationStart,
} from '../../../src/backends/generation.js';
import type { ServerError } from '../../../src/common/errors.js';

/** A generation instance whose sequence events the test sends by hand (emit), recording starts and cancels. */
export class FakeGenerationInstance implements GenerationInstance {
  readonly generation = true as const;
  readonly name = 'm_0';
  readonly contextLength = 64;
  readonly started: { slot: number; serial: number; start: GenerationStart }[] = [];
  readonly cancels: { slot: number; serial: number }[] = [];
  listener: GenerationListener | null = null;
  /** Indexes (in `started`) of the sequences that got a finish event. */
  private readonly ended = new Set<number>();

  constructor(readonly slotCount: number) {}

  setGenerationListener(listener: GenerationListener): void {
    this.listener = listener;
  }
  startSequence(slot: number, serial: number, start: GenerationStart): void {
    this.started.push({ slot, serial, start });
  }
  cancelSequence(slot: number, serial: number): void {
    this.cancels.push({ slot, serial });
  }
  execute(_batch: ExecutionBatch, _sink: ExecutionSink): void {}
  onExit(): void {}
  async close(): Promise<void> {}

  /** Sends an event of the n-th started sequence. */
  emit(
    n: number,
    text: string,
    tokens: number,
    promptTokens: number,
    finish: number,
    error: ServerError | null = null,
  ) {
    const s = this.started[n]!;
    if (finish !== FinishCode.NONE) this.ended.add(n);
    this.listener!.onSequenceEvent(this, s.slot, s.serial, text, tokens, promptTokens, finish, error);
  }

  /** The index of the oldest started sequence without a finish event, or -1. */
  oldestRunning(): number {
    for (let n = 0; n < this.started.length; n++) if (!this.ended.has(n)) return n;
    return -1;
  }

  /** Ends every running sequence with one token and STOP, and those started meanwhile, until none runs. */
  finishAll(): void {
    for (let n = this.oldestRunning(); n >= 0; n = this.oldestRunning())
      this.emit(n, 'x', 1, 2, FinishCode.STOP);
  }
}
