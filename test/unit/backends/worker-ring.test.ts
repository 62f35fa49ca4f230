import { describe, expect, it } from 'vitest';
import { SharedRing } from '../../../src/backends/shared-ring.js';
import { MessageType, packedByteLength, unpackTensors } from '../../../src/backends/worker-protocol.js';
import {
  createWorkerRings,
  RingTag,
  readErrorRecord,
  readExecuteRecord,
  readResultRecord,
  readSlabExecuteRecord,
  writeErrorRecord,
  writeExecuteRecord,
  writePortRecord,
  writeResultRecord,
  writeSlabExecuteRecord,
} from '../../../src/backends/worker-ring.js';
import type { Tensor } from '../../../src/protocol/tensor.js';
import { bytesTensorOf, stringsOf, tensorOf } from '../../conformance/execute.js';

/** Header bytes of an EXECUTE and a RESULT record before the packed tensors (see worker-ring.ts). */
const EXECUTE_HEADER_BYTES = 16;
const RESULT_HEADER_BYTES = 40;
const MAX = 64 * 1024;

function ringOf(capacityBytes = 256 * 1024): SharedRing {
  return new SharedRing(SharedRing.create(capacityBytes));
}

const inputs: Tensor[] = [
  tensorOf('x', 'FP32', [2, 3], new Float32Array([1, 2, 3, 4, 5, 6.5])),
  bytesTensorOf('texte_entrée', [3], ['a', 'héllo', '']),
  tensorOf('nothing', 'FP32', [0, 4], new Float32Array(0)),
  tensorOf('ids', 'INT64', [1, 2], new BigInt64Array([-1n, 2n ** 40n])),
  tensorOf('flags', 'BOOL', [3], new Uint8Array([1, 0, 1])),
  bytesTensorOf('no_strings', [0], []),
];

/** Each tensor as plain values, so toEqual compares names, datatypes, shapes and bytes. */
function plain(tensors: readonly Tensor[]) {
  return tensors.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape], data: [...t.data] }));
}

describe('worker-ring records', () => {
  it('writeExecuteRecord and readExecuteRecord round-trip the id, batch size, every tensor and the output names', () => {
    const ring = ringOf();
    const outputNames = ['y', 'sortie_ñ', 'z'];
    expect(writeExecuteRecord(ring, MAX, 2 ** 40 + 3, 7, inputs, outputNames)).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordTag).toBe(RingTag.EXECUTE);
    const into = new Uint8Array(ring.recordLength);
    const record = readExecuteRecord(ring, into);
    ring.release();
    expect(record.id).toBe(2 ** 40 + 3);
    expect(record.batchSize).toBe(7);
    expect(record.byteLength).toBe(packedByteLength(inputs, outputNames));
    const { tensors, names } = unpackTensors(into.buffer, record.byteLength);
    expect(plain(tensors)).toEqual(plain(inputs));
    expect(stringsOf(tensors[1]!)).toEqual(['a', 'héllo', '']);
    expect(names).toEqual(outputNames);
    expect(ring.peek()).toBe(false);
  });

  it('writeSlabExecuteRecord puts the packed inputs in the slab once and a SLAB record with id and batch size in the ring', () => {
    const ring = ringOf();
    const slab = ringOf(64 * 1024);
    const outputNames = ['y'];
    const maxSlab = SharedRing.largestSurePayloadBytes(slab.buffer);
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 41, 3, inputs, outputNames)).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordTag).toBe(RingTag.SLAB);
    expect(ring.recordLength).toBe(EXECUTE_HEADER_BYTES);
    expect(slab.peek()).toBe(true);
    const into = new Uint8Array(slab.recordLength);
    const record = readSlabExecuteRecord(ring, slab, into);
    ring.release();
    expect(record).toEqual({ id: 41, batchSize: 3, byteLength: packedByteLength(inputs, outputNames) });
    const { tensors, names } = unpackTensors(into.buffer, record.byteLength);
    expect(plain(tensors)).toEqual(plain(inputs));
    expect(names).toEqual(outputNames);
    expect(slab.peek()).toBe(false);
    expect(ring.peek()).toBe(false);
  });

  it('writeSlabExecuteRecord refuses inputs over the slab limit and, until the worker takes older ones, a full slab', () => {
    const ring = ringOf();
    const slab = ringOf(64 * 1024);
    const maxSlab = SharedRing.largestSurePayloadBytes(slab.buffer);
    const tensorBytes = (bytes: number) => [tensorOf('b', 'UINT8', [bytes], new Uint8Array(bytes))];
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 1, 1, tensorBytes(maxSlab), [])).toBe(false);
    const third = tensorBytes(20 * 1024);
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 1, 1, third, [])).toBe(true);
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 2, 1, third, [])).toBe(true);
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 3, 1, third, [])).toBe(true);
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 4, 1, third, [])).toBe(false);
    // Nothing of the refused one reached the ring: three SLAB records, then the first is taken.
    const into = new Uint8Array(maxSlab);
    const taken = [1, 2, 3].map(() => {
      expect(ring.peek() && slab.peek()).toBe(true);
      const { id } = readSlabExecuteRecord(ring, slab, into);
      ring.release();
      return id;
    });
    expect(taken).toEqual([1, 2, 3]);
    expect(ring.peek()).toBe(false);
    expect(writeSlabExecuteRecord(ring, slab, maxSlab, 4, 1, third, [])).toBe(true);
  });

  it('readExecuteRecord copies a record into the start of a reused buffer that held a longer one', () => {
    const ring = ringOf();
    const scratch = new Uint8Array(MAX).fill(0xee);
    const long = [tensorOf('long', 'UINT8', [5000], new Uint8Array(5000).fill(7))];
    const short = [tensorOf('s', 'INT32', [2], new Int32Array([-5, 9]))];
    writeExecuteRecord(ring, MAX, 1, 1, long, []);
    writeExecuteRecord(ring, MAX, 2, 2, short, ['only']);
    const records = [1, 2].map(() => {
      ring.peek();
      const record = readExecuteRecord(ring, scratch);
      ring.release();
      return { record, unpacked: unpackTensors(scratch.buffer, record.byteLength) };
    });
    expect(records[1]!.record.id).toBe(2);
    expect(plain(records[1]!.unpacked.tensors)).toEqual(plain(short));
    expect(records[1]!.unpacked.names).toEqual(['only']);
  });

  it('writeResultRecord and readResultRecord round-trip the id, the timings and every output into a private buffer', () => {
    const ring = ringOf();
    const timings = {
      computeInputNs: 1234.5,
      computeInferNs: 98_765_432,
      computeOutputNs: 0,
      computeStartNs: 5e14 + 0.5,
    };
    expect(writeResultRecord(ring, MAX, 41, timings, inputs)).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordTag).toBe(RingTag.RESULT);
    const msg = readResultRecord(ring);
    ring.release();
    expect(msg).toMatchObject({ type: MessageType.RESULT, id: 41, inputBuffer: null, ...timings });
    expect(msg.buffer).toBeInstanceOf(ArrayBuffer);
    expect(msg.byteLength).toBe(packedByteLength(inputs, []));
    expect((msg.byteOffset ?? 0) % 8).toBe(0); // tensor data stay 8-byte aligned
    const outputs = unpackTensors(msg.buffer, msg.byteLength, msg.byteOffset);
    const before = plain(outputs.tensors);
    expect(before).toEqual(plain(inputs));
    expect(outputs.names).toEqual([]);
    // The sinks keep the outputs after the record is released: new records must not change them.
    for (let i = 0; i < 20; i++) {
      writeResultRecord(ring, MAX, 100 + i, timings, [tensorOf('x', 'UINT8', [4000], new Uint8Array(4000))]);
      ring.peek();
      ring.release();
    }
    expect(plain(outputs.tensors)).toEqual(before);
  });

  it('writeResultRecord writes a result without outputs', () => {
    const ring = ringOf();
    const timings = { computeInputNs: 1, computeInferNs: 2, computeOutputNs: 3, computeStartNs: 4 };
    expect(writeResultRecord(ring, MAX, 5, timings, [])).toBe(true);
    ring.peek();
    const msg = readResultRecord(ring);
    expect(msg.id).toBe(5);
    expect(unpackTensors(msg.buffer, msg.byteLength, msg.byteOffset).tensors).toEqual([]);
  });

  it('writeErrorRecord and readErrorRecord round-trip the id, status, code and message', () => {
    const ring = ringOf();
    const error = {
      status: 'INVALID_ARG' as const,
      code: 'ERR_MODEL_INPUT' as const,
      message: 'Input "größe" has shape [2,3]: expected [-1,4] ✓',
    };
    expect(writeErrorRecord(ring, MAX, 77, error)).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordTag).toBe(RingTag.ERROR);
    const read = readErrorRecord(ring);
    ring.release();
    expect(read).toEqual({ id: 77, error });
  });

  it('writePortRecord writes an empty PORT record', () => {
    const ring = ringOf();
    expect(writePortRecord(ring)).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordTag).toBe(RingTag.PORT);
    expect(ring.recordLength).toBe(0);
  });

  it('Records of every kind come out of one ring in the order they went in', () => {
    const ring = ringOf();
    const timings = { computeInputNs: 1, computeInferNs: 2, computeOutputNs: 3, computeStartNs: 4 };
    writeResultRecord(ring, MAX, 1, timings, inputs);
    writePortRecord(ring);
    writeErrorRecord(ring, MAX, 3, { status: 'INTERNAL', code: 'ERR_BACKEND', message: 'Failed' });
    writeResultRecord(ring, MAX, 4, timings, []);
    const seen: string[] = [];
    while (ring.peek()) {
      const tag = ring.recordTag;
      if (tag === RingTag.RESULT) seen.push(`result ${readResultRecord(ring).id}`);
      else if (tag === RingTag.ERROR) seen.push(`error ${readErrorRecord(ring).id}`);
      else seen.push('port');
      ring.release();
    }
    expect(seen).toEqual(['result 1', 'port', 'error 3', 'result 4']);
  });

  it('writeExecuteRecord returns false and writes nothing above maxRecordBytes', () => {
    const ring = ringOf();
    const payload = EXECUTE_HEADER_BYTES + packedByteLength(inputs, ['y']);
    expect(writeExecuteRecord(ring, payload - 1, 1, 1, inputs, ['y'])).toBe(false);
    expect(ring.peek()).toBe(false);
    expect(writeExecuteRecord(ring, payload, 1, 1, inputs, ['y'])).toBe(true);
    expect(ring.peek()).toBe(true);
    expect(ring.recordLength).toBe(payload);
  });

  it('writeResultRecord and writeErrorRecord return false and write nothing above maxRecordBytes', () => {
    const ring = ringOf();
    const timings = { computeInputNs: 1, computeInferNs: 2, computeOutputNs: 3, computeStartNs: 4 };
    const payload = RESULT_HEADER_BYTES + packedByteLength(inputs, []);
    expect(writeResultRecord(ring, payload - 1, 1, timings, inputs)).toBe(false);
    const error = { status: 'INTERNAL' as const, code: 'ERR_BACKEND' as const, message: 'x'.repeat(200) };
    expect(writeErrorRecord(ring, 200, 2, error)).toBe(false);
    expect(ring.peek()).toBe(false);
    expect(writeResultRecord(ring, payload, 1, timings, inputs)).toBe(true);
  });

  it('Record writers return false when the ring is full', () => {
    const ring = ringOf(1024);
    const big = [tensorOf('b', 'UINT8', [400], new Uint8Array(400))];
    const timings = { computeInputNs: 1, computeInferNs: 2, computeOutputNs: 3, computeStartNs: 4 };
    expect(writeExecuteRecord(ring, MAX, 1, 1, big, [])).toBe(true);
    expect(writeResultRecord(ring, MAX, 2, timings, big)).toBe(true);
    expect(writeExecuteRecord(ring, MAX, 3, 1, big, [])).toBe(false);
    expect(writeResultRecord(ring, MAX, 3, timings, big)).toBe(false);
    const error = { status: 'INTERNAL' as const, code: 'ERR_BACKEND' as const, message: 'x'.repeat(100) };
    expect(writeErrorRecord(ring, MAX, 3, error)).toBe(false);
    while (writePortRecord(ring));
    expect(writePortRecord(ring)).toBe(false);
  });
});

describe('createWorkerRings', () => {
  for (const maxInFlight of [1, 2, 4, 8, 16, 64, 1000]) {
    it(`createWorkerRings(${maxInFlight}) leaves room for ${maxInFlight} + 1 records of maxRecordBytes in each ring wherever its position is`, () => {
      const rings = createWorkerRings(maxInFlight);
      expect(rings.maxRecordBytes).toBeGreaterThan(0);
      expect(rings.maxRecordBytes).toBeLessThanOrEqual(64 * 1024);
      expect(rings.maxRecordBytes % 8).toBe(0);
      for (const buffer of [rings.requests, rings.results]) {
        const ring = new SharedRing(buffer);
        const window = maxInFlight + 1;
        // The producer keeps `window` records unread, of the largest size or (a PORT record) none,
        // so the WRAP fillers land at every kind of position over many laps around the ring.
        let sizeSeed = maxInFlight;
        let unread = 0;
        let refusedAt = -1;
        let written = 0;
        for (let bytes = 0; bytes < 6 * ring.capacityBytes && refusedAt < 0; written++) {
          if (unread === window) {
            ring.peek();
            ring.release();
            unread--;
          }
          sizeSeed = (Math.imul(sizeSeed, 1_103_515_245) + 12_345) >>> 0;
          const size =
            sizeSeed % 7 === 0
              ? 0
              : sizeSeed % 3 === 0
                ? sizeSeed % rings.maxRecordBytes
                : rings.maxRecordBytes;
          const at = ring.reserve(size);
          if (at < 0) refusedAt = written;
          else {
            ring.commit(RingTag.EXECUTE);
            unread++;
            bytes += 8 + size;
          }
        }
        expect(refusedAt).toBe(-1);
        expect(unread).toBe(window);
      }
      // Only records of the largest size, starting from 64 positions spread over one record.
      const recordBytes = 8 + rings.maxRecordBytes;
      for (let phase = 0; phase < 64; phase++) {
        const ring = new SharedRing(SharedRing.create(new SharedRing(rings.requests).capacityBytes));
        ring.reserve(Math.floor((phase * recordBytes) / 64 / 8) * 8);
        ring.commit(RingTag.PORT);
        ring.peek();
        ring.release();
        let unread = 0;
        let refusedAt = -1;
        for (let written = 0; written < 3 * (ring.capacityBytes / recordBytes) && refusedAt < 0; written++) {
          if (unread === maxInFlight + 1) {
            ring.peek();
            ring.release();
            unread--;
          }
          if (ring.reserve(rings.maxRecordBytes) < 0) refusedAt = written;
          else {
            ring.commit(RingTag.RESULT);
            unread++;
          }
        }
        expect(refusedAt).toBe(-1);
      }
    });
  }

  it('createWorkerRings grows the rings for a very large maxInFlight so that every execution still has a record', () => {
    const maxInFlight = 200_000;
    const rings = createWorkerRings(maxInFlight);
    for (const buffer of [rings.requests, rings.results]) {
      const ring = new SharedRing(buffer);
      let fitted = 0;
      while (fitted < maxInFlight + 1 && ring.reserve(rings.maxRecordBytes) >= 0) {
        ring.commit(RingTag.PORT);
        fitted++;
      }
      expect(fitted).toBe(maxInFlight + 1);
    }
  });

  it('createWorkerRings keeps records of at most 64 KiB and smaller ones for more executions in flight', () => {
    expect(createWorkerRings(1).maxRecordBytes).toBe(64 * 1024);
    expect(createWorkerRings(16).maxRecordBytes).toBeLessThan(createWorkerRings(8).maxRecordBytes);
  });
});
