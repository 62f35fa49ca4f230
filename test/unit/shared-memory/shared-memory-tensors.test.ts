/**
 * Reading inputs from and writing outputs to registered regions (the helpers the frontends call),
 * on real /dev/shm objects written and read with the client's SharedMemoryRegionFile.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SharedMemoryRegionFile } from '../../../src/client/index.js';
import { Status } from '../../../src/common/errors.js';
import {
  checkSharedMemoryOutputs,
  resolveSharedMemoryInputs,
  SharedMemoryManager,
  writeSharedMemoryOutputs,
} from '../../../src/core/index.js';
import { encodeBytesElements, type SharedMemoryRef, type Tensor } from '../../../src/protocol/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

let serial = 0;
let file: SharedMemoryRegionFile;
let manager: SharedMemoryManager;

beforeEach(() => {
  file = SharedMemoryRegionFile.create(`/nereid_tensors_${process.pid}_${serial++}`, 256);
  manager = new SharedMemoryManager({ enabled: true });
  // The region starts 16 bytes into the object: tensor offsets are relative to it.
  manager.registerSystem('r', file.key, 16, 240);
});

afterEach(() => {
  manager.close();
  file.destroy();
});

function input(name: string, datatype: Tensor['datatype'], shape: number[], ref: SharedMemoryRef | null) {
  return { name, datatype, shape, data: new Uint8Array(0), parameters: {}, sharedMemory: ref };
}

describe('resolveSharedMemoryInputs', () => {
  it('returns the same array when no input is in shared memory', () => {
    const inputs = [{ ...input('A', 'INT32', [1], null), data: new Uint8Array(4) }];
    expect(resolveSharedMemoryInputs(manager, inputs)).toBe(inputs);
  });

  it('reads a numeric input at its offset inside the region', () => {
    const values = Int32Array.from([7, -3, 42, 9]);
    file.write(new Uint8Array(values.buffer), 16 + 32);
    const [a] = resolveSharedMemoryInputs(manager, [
      input('A', 'INT32', [1, 4], { region: 'r', offsetBytes: 32, byteSize: 16 }),
    ]);
    expect(Array.from(new Int32Array(a!.data.slice().buffer))).toEqual([7, -3, 42, 9]);
    expect(a!.sharedMemory).toBeNull();
  });

  it('reads BYTES elements with their 4-byte length prefixes', () => {
    const wire = encodeBytesElements(['12', 'hello', '']);
    file.write(wire, 16 + 100);
    const [s] = resolveSharedMemoryInputs(manager, [
      input('S', 'BYTES', [3], { region: 'r', offsetBytes: 100, byteSize: wire.length }),
    ]);
    expect(Array.from(s!.data)).toEqual(Array.from(wire));
  });

  it('refuses a BYTES region whose elements do not match the shape', () => {
    file.write(encodeBytesElements(['only one']), 16);
    const err = serverErrorOf(() =>
      resolveSharedMemoryInputs(manager, [
        input('S', 'BYTES', [2], { region: 'r', offsetBytes: 0, byteSize: 12 }),
      ]),
    );
    expect(err.status).toBe(Status.INVALID_ARG);
  });

  it('refuses a byte size that does not match a fixed-size shape', () => {
    const err = serverErrorOf(() =>
      resolveSharedMemoryInputs(manager, [
        input('A', 'INT32', [4], { region: 'r', offsetBytes: 0, byteSize: 12 }),
      ]),
    );
    expect(err.status).toBe(Status.INVALID_ARG);
    expect(err.message).toContain('shared_memory_byte_size 12 does not match 16 bytes');
  });

  it('refuses inputs in shared memory when client shared memory is disabled', () => {
    const err = serverErrorOf(() =>
      resolveSharedMemoryInputs(new SharedMemoryManager(), [
        input('A', 'INT32', [1], { region: 'r', offsetBytes: 0, byteSize: 4 }),
      ]),
    );
    expect(err.code).toBe('ERR_SHARED_MEMORY_UNSUPPORTED');
    expect(err.message).toContain("shared memory region 'r'");
  });
});

describe('shared-memory outputs', () => {
  const tensor = (name: string, data: Uint8Array): Tensor => ({ name, datatype: 'INT32', shape: [2], data });

  it('checks output regions when the request is decoded', () => {
    expect(() => checkSharedMemoryOutputs(manager, null)).not.toThrow();
    expect(() =>
      checkSharedMemoryOutputs(manager, [
        { name: 'O', sharedMemory: { region: 'r', offsetBytes: 0, byteSize: 8 } },
      ]),
    ).not.toThrow();
    expect(
      serverErrorOf(() =>
        checkSharedMemoryOutputs(manager, [
          { name: 'O', sharedMemory: { region: 'x', offsetBytes: 0, byteSize: 8 } },
        ]),
      ).status,
    ).toBe(Status.NOT_FOUND);
  });

  it('writes an output at its offset and answers it with no data; others keep theirs', () => {
    const o = new Uint8Array(Int32Array.from([5, 6]).buffer);
    const other = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    const out = writeSharedMemoryOutputs(
      manager,
      [{ name: 'O', sharedMemory: { region: 'r', offsetBytes: 40, byteSize: 8 } }, { name: 'P' }],
      [tensor('O', o), tensor('P', other)],
    );
    expect(out[0]!.data.length).toBe(0);
    expect(out[1]!.data).toBe(other);
    expect(Array.from(new Int32Array(file.read(16 + 40, 8).buffer))).toEqual([5, 6]);
  });

  it('returns the outputs untouched when nothing goes to shared memory', () => {
    const outputs = [tensor('O', new Uint8Array(8))];
    expect(writeSharedMemoryOutputs(manager, null, outputs)).toBe(outputs);
    expect(writeSharedMemoryOutputs(manager, [{ name: 'O' }], outputs)).toBe(outputs);
  });

  it('refuses an output larger than its shared_memory_byte_size with Triton text', () => {
    const err = serverErrorOf(() =>
      writeSharedMemoryOutputs(
        manager,
        [{ name: 'O', sharedMemory: { region: 'r', offsetBytes: 0, byteSize: 4 } }],
        [tensor('O', new Uint8Array(8))],
      ),
    );
    expect(err.status).toBe(Status.INTERNAL);
    expect(err.message).toBe(
      "shared memory size specified with the request for output 'O' (4 bytes) should be at least 8 bytes to hold the results",
    );
  });
});
