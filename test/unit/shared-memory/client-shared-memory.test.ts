/**
 * The client side of shared memory without a server: shared-memory inputs and outputs in the HTTP
 * and gRPC request encodings (Triton's parameters, no data, no binary size, no raw entry), and
 * SharedMemoryRegionFile reading back what it wrote.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodeGrpcInferRequest,
  encodeHttpInferRequest,
  InferInput,
  SharedMemoryRegionFile,
  sharedMemoryTensor,
  tensor,
} from '../../../src/client/index.js';

function headerJson(chunks: Uint8Array[]): any {
  return JSON.parse(Buffer.from(chunks[0]!).toString('utf8'));
}

const files: SharedMemoryRegionFile[] = [];
afterEach(() => {
  for (const f of files.splice(0)) f.destroy();
});

describe('shared-memory inputs and outputs in client requests', () => {
  const shmInput = sharedMemoryTensor('INPUT0', 'INT32', [1, 16], 'in', 64, 128);
  const plain = tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(3));
  const outputs = [
    { name: 'OUTPUT0', sharedMemory: { region: 'out', byteSize: 64, offsetBytes: 64 } },
    'OUTPUT1',
  ];

  it('HTTP sends the region parameters without data or binary_data_size and no body bytes for it', () => {
    const encoded = encodeHttpInferRequest([shmInput, plain], { outputs });
    const json = headerJson(encoded.chunks);
    expect(json.inputs[0]).toEqual({
      name: 'INPUT0',
      shape: [1, 16],
      datatype: 'INT32',
      parameters: { shared_memory_region: 'in', shared_memory_byte_size: 64, shared_memory_offset: 128 },
    });
    expect(json.inputs[1].parameters).toEqual({ binary_data_size: 64 });
    expect(encoded.contentLength).toBe(encoded.chunks[0]!.length + 64);
    expect(json.outputs[0]).toEqual({
      name: 'OUTPUT0',
      parameters: { shared_memory_region: 'out', shared_memory_byte_size: 64, shared_memory_offset: 64 },
    });
    expect(json.outputs[1]).toEqual({ name: 'OUTPUT1', parameters: { binary_data: true } });
  });

  it('HTTP JSON mode sends shared-memory inputs without data', () => {
    const json = headerJson(encodeHttpInferRequest([shmInput, plain], { json: true }).chunks);
    expect(json.inputs[0].data).toBeUndefined();
    expect(json.inputs[1].data).toHaveLength(16);
  });

  it('gRPC sends raw contents only for inputs not in shared memory and typed region parameters', () => {
    const message = encodeGrpcInferRequest('simple', [shmInput, plain], { outputs });
    expect(message.raw_input_contents).toHaveLength(1);
    expect(message.raw_input_contents![0]).toBe(plain.data);
    expect(message.inputs![0]!.parameters).toEqual({
      shared_memory_region: { string_param: 'in' },
      shared_memory_byte_size: { int64_param: 64 },
      shared_memory_offset: { int64_param: 128 },
    });
    expect(message.outputs![0]!.parameters).toEqual({
      shared_memory_region: { string_param: 'out' },
      shared_memory_byte_size: { int64_param: 64 },
      shared_memory_offset: { int64_param: 64 },
    });
  });

  it('withSharedMemory keeps name, datatype, shape and other parameters and drops the data', () => {
    const moved = tensor('X', 'FP32', [2], [1, 2], { note: 'x' }).withSharedMemory('r', 8);
    expect(moved).toBeInstanceOf(InferInput);
    expect([moved.name, moved.datatype, moved.shape, moved.data.length]).toEqual(['X', 'FP32', [2], 0]);
    expect(moved.parameters).toEqual({ note: 'x', shared_memory_region: 'r', shared_memory_byte_size: 8 });
    expect(moved.inSharedMemory).toBe(true);
  });

  it('refuses a byte size that does not fit a fixed-size shape and shm outputs with classification', () => {
    expect(() => sharedMemoryTensor('X', 'INT32', [4], 'r', 12)).toThrow(/byteSize 12 .* needs 16/);
    expect(() =>
      encodeHttpInferRequest([plain], {
        outputs: [{ name: 'O', classCount: 2, sharedMemory: { region: 'r', byteSize: 8 } }],
      }),
    ).toThrow(/cannot be combined/);
  });
});

describe('SharedMemoryRegionFile', () => {
  it('creates an object under /dev/shm, writes tensors back to back and reads them back', () => {
    const f = SharedMemoryRegionFile.create(`nereid_client_${process.pid}`, 64);
    files.push(f);
    expect(f.key).toBe(`/nereid_client_${process.pid}`);
    expect(f.path).toBe(`/dev/shm/nereid_client_${process.pid}`);
    const a = tensor('A', 'INT32', [2], [1, 2]);
    const s = tensor('S', 'BYTES', [2], ['hi', 'there']);
    const end = f.write([a, s], 4);
    expect(end).toBe(4 + 8 + s.data.length);
    expect(Array.from(new Int32Array(f.read(4, 8).buffer))).toEqual([1, 2]);
    expect(f.readStrings(12, 2)).toEqual(['hi', 'there']);
    expect(() => f.write(new Uint8Array(8), 60)).toThrow(/has 64 bytes/);
  });
});
