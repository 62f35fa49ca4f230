/**
 * SharedRing: a single-producer, single-consumer queue of variable-length records in a
 * SharedArrayBuffer, for the main thread and one model worker (docs/adr/0007). A record is written
 * in place by the producer and read in place by the consumer: no structured clone, no MessagePort
 * dispatch, no ArrayBuffer transfer bookkeeping. Measured on this project's 2-core VMs, a round trip
 * through two rings costs about a fifth of the CPU of a postMessage round trip when several are in
 * flight (4 µs against 21 µs), which is most of what separates a tiny model's run from its serving.
 *
 * Hand-written because no maintained npm package offers an SPSC byte ring over SharedArrayBuffer
 * with in-place records and an async consumer wait; the whole protocol is the four words below.
 *
 *   buffer: [Int32 HEAD (producer's byte position)] ... [Int32 TAIL (consumer's)] ...
 *           [Int32 SEQ (bumped by notifyConsumer)] [Int32 WAITING (consumer waits on SEQ)] ...
 *           data (capacity bytes, a power of two)
 *   record: [u32 payload bytes][u32 tag] payload, padded to 8 bytes
 *
 * Positions count bytes since creation and wrap at 2^32 (Int32 arithmetic); a record never wraps
 * around the end of the data area: when it does not fit before the end, a WRAP record fills the rest
 * and the record starts at 0. Every HEAD/TAIL update is an Atomics.store after the bytes it
 * publishes or frees were written or read, so the other side's Atomics.load orders them.
 */

const HEAD = 0;
/** TAIL sits on its own cache line, away from HEAD. */
const TAIL = 16;
const SEQ = 32;
const WAITING = 33;
const DATA_OFFSET = 192;
const RECORD_HEADER_BYTES = 8;
/** Tag of the filler record that sends the reader back to the start of the data area. */
const WRAP_TAG = 0;
const MIN_CAPACITY_BYTES = 1024;

/** `Atomics.waitAsync` (V8 since 8.7, Node 16+); typed here because TypeScript's ES2022 lib lacks it. */
type WaitAsync = (
  array: Int32Array,
  index: number,
  value: number,
) => { async: false; value: 'not-equal' | 'timed-out' } | { async: true; value: Promise<'ok' | 'timed-out'> };
const waitAsync = (Atomics as unknown as { waitAsync: WaitAsync }).waitAsync;

function align8(n: number): number {
  return (n + 7) & ~7;
}

/** One side's view of a ring; the producer uses reserve/commit/notifyConsumer, the consumer the rest. */
export class SharedRing {
  /** The shared buffer (pass it to the other thread). */
  readonly buffer: SharedArrayBuffer;
  /** Bytes of the whole buffer; record payloads are at the offsets reserve() and peek() give. */
  readonly bytes: Uint8Array;
  /** DataView over the whole buffer. */
  readonly view: DataView;
  /** Size of the data area in bytes (a power of two). */
  readonly capacityBytes: number;
  /** Payload offset (in `bytes`) of the record the last successful peek() found. */
  recordOffset = 0;
  /** Payload bytes of that record. */
  recordLength = 0;
  /** Tag of that record (never 0). */
  recordTag = 0;
  private readonly control: Int32Array;
  private readonly mask: number;
  private reservedPosition = -1;
  private reservedPayloadBytes = 0;
  private reservedHead = 0;
  private nextTail = 0;

  /** A new ring's shared buffer with `capacityBytes` of data (rounded up to a power of two). */
  static create(capacityBytes: number): SharedArrayBuffer {
    let capacity = MIN_CAPACITY_BYTES;
    while (capacity < capacityBytes) capacity *= 2;
    if (capacity > 2 ** 30) throw new RangeError(`SharedRing capacity ${capacityBytes} exceeds 2^30 bytes`);
    return new SharedArrayBuffer(DATA_OFFSET + capacity);
  }

  /** The largest payload a record of a ring made on `buffer` surely finds room for once the ring is empty. */
  static largestSurePayloadBytes(buffer: SharedArrayBuffer): number {
    return (buffer.byteLength - DATA_OFFSET) / 2 - RECORD_HEADER_BYTES;
  }

  /** Wraps a buffer made by `create()` (on either side). */
  constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.bytes = new Uint8Array(buffer);
    this.view = new DataView(buffer);
    this.control = new Int32Array(buffer, 0, DATA_OFFSET / Int32Array.BYTES_PER_ELEMENT);
    this.capacityBytes = buffer.byteLength - DATA_OFFSET;
    this.mask = this.capacityBytes - 1;
  }

  /**
   * Producer: reserves a record with `payloadBytes` of payload and returns the payload's offset in
   * `bytes` (8-byte aligned), or -1 when the ring has no room now. Write the payload, then commit().
   * Only records of at most half the data area (8-byte header included) surely fit an empty ring: a
   * larger one is refused, even by an empty ring, when it does not fit before the end.
   */
  reserve(payloadBytes: number): number {
    const need = RECORD_HEADER_BYTES + align8(payloadBytes);
    const head = this.control[HEAD]!;
    const used = (head - Atomics.load(this.control, TAIL)) | 0;
    const position = head & this.mask;
    const toEnd = this.capacityBytes - position;
    const skip = need > toEnd ? toEnd : 0;
    if (used + skip + need > this.capacityBytes) return -1;
    if (skip > 0) {
      this.view.setUint32(DATA_OFFSET + position, skip - RECORD_HEADER_BYTES, true);
      this.view.setUint32(DATA_OFFSET + position + 4, WRAP_TAG, true);
    }
    this.reservedHead = (head + skip) | 0;
    this.reservedPosition = (head + skip) & this.mask;
    this.reservedPayloadBytes = payloadBytes;
    return DATA_OFFSET + this.reservedPosition + RECORD_HEADER_BYTES;
  }

  /** Producer: publishes the reserved record under `tag` (1..2^32-1). */
  commit(tag: number): void {
    const at = DATA_OFFSET + this.reservedPosition;
    this.view.setUint32(at, this.reservedPayloadBytes, true);
    this.view.setUint32(at + 4, tag, true);
    const need = RECORD_HEADER_BYTES + align8(this.reservedPayloadBytes);
    this.reservedPosition = -1;
    Atomics.store(this.control, HEAD, (this.reservedHead + need) | 0);
  }

  /**
   * Producer: tells a consumer waiting in waitAsync() that records were committed. Cheap when it
   * is not waiting (two atomic operations, no system call).
   */
  notifyConsumer(): void {
    Atomics.add(this.control, SEQ, 1);
    if (Atomics.load(this.control, WAITING) === 1) Atomics.notify(this.control, SEQ);
  }

  /** How many times the producer has called notifyConsumer() (wraps at 2^31). */
  get notifications(): number {
    return Atomics.load(this.control, SEQ);
  }

  /** Consumer: whether no record is waiting. */
  isEmpty(): boolean {
    return Atomics.load(this.control, HEAD) === this.control[TAIL];
  }

  /**
   * Consumer: finds the oldest record (recordOffset, recordLength, recordTag) without consuming
   * it; false when there is none. Read it, then release().
   */
  peek(): boolean {
    for (;;) {
      const tail = this.control[TAIL]!;
      if (Atomics.load(this.control, HEAD) === tail) return false;
      const position = tail & this.mask;
      const at = DATA_OFFSET + position;
      const length = this.view.getUint32(at, true);
      const tag = this.view.getUint32(at + 4, true);
      if (tag === WRAP_TAG) {
        Atomics.store(this.control, TAIL, (tail + this.capacityBytes - position) | 0);
        continue;
      }
      this.recordOffset = at + RECORD_HEADER_BYTES;
      this.recordLength = length;
      this.recordTag = tag;
      this.nextTail = (tail + RECORD_HEADER_BYTES + align8(length)) | 0;
      return true;
    }
  }

  /** Consumer: consumes the record the last peek() found (its bytes may be overwritten from now on). */
  release(): void {
    Atomics.store(this.control, TAIL, this.nextTail);
  }

  /**
   * Consumer (a thread with an event loop): resolves once the producer calls notifyConsumer(), or
   * returns null at once when a record is already waiting (drain, then call again). Only one wait
   * may be pending; call stopWaiting() when it resolves.
   */
  waitAsync(): Promise<unknown> | null {
    Atomics.store(this.control, WAITING, 1);
    const seq = Atomics.load(this.control, SEQ);
    if (!this.isEmpty()) {
      Atomics.store(this.control, WAITING, 0);
      return null;
    }
    // Either the producer bumps SEQ after this point and sees WAITING (then it notifies), or it
    // already did and the wait below returns at once with 'not-equal'.
    const wait = waitAsync(this.control, SEQ, seq);
    if (!wait.async) {
      Atomics.store(this.control, WAITING, 0);
      return null;
    }
    return wait.value;
  }

  /**
   * Consumer: resolves this side's pending waitAsync() now (the ring is being abandoned). A wait
   * left pending would keep the buffer, and whatever its callback holds, alive for good.
   */
  cancelWait(): void {
    Atomics.notify(this.control, SEQ);
  }

  /** Consumer: the wait resolved; the producer need not notify until the next waitAsync(). */
  stopWaiting(): void {
    Atomics.store(this.control, WAITING, 0);
  }
}
