/**
 * The instances of one model version and which of them are free. A scheduler takes a free slot,
 * runs one batch on it and gives it back. An instance that dies on its own (worker crash,
 * execution timeout) is replaced in the background, retried with backoff when the replacement
 * fails to load; its slot is free again once the new instance has loaded. While any slot is
 * being replaced the pool is not healthy, and the model is not ready.
 */

import type { BackendInstance } from '../backends/index.js';
import type { Logger } from '../common/index.js';

/** One instance and its scheduling state. */
export class InstanceSlot {
  /** Position in the pool. */
  readonly index: number;
  /** The live instance. */
  instance: BackendInstance;
  /** Whether a batch is executing on it. */
  busy: boolean;
  /** Batches handed to it and not finished (at most its instance's `maxInFlight`). */
  inFlight: number;
  /** Moving average of its executions' compute time (worker-measured), ns; 0 until one ran. */
  computeNs: number;
  /** False while the instance is being replaced after a crash. */
  alive: boolean;

  constructor(index: number, instance: BackendInstance) {
    this.index = index;
    this.instance = instance;
    this.busy = false;
    this.inFlight = 0;
    this.computeNs = 0;
    this.alive = true;
  }

  /** Records one execution's compute time (ns) into the moving average. */
  recordCompute(ns: number): void {
    this.computeNs = this.computeNs === 0 ? ns : this.computeNs + COMPUTE_EWMA_WEIGHT * (ns - this.computeNs);
  }

  /** Batches the instance accepts at once. */
  get capacity(): number {
    return this.instance.maxInFlight ?? 1;
  }
}

/** Weight of the newest execution in InstanceSlot.computeNs. */
const COMPUTE_EWMA_WEIGHT = 0.2;

/**
 * Longest mean compute time (ns) at which a slot takes a pipelined batch. Pipelining saves a
 * thread wake-up (tens of µs) per execution, which only matters for short executions; a longer
 * one gains nothing and its request could no longer be cancelled while it waits.
 */
export const PIPELINE_MAX_COMPUTE_NS = 1_000_000;

/** Told when a slot becomes free (after a batch or a restart). */
export interface PoolListener {
  /** A slot is free to take. */
  onSlotAvailable(): void;
}

/** Replaces a dead instance: loads a new one for slot `index`. */
export type InstanceFactory = (index: number) => Promise<BackendInstance>;

/** Ms before the first retry of a failed restart; doubles per failure up to RESTART_RETRY_MAX_MS. */
export const RESTART_RETRY_FIRST_MS = 1000;
/** Longest wait (ms) between two restart attempts of a slot. */
export const RESTART_RETRY_MAX_MS = 30_000;

/** A fixed set of instance slots with a free list. */
export class InstancePool {
  /** All slots, by index. */
  readonly slots: readonly InstanceSlot[];
  private readonly free: InstanceSlot[];
  private listener: PoolListener | null = null;
  private closed = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    instances: readonly BackendInstance[],
    private readonly factory: InstanceFactory,
    private readonly logger: Logger,
  ) {
    const slots = instances.map((instance, i) => new InstanceSlot(i, instance));
    this.slots = slots;
    // Free list used as a stack reversed so slot 0 is taken first.
    this.free = slots.slice().reverse();
    for (const slot of slots) this.watch(slot);
  }

  /** Sets the listener told when slots free up (the scheduler). */
  setListener(listener: PoolListener): void {
    this.listener = listener;
  }

  /**
   * Whether every instance is alive: false while one is being replaced after a crash or an
   * execution timeout (the model's readiness follows it). A pool without instances is healthy.
   */
  get healthy(): boolean {
    for (let i = 0; i < this.slots.length; i++) if (!this.slots[i]!.alive) return false;
    return true;
  }

  /** Number of slots that are free now. */
  get freeCount(): number {
    return this.free.length;
  }

  /** Takes a free slot, or returns null when all are busy or restarting. */
  acquire(): InstanceSlot | null {
    const slot = this.free.pop();
    if (slot === undefined) return null;
    slot.busy = true;
    slot.inFlight = 1;
    return slot;
  }

  /**
   * Takes a slot for one more batch: a free slot, else a running one whose instance accepts
   * another execution and whose executions are short (PIPELINE_MAX_COMPUTE_NS), pipelined behind
   * the running one (the fewest in flight first), or null.
   */
  acquirePipelined(): InstanceSlot | null {
    const free = this.acquire();
    if (free !== null || this.closed) return free;
    let best: InstanceSlot | null = null;
    for (const slot of this.slots) {
      if (!slot.alive || slot.inFlight >= slot.capacity) continue;
      if (slot.computeNs === 0 || slot.computeNs > PIPELINE_MAX_COMPUTE_NS) continue;
      if (best === null || slot.inFlight < best.inFlight) best = slot;
    }
    if (best !== null) best.inFlight++;
    return best;
  }

  /** Gives a slot back after its batch finished. */
  release(slot: InstanceSlot): void {
    if (slot.inFlight > 1) {
      // A pipelined batch is still running on it: it has room for one more again.
      slot.inFlight--;
      if (slot.alive && !this.closed) this.listener?.onSlotAvailable();
      return;
    }
    slot.inFlight = 0;
    slot.busy = false;
    if (this.drainWaiters.length > 0 && !this.slots.some((s) => s.busy)) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const w of waiters) w();
    }
    if (!slot.alive || this.closed) return;
    this.free.push(slot);
    this.listener?.onSlotAvailable();
  }

  /** Resolves once no slot runs a batch (a worker must never be stopped while ORT runs in it). */
  drain(): Promise<void> {
    if (!this.slots.some((s) => s.busy)) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /**
   * Releases every instance: stops handing out slots, waits for running batches to finish
   * (drain), then closes the instances, which ends their worker threads and ORT sessions.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.free.length = 0;
    await this.drain();
    await Promise.all(this.slots.map((s) => s.instance.close()));
  }

  private watch(slot: InstanceSlot): void {
    const instance = slot.instance;
    instance.onExit((error) => {
      if (this.closed || slot.instance !== instance) return;
      slot.alive = false;
      const at = this.free.indexOf(slot);
      if (at >= 0) this.free.splice(at, 1);
      this.logger.logWarning(`Instance '${instance.name}' stopped (${error.message}); restarting it`);
      void this.restart(slot);
    });
  }

  private async restart(slot: InstanceSlot, retryMs = RESTART_RETRY_FIRST_MS): Promise<void> {
    try {
      const next = await this.factory(slot.index);
      if (this.closed) {
        await next.close();
        return;
      }
      slot.instance = next;
      slot.alive = true;
      this.watch(slot);
      this.logger.logInfo(`Instance '${next.name}' restarted`);
      if (!slot.busy) {
        this.free.push(slot);
        this.listener?.onSlotAvailable();
      }
    } catch (err) {
      if (this.closed) return;
      this.logger.logError(
        `Failed to restart instance ${slot.index}: ${(err as Error).message}; retrying in ${retryMs} ms`,
      );
      const timer = setTimeout(() => {
        if (!this.closed) void this.restart(slot, Math.min(retryMs * 2, RESTART_RETRY_MAX_MS));
      }, retryMs);
      timer.unref();
    }
  }
}
