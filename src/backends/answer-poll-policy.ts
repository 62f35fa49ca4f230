/**
 * AnswerPollPolicy: when the main thread may spin for a moment watching the result ring instead
 * of going back to its event loop and waiting for the worker's notify (ring transport only,
 * docs/adr/0008 and 0017). On virtual machines a notify reaches a main thread asleep in its event
 * loop 20-40 µs after it was sent, more than a tiny model's whole run; spinning costs at most the
 * same time. It pays only for fast models with one execution in flight, so the policy watches
 * only then, only while recent executions took at most half the budget, and backs off after a
 * watch that ended without the answer. Pure bookkeeping: the transport does the watching.
 */

/** The watch budget of one instance and what it learnt about its model's speed. */
export class AnswerPollPolicy {
  /** µs one watch may last; 0 = never watch. */
  readonly budgetUs: number;
  /** Moving average of the worker's time per execution in µs; -1 until the first answer. */
  private recentExecutionUs = -1;
  /** Watches in a row that ended without the answer (at most 6). */
  private missedWatches = 0;
  /** Flushes left to skip watching after a miss: 2, 4, ... up to 64. */
  private watchesToSkip = 0;

  constructor(budgetUs: number) {
    this.budgetUs = Math.max(0, budgetUs);
  }

  /** Whether to watch now, with `inFlight` executions in flight; counts a skipped watch. */
  shouldWatch(inFlight: number): boolean {
    if (
      this.budgetUs === 0 ||
      inFlight !== 1 ||
      this.recentExecutionUs < 0 ||
      this.recentExecutionUs * 2 > this.budgetUs
    ) {
      return false;
    }
    if (this.watchesToSkip > 0) {
      this.watchesToSkip--;
      return false;
    }
    return true;
  }

  /** A watch ended: with the answer (resets the back-off) or without it (doubles it). */
  watched(answered: boolean): void {
    if (answered) {
      this.missedWatches = 0;
      return;
    }
    this.missedWatches = Math.min(this.missedWatches + 1, 6);
    this.watchesToSkip = 2 ** this.missedWatches;
  }

  /** An answer's compute time (ns, from its timings) updates the moving average. */
  observe(computeNs: number): void {
    if (this.budgetUs === 0) return;
    const us = computeNs / 1000;
    this.recentExecutionUs = this.recentExecutionUs < 0 ? us : 0.75 * this.recentExecutionUs + 0.25 * us;
  }
}
