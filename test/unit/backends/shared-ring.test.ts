import { Worker } from 'node:worker_threads';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SharedRing } from '../../../src/backends/shared-ring.js';
import { bundleWorker } from '../../conformance/bundle-worker.js';
import { checksum, type RingProducerData, recordSizes, tagOf } from './fixtures/ring-records.js';

/** A ring with `capacityBytes` of data; both sides are the same object in single-thread tests. */
function ringOf(capacityBytes: number): SharedRing {
  return new SharedRing(SharedRing.create(capacityBytes));
}

/** Producer: writes `payload` as one record under `tag`; false when the ring has no room. */
function put(ring: SharedRing, tag: number, payload: Uint8Array): boolean {
  const at = ring.reserve(payload.length);
  if (at < 0) return false;
  ring.bytes.set(payload, at);
  ring.commit(tag);
  return true;
}

/** Consumer: takes the oldest record (a private copy of its payload), or null when there is none. */
function take(ring: SharedRing): { tag: number; payload: Uint8Array } | null {
  if (!ring.peek()) return null;
  const record = {
    tag: ring.recordTag,
    payload: ring.bytes.slice(ring.recordOffset, ring.recordOffset + ring.recordLength),
  };
  ring.release();
  return record;
}

/** `length` bytes that depend on `seed`, so a record's payload says which record it is. */
function patternOf(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 31 + i * 7) & 255;
  return bytes;
}

/** Resolves after the event loop has run its pending tasks once (no timer). */
/** A waitAsync() that must be pending, and whether it has resolved yet. */
function pendingWait(ring: SharedRing): { wait: Promise<unknown>; resolved: boolean } {
  const wait = ring.waitAsync();
  expect(wait).not.toBeNull();
  const pending = { wait: wait!, resolved: false };
  void wait!.then(() => {
    pending.resolved = true;
  });
  return pending;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('SharedRing (one thread)', () => {
  it('SharedRing hands records to the consumer in commit order with their tags and payloads', () => {
    const ring = ringOf(4096);
    const sizes = [0, 1, 7, 8, 9, 100, 1000];
    for (let i = 0; i < sizes.length; i++) expect(put(ring, i + 1, patternOf(i, sizes[i]!))).toBe(true);
    for (let i = 0; i < sizes.length; i++) {
      const record = take(ring);
      expect(record).not.toBeNull();
      expect(record!.tag).toBe(i + 1);
      expect(record!.payload).toEqual(patternOf(i, sizes[i]!));
    }
    expect(take(ring)).toBeNull();
  });

  it('SharedRing gives 8-byte-aligned payload offsets', () => {
    const ring = ringOf(1024);
    for (const size of [3, 0, 13, 1, 100]) {
      const at = ring.reserve(size);
      expect(at % 8).toBe(0);
      ring.commit(1);
      expect(ring.peek()).toBe(true);
      expect(ring.recordOffset).toBe(at);
      ring.release();
    }
  });

  it('SharedRing never lets a record cross the end of its data area and keeps order through many WRAP fillers', () => {
    const ring = ringOf(1024);
    const dataEnd = ring.bytes.length;
    const sizes = recordSizes(20_000, 300, 7);
    let written = 0;
    let read = 0;
    let laps = 0;
    let lastOffset = -1;
    let badRecord = -1;
    while (read < sizes.length) {
      // The producer runs ahead by a varying number of records, so the ring is sometimes full.
      const burst = (sizes[read]! % 5) + 1;
      for (let i = 0; i < burst && written < sizes.length; i++) {
        if (!put(ring, tagOf(written), patternOf(written, sizes[written]!))) break;
        written++;
      }
      const drain = (sizes[written - 1]! % 4) + 1;
      for (let i = 0; i < drain && ring.peek(); i++) {
        if (ring.recordOffset < lastOffset) laps++;
        lastOffset = ring.recordOffset;
        const end = ring.recordOffset + ring.recordLength;
        const payload = ring.bytes.subarray(ring.recordOffset, end);
        const ok =
          end <= dataEnd &&
          ring.recordTag === tagOf(read) &&
          ring.recordLength === sizes[read] &&
          checksum(payload, 0, payload.length) === checksum(patternOf(read, sizes[read]!), 0, sizes[read]!);
        if (!ok && badRecord < 0) badRecord = read;
        ring.release();
        read++;
      }
    }
    expect(badRecord).toBe(-1);
    expect(laps).toBeGreaterThan(1000);
    expect(ring.isEmpty()).toBe(true);
  });

  it('SharedRing agrees with a model of its room and keeps order after positions pass 2^31 and 2^32 bytes', () => {
    const capacity = 1 << 20;
    const ring = ringOf(capacity);
    const head = new Int32Array(ring.buffer, 0, 1); // HEAD is the buffer's first word (see the file header)
    const sizes = [349_000, 8, 520_000, 120_008, 16, 250_000];
    // The model: byte positions since creation as exact doubles, and the unread records' ends.
    let modelHead = 0;
    let modelTail = 0;
    const unreadEnds: number[] = [];
    let written = 0;
    let read = 0;
    let disagreement = '';
    let sawNegative = false;
    let after = 200; // records still to write once HEAD is back at or above zero (past 2^32 bytes)
    while (after > 0 && disagreement === '' && written < 100_000) {
      // The producer writes until the ring is full, then the consumer reads one record.
      for (;;) {
        const size = sizes[written % sizes.length]!;
        const need = 8 + Math.ceil(size / 8) * 8;
        const toEnd = capacity - (modelHead % capacity);
        const skip = need > toEnd ? toEnd : 0;
        const fits = modelHead - modelTail + skip + need <= capacity;
        const at = ring.reserve(size);
        if (at >= 0 !== fits) {
          disagreement = `record ${written}: reserve gave ${at}, the model says fits=${fits}`;
          break;
        }
        if (!fits) break;
        ring.view.setUint32(at, written, true);
        ring.commit(tagOf(written));
        modelHead += skip + need;
        unreadEnds.push(modelHead);
        written++;
        if (head[0]! < 0) sawNegative = true;
        else if (sawNegative) after--;
      }
      if (
        !ring.peek() ||
        ring.recordTag !== tagOf(read) ||
        ring.view.getUint32(ring.recordOffset, true) !== read
      ) {
        disagreement ||= `record ${read} was not the next one read`;
      }
      ring.release();
      modelTail = unreadEnds.shift()!;
      read++;
    }
    expect(disagreement).toBe('');
    expect(sawNegative).toBe(true);
    expect(after).toBeLessThanOrEqual(0);
    expect(modelHead).toBeGreaterThan(2 ** 32);
  });

  it('SharedRing.reserve returns -1 when the ring is full and succeeds once the consumer releases a record', () => {
    const ring = ringOf(1024);
    expect(put(ring, 1, patternOf(1, 504))).toBe(true);
    expect(put(ring, 2, patternOf(2, 504))).toBe(true);
    expect(ring.reserve(0)).toBe(-1);
    expect(take(ring)!.tag).toBe(1);
    expect(put(ring, 3, patternOf(3, 504))).toBe(true);
    expect(take(ring)!.tag).toBe(2);
    expect(take(ring)!.payload).toEqual(patternOf(3, 504));
  });

  it('SharedRing.reserve refuses a record that fits neither before the end nor at the start, then places it at the start', () => {
    const ring = ringOf(1024);
    expect(put(ring, 1, patternOf(1, 504))).toBe(true); // bytes 0..512
    expect(put(ring, 2, patternOf(2, 120))).toBe(true); // bytes 512..640
    take(ring);
    // 896 bytes are free, but only 384 at the end and 512 at the start: a 528-byte record fits nowhere.
    expect(ring.reserve(520)).toBe(-1);
    take(ring);
    expect(put(ring, 3, patternOf(3, 520))).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordOffset).toBe(ring.bytes.length - ring.capacityBytes + 8);
    expect(take(ring)!.payload).toEqual(patternOf(3, 520));
  });

  it('SharedRing.reserve refuses a record larger than the data area even when the ring is empty', () => {
    const ring = ringOf(1024);
    expect(ring.reserve(1024 - 8 + 1)).toBe(-1);
    expect(ring.reserve(1024 - 8)).toBeGreaterThan(0);
  });

  it('SharedRing fits a record of up to half its data area into an empty ring wherever its position is', () => {
    const ring = ringOf(1024);
    const halfPayloadBytes = 1024 / 2 - 8;
    let refusedAt = -1;
    for (let i = 0; i < 1000 && refusedAt < 0; i++) {
      if (!put(ring, 1, patternOf(i, halfPayloadBytes))) refusedAt = i;
      else take(ring);
      put(ring, 2, patternOf(i, i % 61)); // moves the position by a varying amount
      take(ring);
    }
    expect(refusedAt).toBe(-1);
  });

  it('SharedRing refuses a record of more than half its data area, even when empty, if it does not fit before the end', () => {
    const ring = ringOf(1024);
    put(ring, 1, patternOf(1, 504)); // the position is now 512: 512 bytes before the end
    take(ring);
    expect(ring.isEmpty()).toBe(true);
    expect(ring.reserve(512)).toBe(-1);
    expect(ring.reserve(504)).toBeGreaterThan(0);
  });

  it('SharedRing.peek returns false on an empty ring and keeps the record until release', () => {
    const ring = ringOf(1024);
    expect(ring.isEmpty()).toBe(true);
    expect(ring.peek()).toBe(false);
    put(ring, 9, patternOf(9, 16));
    expect(ring.isEmpty()).toBe(false);
    expect(ring.peek()).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordTag).toBe(9);
    ring.release();
    expect(ring.isEmpty()).toBe(true);
    expect(ring.peek()).toBe(false);
  });

  it('SharedRing.waitAsync returns null when a record is already waiting', () => {
    const ring = ringOf(1024);
    put(ring, 1, patternOf(1, 8));
    expect(ring.waitAsync()).toBeNull();
    expect(take(ring)!.tag).toBe(1);
  });

  it('SharedRing.waitAsync resolves when the producer calls notifyConsumer, not when it only commits', async () => {
    const ring = ringOf(1024);
    const pending = pendingWait(ring);
    put(ring, 1, patternOf(1, 8));
    put(ring, 2, patternOf(2, 8));
    await nextTurn();
    expect(pending.resolved).toBe(false);
    ring.notifyConsumer();
    expect(await pending.wait).toBe('ok');
    ring.stopWaiting();
    expect(take(ring)!.tag).toBe(1);
    expect(take(ring)!.tag).toBe(2);
    expect(ring.waitAsync()).not.toBeNull();
    put(ring, 3, patternOf(3, 0));
    ring.notifyConsumer();
  });

  it("SharedRing.cancelWait resolves the consumer's own pending waitAsync with nothing in the ring", async () => {
    const ring = ringOf(1024);
    const pending = pendingWait(ring);
    await nextTurn();
    expect(pending.resolved).toBe(false);
    ring.cancelWait();
    expect(await pending.wait).toBe('ok');
    expect(ring.isEmpty()).toBe(true);
  });

  it('SharedRing.create rounds the data area up to a power of two of at least 1024 bytes', () => {
    expect(ringOf(0).capacityBytes).toBe(1024);
    expect(ringOf(1).capacityBytes).toBe(1024);
    expect(ringOf(1024).capacityBytes).toBe(1024);
    expect(ringOf(1025).capacityBytes).toBe(2048);
    expect(ringOf(3000).capacityBytes).toBe(4096);
    expect(ringOf(65_536).capacityBytes).toBe(65_536);
    const buffer = SharedRing.create(5000);
    expect(buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(buffer.byteLength).toBeGreaterThanOrEqual(8192);
  });

  it('SharedRing.create refuses a data area above 2^30 bytes', () => {
    expect(() => SharedRing.create(2 ** 30 + 1)).toThrow(RangeError);
    expect(() => SharedRing.create(2 ** 30 + 1)).toThrow('SharedRing capacity 1073741825 exceeds 2^30 bytes');
  });
});

describe('SharedRing (two threads)', () => {
  let producerUrl: URL;
  let worker: Worker | null = null;

  beforeAll(async () => {
    producerUrl = await bundleWorker('test/unit/backends/fixtures/ring-producer-worker.ts');
  });

  afterEach(async () => {
    await worker?.terminate();
    worker = null;
  });

  it('SharedRing carries 50 000 records of 0..4000 bytes from a worker thread intact and in order', async () => {
    const data: RingProducerData = {
      buffer: SharedRing.create(64 * 1024),
      count: 50_000,
      maxPayloadBytes: 4000,
      seed: 20_261_206,
    };
    const ring = new SharedRing(data.buffer);
    const sizes = recordSizes(data.count, data.maxPayloadBytes, data.seed);
    const producer = new Worker(producerUrl, { workerData: data });
    worker = producer;
    const failed = new Promise<never>((_, reject) => {
      producer.on('error', reject);
      producer.on('exit', (code) => {
        if (code !== 0) reject(new Error(`Producer exited with code ${code}`));
      });
    });
    failed.catch(() => {}); // terminate() in afterEach may end the worker after the test
    const done = new Promise<unknown>((resolve) => producer.once('message', resolve));
    let read = 0;
    let waits = 0;
    let badRecord = -1;
    while (read < data.count) {
      while (ring.peek()) {
        const at = ring.recordOffset;
        const size = ring.recordLength;
        let ok = ring.recordTag === tagOf(read) && size === sizes[read];
        if (ok && size >= 8) {
          ok =
            ring.view.getUint32(at, true) === read &&
            ring.view.getUint32(at + 4, true) === checksum(ring.bytes, at + 8, at + size);
        } else if (ok) {
          for (let k = 0; k < size; k++) if (ring.bytes[at + k] !== ((read + k) & 255)) ok = false;
        }
        if (!ok && badRecord < 0) badRecord = read;
        ring.release();
        read++;
      }
      if (read === data.count) break;
      const wait = ring.waitAsync();
      if (wait === null) continue;
      waits++;
      await Promise.race([wait, failed]);
      ring.stopWaiting();
    }
    await Promise.race([done, failed]);
    expect(badRecord).toBe(-1);
    expect(read).toBe(data.count);
    expect(ring.peek()).toBe(false);
    // The consumer started before the producer's first record, so it waited for notifications.
    expect(waits).toBeGreaterThan(0);
  }, 15_000);
});
