/**
 * Finds the string inputs of an ONNX graph that a Cast node turns into numbers (Triton's
 * `simple_string` parses decimal strings this way). ONNX Runtime fails the whole batch when one
 * element is not a number ("Status Message: stoll"), a 500 for every request batched with it; knowing
 * the rule at load time lets the core refuse such an element with a 400 before the model runs.
 * Read once at inspect time, and only for models that have string inputs at all.
 */
import { readFileSync, statSync } from 'node:fs';
import onnxProtoPackage from 'onnx-proto';
import type { NumericText } from '../backend.js';

const onnx = onnxProtoPackage.onnx;

/** Larger model files are not read for this (the rule is then simply not known). */
export const MAX_ANALYZED_MODEL_BYTES = 64 * 1024 * 1024;

// onnx.TensorProto.DataType codes.
const INTEGER_TYPES = new Set([2, 3, 4, 5, 6, 7, 12, 13]); // UINT8 INT8 UINT16 INT16 INT32 INT64 UINT32 UINT64
const FLOAT_TYPES = new Set([1, 10, 11, 16]); // FLOAT FLOAT16 DOUBLE BFLOAT16

/**
 * For each of `stringInputs` that feeds a Cast to a numeric type, the text its elements must be.
 * Returns an empty map when the file is too large or cannot be decoded.
 */
export function findNumericStringInputs(
  modelPath: string,
  stringInputs: readonly string[],
): Map<string, NumericText> {
  const rules = new Map<string, NumericText>();
  if (stringInputs.length === 0) return rules;
  let graph:
    | {
        node?:
          | {
              opType?: string | null;
              input?: string[] | null;
              attribute?: { name?: string | null; i?: unknown }[] | null;
            }[]
          | null;
      }
    | null
    | undefined;
  try {
    if (statSync(modelPath).size > MAX_ANALYZED_MODEL_BYTES) return rules;
    graph = onnx.ModelProto.decode(readFileSync(modelPath)).graph;
  } catch {
    return rules;
  }
  const wanted = new Set(stringInputs);
  for (const node of graph?.node ?? []) {
    if (node.opType !== 'Cast') continue;
    const source = node.input?.[0];
    if (source === undefined || !wanted.has(source)) continue;
    const to = Number(node.attribute?.find((a) => a.name === 'to')?.i ?? 0);
    const kind: NumericText | null = INTEGER_TYPES.has(to) ? 'integer' : FLOAT_TYPES.has(to) ? 'float' : null;
    // An integer parse is the stricter of the two: keep it when both kinds of Cast read the input.
    if (kind !== null && rules.get(source) !== 'integer') rules.set(source, kind);
  }
  return rules;
}
