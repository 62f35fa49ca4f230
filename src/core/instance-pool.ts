/**
 * The instances of one model version and which of them are free. A scheduler takes a free slot,
 * runs one batch on it and gives it back. An instance that dies on its own (worker crash) is
 * replaced in the background; its slot is free again once the new instance has loaded.
 */

import type { BackendInstance } from '../backends/backend.js';
import type { Logger } from '../common/logger.js';

/** One instance and its scheduling state. */
export class InstanceSlot {
  /** Position in the pool. */
  readonly index: number;
  /** The live instance. */
  instance: BackendInstance;
  /** Whether a batch is executing on it. */
  busy: boolean;
  /** False while the instance is being replaced after a crash. */
  alive: boolean;

  constructor(index: number, instance: BackendInstance) {
    this.index = index;
    this.instance = instance;
    this.busy = false;
    this.alive = true;
  }
}

/** Told when a slot becomes free (after a batch or a restart). */
export interface PoolListener {
  /** A slot is free to take. */
  onSlotAvailable(): void;
}

/** Replaces a dead instance: loads a new one for slot `index`. */
export type InstanceFactory = (index: number) => Promise<BackendInstance>;

/** A fixed set of instance slots with a free list. */
export class InstancePool {
  /** All slots, by index. */
  readonly slots: readonly InstanceSlot[];
  private readonly free: InstanceSlot[];
  private listener: PoolListener | null = null;
  private closed = false;

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

  /** Number of slots that are free now. */
  get freeCount(): number {
    return this.free.length;
  }

  /** Takes a free slot, or returns null when all are busy or restarting. */
  acquire(): InstanceSlot | null {
    const slot = this.free.pop();
    if (slot === undefined) return null;
    slot.busy = true;
    return slot;
  }

  /** Gives a slot back after its batch finished. */
  release(slot: InstanceSlot): void {
    slot.busy = false;
    if (!slot.alive || this.closed) return;
    this.free.push(slot);
    this.listener?.onSlotAvailable();
  }

  /** Closes every instance. */
  async close(): Promise<void> {
    this.closed = true;
    this.free.length = 0;
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

  private async restart(slot: InstanceSlot): Promise<void> {
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
      this.logger.logError(`Failed to restart instance ${slot.index}: ${(err as Error).message}`);
    }
  }
}
