/**
 * A requested output of an HTTP inference request (an entry of `outputs`): its name, the
 * classification count, the binary/JSON choice and shared-memory destination, with Triton's rules
 * (classification a non-negative integer; shared memory excludes classification and binary_data).
 * Whether the model has such an output is the core's check.
 */
import { invalidArg } from '../common/index.js';
import { ProtocolErrorCode } from './error-codes.js';
import type { SharedMemoryRef } from './http-parameters.js';
import { isNonNegativeInteger, readParameters, readSharedMemory } from './http-parameters.js';
import type { Parameters } from './tensor.js';

/** An output the request asked for, with how it wants it back. */
export interface RequestedOutput {
  /** Output name. */
  readonly name: string;
  /** Top-N classification count (`classification` parameter); 0 = plain tensor. */
  readonly classCount: number;
  /** `binary_data` parameter: true/false, or undefined to follow the request's binary_data_output. */
  readonly binary: boolean | undefined;
  /** The output's parameters as sent. */
  readonly parameters: Parameters;
  /** Shared-memory destination when requested; null otherwise. */
  readonly sharedMemory: SharedMemoryRef | null;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Decodes entry `index` of a request's `outputs` array, checking its parameters. */
export function decodeRequestedOutput(raw: unknown, index: number): RequestedOutput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalidArg(
      ProtocolErrorCode.OUTPUT_FIELD,
      `Output ${index} must be an object, got ${typeName(raw)}`,
    );
  }
  const output = raw as Record<string, unknown>;
  const name = output.name;
  if (typeof name !== 'string') {
    throw invalidArg(
      ProtocolErrorCode.OUTPUT_FIELD,
      name === undefined
        ? `Output ${index} has no 'name'`
        : `Output ${index}: 'name' must be a string, got ${typeName(name)}`,
    );
  }
  const where = `output '${name}'`;
  const parameters = readParameters(output.parameters, where);
  const classification = parameters.classification;
  if (classification !== undefined && !isNonNegativeInteger(classification)) {
    throw invalidArg(
      ProtocolErrorCode.OUTPUT_FIELD,
      `Output '${name}': 'classification' must be a non-negative integer, got ${JSON.stringify(classification)}`,
    );
  }
  const binary = parameters.binary_data;
  if (binary !== undefined && typeof binary !== 'boolean') {
    throw invalidArg(
      ProtocolErrorCode.OUTPUT_FIELD,
      `Output '${name}': 'binary_data' must be a boolean, got ${JSON.stringify(binary)}`,
    );
  }
  const sharedMemory = readSharedMemory(parameters, where);
  if (sharedMemory !== null && (classification ?? 0) > 0) {
    throw invalidArg(
      ProtocolErrorCode.SHARED_MEMORY,
      `Output '${name}' can't set both 'shared_memory_region' and 'classification'`,
    );
  }
  if (sharedMemory !== null && binary === true) {
    throw invalidArg(
      ProtocolErrorCode.SHARED_MEMORY,
      `Output '${name}' can't set both 'shared_memory_region' and 'binary_data'`,
    );
  }
  return { name, classCount: classification ?? 0, binary, parameters, sharedMemory };
}
