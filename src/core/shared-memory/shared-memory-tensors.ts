/**
 * Tensor data through shared memory, for the frontends: inputs whose `shared_memory_*`
 * parameters name a region are read from it when the request is decoded (BYTES as 4-byte length
 * prefixes, as Triton lays them out); outputs that name a region are checked at decode time and
 * written into it when the response is encoded, and then travel with no data. Requests without
 * shared memory pass through untouched (one scan of their inputs / requested outputs).
 */
import { internal, invalidArg } from '../../common/index.js';
import type { SharedMemoryRef, Tensor } from '../../protocol/index.js';
import { checkBytesElementCount, ELEMENT_BYTES, elementCount } from '../../protocol/index.js';
import type { SharedMemoryManager } from './shared-memory-manager.js';

/** A decoded input that may live in shared memory (the protocol's DecodedInferInput fits). */
export interface SharedMemoryInput extends Tensor {
  /** Where its data is, or null when the data came with the request. */
  readonly sharedMemory: SharedMemoryRef | null;
}

/** A requested output that may go to shared memory (the protocol's RequestedOutput fits). */
export interface SharedMemoryOutputTarget {
  /** Output name. */
  readonly name: string;
  /** Where to write it; absent or null for a normal output. */
  readonly sharedMemory?: SharedMemoryRef | null;
}

const EMPTY_BYTES = new Uint8Array(0);

function disabledError(kind: 'Input' | 'Output', name: string, region: string) {
  return invalidArg(
    'ERR_SHARED_MEMORY_UNSUPPORTED',
    `${kind} '${name}' names shared memory region '${region}': client shared memory is not available on this server (start it with --allow-client-shm=true)`,
  );
}

/**
 * The inputs with the data of shared-memory inputs read from their regions (`inputs` itself when
 * none is in shared memory). Throws INVALID_ARG / NOT_FOUND with Triton's texts.
 */
export function resolveSharedMemoryInputs<T extends SharedMemoryInput>(
  manager: SharedMemoryManager,
  inputs: T[],
): T[] {
  let out: T[] | null = null;
  for (let i = 0; i < inputs.length; i++) {
    const input = inputs[i]!;
    const ref = input.sharedMemory;
    if (ref === null) continue;
    if (!manager.enabled) throw disabledError('Input', input.name, ref.region);
    const count = elementCount(input.shape);
    if (input.datatype !== 'BYTES' && ref.byteSize !== count * ELEMENT_BYTES[input.datatype]) {
      throw invalidArg(
        'ERR_SHARED_MEMORY_PARAMS',
        `Input '${input.name}': shared_memory_byte_size ${ref.byteSize} does not match ${count * ELEMENT_BYTES[input.datatype]} bytes for shape [${input.shape.join(',')}] of ${input.datatype}`,
      );
    }
    const data = manager
      .regionFor(ref.region, ref.offsetBytes, ref.byteSize)
      .read(ref.offsetBytes, ref.byteSize);
    if (input.datatype === 'BYTES') checkBytesElementCount(data, count, input.name);
    if (out === null) out = inputs.slice();
    out[i] = { ...input, data, sharedMemory: null };
  }
  return out ?? inputs;
}

/** Checks that every requested output's shared-memory destination exists and is in bounds. */
export function checkSharedMemoryOutputs(
  manager: SharedMemoryManager,
  outputs: readonly SharedMemoryOutputTarget[] | null,
): void {
  if (outputs === null) return;
  for (let i = 0; i < outputs.length; i++) {
    const ref = outputs[i]!.sharedMemory;
    if (ref == null) continue;
    if (!manager.enabled) throw disabledError('Output', outputs[i]!.name, ref.region);
    manager.regionFor(ref.region, ref.offsetBytes, ref.byteSize);
  }
}

/**
 * Writes each output that `requested` sends to shared memory into its region and returns the
 * outputs with those ones emptied (`outputs` itself when none goes to shared memory). Throws
 * INTERNAL with Triton's text when an output is larger than its `shared_memory_byte_size`.
 */
export function writeSharedMemoryOutputs<T extends Tensor>(
  manager: SharedMemoryManager,
  requested: readonly SharedMemoryOutputTarget[] | null,
  outputs: T[],
): T[] {
  if (requested === null) return outputs;
  let out: T[] | null = null;
  for (let r = 0; r < requested.length; r++) {
    const ref = requested[r]!.sharedMemory;
    if (ref == null) continue;
    const name = requested[r]!.name;
    for (let i = 0; i < outputs.length; i++) {
      const tensor = outputs[i]!;
      if (tensor.name !== name) continue;
      if (tensor.data.length > ref.byteSize) {
        throw internal(
          'ERR_SHM_OUTPUT_TOO_SMALL',
          `shared memory size specified with the request for output '${name}' (${ref.byteSize} bytes) should be at least ${tensor.data.length} bytes to hold the results`,
        );
      }
      manager.regionFor(ref.region, ref.offsetBytes, ref.byteSize).write(ref.offsetBytes, tensor.data);
      if (out === null) out = outputs.slice();
      out[i] = { ...tensor, data: EMPTY_BYTES };
    }
  }
  return out ?? outputs;
}
