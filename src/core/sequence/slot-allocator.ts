/**
 * The free sequence slots of a sequence batcher: `instances × slotsPerInstance` slots, handed
 * out lowest position first and, within a position, lowest instance first, so new sequences
 * spread over the instances and keep the low batch rows filled (a binary min-heap of slot keys,
 * key = position × instances + instance). It does not know about sequences.
 */

/** One slot: an instance and a position within it. */
export interface SlotRef {
  /** Instance index. */
  instance: number;
  /** Position within the instance. */
  position: number;
}

/** Min-heap of free slots. */
export class SlotAllocator {
  /** Instances. */
  readonly instances: number;
  /** Slots per instance. */
  readonly slotsPerInstance: number;
  private readonly heap: number[] = [];

  constructor(instances: number, slotsPerInstance: number) {
    this.instances = instances;
    this.slotsPerInstance = slotsPerInstance;
    const total = instances * slotsPerInstance;
    for (let key = 0; key < total; key++) this.heap.push(key); // ascending = a valid heap
  }

  /** Free slots now. */
  get freeCount(): number {
    return this.heap.length;
  }

  /** Takes the lowest free slot into `out`; false when none is free. */
  acquire(out: SlotRef): boolean {
    const heap = this.heap;
    if (heap.length === 0) return false;
    const key = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      this.down(0);
    }
    out.instance = key % this.instances;
    out.position = Math.floor(key / this.instances);
    return true;
  }

  /** Gives a slot back. */
  release(instance: number, position: number): void {
    const heap = this.heap;
    heap.push(position * this.instances + instance);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]! <= heap[i]!) break;
      const t = heap[parent]!;
      heap[parent] = heap[i]!;
      heap[i] = t;
      i = parent;
    }
  }

  private down(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && heap[l]! < heap[m]!) m = l;
      if (r < n && heap[r]! < heap[m]!) m = r;
      if (m === i) return;
      const t = heap[m]!;
      heap[m] = heap[i]!;
      heap[i] = t;
      i = m;
    }
  }
}
