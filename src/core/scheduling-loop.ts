/**
 * The re-entrancy guard every batcher's scheduling needs: a call made while a pass runs (a batch
 * that finishes synchronously, a request answered inside the pass) becomes one more pass after
 * the current one, never a nested one; once no pass is wanted, `after` runs once (a batcher
 * re-arms its timer there). It holds no scheduling policy of its own.
 */

/** Runs a batcher's scheduling passes without nesting. */
export class SchedulingLoop {
  private running = false;
  private again = false;

  /**
   * @param pass one scheduling pass (forms and sends what it can)
   * @param after runs once when the passes are done
   */
  constructor(
    private readonly pass: () => void,
    private readonly after: () => void,
  ) {}

  /** Runs passes until none is wanted any more, then `after`; a nested call only asks for one more pass. */
  run(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        this.pass();
      } while (this.again);
    } finally {
      this.running = false;
    }
    this.after();
  }
}
