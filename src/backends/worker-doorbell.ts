/**
 * WorkerDoorbell: how the main thread wakes a model worker that blocks in `Atomics.wait` instead of
 * sleeping in its event loop (the ring transport, worker-ring-loop.ts and docs/adr/0006).
 *
 * Messages still travel over the worker's MessagePort; the worker takes them with
 * `receiveMessageOnPort` and never returns to its event loop, so the port's own wake-up (an
 * eventfd write per message on Linux) stays pending and costs nothing after the first. The main
 * thread rings only when the worker said it is going to sleep, so a busy worker is fed without a
 * single system call. The protocol on one Int32 word (Dekker's pattern, sequentially consistent):
 *
 *   worker: store(SLEEPING) → poll the port once more → wait while the word is SLEEPING
 *   main:   post the message → if compareExchange(SLEEPING → AWAKE) succeeded, notify
 *
 * Either the worker's last poll sees the message, or the main thread sees SLEEPING and wakes it.
 */

const AWAKE = 0;
const SLEEPING = 1;

/** The shared word; create with WorkerDoorbell.create() on the main thread, pass in workerData. */
export class WorkerDoorbell {
  private readonly word: Int32Array;

  /** Wraps a buffer made by `create()` (on either side). */
  constructor(buffer: SharedArrayBuffer) {
    this.word = new Int32Array(buffer, 0, 1);
  }

  /** A new doorbell's shared buffer (main thread). */
  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(Int32Array.BYTES_PER_ELEMENT);
  }

  /** Main thread, after each postMessage: wakes the worker if it is (about to be) asleep. */
  ring(): void {
    if (Atomics.compareExchange(this.word, 0, SLEEPING, AWAKE) === SLEEPING) Atomics.notify(this.word, 0);
  }

  /**
   * Worker: blocks until rung or `timeoutMs` passed, unless `poll` (which takes one message off
   * the port, or returns false) finds work after the worker announced it would sleep. Returns
   * true when `poll` found work (the caller handles what it took).
   */
  sleep(poll: () => boolean, timeoutMs: number): boolean {
    Atomics.store(this.word, 0, SLEEPING);
    if (poll()) {
      Atomics.store(this.word, 0, AWAKE);
      return true;
    }
    Atomics.wait(this.word, 0, SLEEPING, timeoutMs);
    Atomics.store(this.word, 0, AWAKE);
    return false;
  }
}
