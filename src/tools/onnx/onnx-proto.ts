/**
 * The ONNX protobuf schema (ONNX v1.10.2 definitions from `onnx-proto`, protobufjs 6) as an ESM
 * value, plus helpers for its 64-bit integer fields, which decode as `Long` objects. Building and
 * walking graphs live in the other files of this folder; this file only bridges the CJS package.
 */
import onnxProtoPackage from 'onnx-proto';
import { invalidArg } from '../../common/index.js';

/** The `onnx` protobuf namespace: `onnx.ModelProto`, `onnx.GraphProto`, `onnx.TensorProto`, etc. */
export const onnx = onnxProtoPackage.onnx;

/** The `onnx` namespace type, for `OnnxProto.ModelProto` and friends in type positions. */
export type { onnx as OnnxProto } from 'onnx-proto';

/** A protobufjs 64-bit integer as decoded (`Long`) or as written (`number`). */
export type Int64Like = number | { toNumber(): number } | bigint;

/** Converts an int64 field value (number, Long or bigint) to a JS number; throws past 2^53 */
export function int64ToNumber(value: Int64Like | null | undefined): number {
  if (value === null || value === undefined) return 0;
  const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : value.toNumber();
  if (!Number.isSafeInteger(n)) {
    throw invalidArg(
      'ERR_ONNX_INT64_RANGE',
      `Int64 value ${String(value)} is outside the safe integer range of a JS number (±${Number.MAX_SAFE_INTEGER})`,
    );
  }
  return n;
}
