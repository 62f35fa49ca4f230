/**
 * The classification extension: replaces an output by its top-N classes per batch row, as a BYTES
 * tensor of `"<value>:<index>[:<label>]"` strings, shape [batch, N] (batched models) or [N], with N
 * capped at the classes per row. Values print as Triton prints them (`std::to_string`): integers in
 * decimal, floats as printf `%f` (six decimals, ties to even, `nan`/`inf`). Order: value descending,
 * ties by lower index, NaN last. Triton refuses FP16/BF16; Nereid accepts them (values widened to
 * float32). BOOL and BYTES are refused with Triton's message. Labels come from the caller.
 */
import { invalidArg } from '../common/index.js';
import { encodeBytesElements } from './bytes-tensor.js';
import type { DataType } from './datatypes.js';
import { ProtocolErrorCode } from './error-codes.js';
import { fromBf16Array, fromFp16Array } from './half-float.js';
import type { Tensor } from './tensor.js';
import { viewAsTypedArray } from './typed-view.js';

/** Options of classify(). */
export interface ClassifyOptions {
  /** Whether the first dimension is the batch dimension (the model has max_batch_size > 0); default false. */
  batched?: boolean;
  /** Class labels by index (from the model's label_filename); default none. */
  labels?: readonly string[] | null;
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const MILLION = 1000000n;

/** Exact `|x| * 2e6 === y` for a finite double x (used only to confirm printf rounding ties). */
function isExactTie(abs: number, y: number): boolean {
  F64[0] = abs;
  const bits = U64[0]!;
  const exp = Number((bits >> 52n) & 0x7ffn);
  let mant = bits & 0xfffffffffffffn;
  if (exp !== 0) mant |= 0x10000000000000n;
  const shift = (exp === 0 ? 1 : exp) - 1075; // abs = mant × 2^shift
  const lhs = mant * 2000000n;
  const rhs = BigInt(y);
  return shift >= 0 ? lhs << BigInt(shift) === rhs : lhs === rhs << BigInt(-shift);
}

/** Formats a float as C's `printf("%f")` / `std::to_string(double)` does (glibc). */
export function formatFixed6(x: number): string {
  if (Number.isNaN(x)) {
    F64[0] = x;
    return U64[0]! >> 63n === 1n ? '-nan' : 'nan';
  }
  if (x === Number.POSITIVE_INFINITY) return 'inf';
  if (x === Number.NEGATIVE_INFINITY) return '-inf';
  const negative = x < 0 || Object.is(x, -0);
  const abs = Math.abs(x);
  if (abs >= 1e21) return `${negative ? '-' : ''}${BigInt(abs).toString()}.000000`;
  const y = abs * 2000000;
  if (abs < 4e9 && Number.isInteger(y) && y % 2 === 1 && isExactTie(abs, y)) {
    // Exactly halfway between two six-decimal values: glibc rounds to even, toFixed rounds up.
    let n = BigInt((y - 1) / 2);
    if (n % 2n === 1n) n += 1n;
    const frac = (n % MILLION).toString().padStart(6, '0');
    return `${negative ? '-' : ''}${n / MILLION}.${frac}`;
  }
  const s = abs.toFixed(6);
  return negative ? `-${s}` : s;
}

/** Indices of the top `n` values of row [start, start+len), descending, ties by lower index, NaN last. */
function isNaNValue(v: number | bigint): boolean {
  return typeof v === 'number' && Number.isNaN(v);
}

function topIndices(values: ArrayLike<number | bigint>, start: number, len: number, n: number): number[] {
  const top: number[] = [];
  if (n <= 0) return top;
  for (let i = 0; i < len; i++) {
    const v = values[start + i]!;
    if (isNaNValue(v)) continue; // NaN: appended at the end below
    if (top.length === n && !(v > values[start + top[n - 1]!]!)) continue;
    let j = top.length < n ? top.length : n - 1;
    while (j > 0 && v > values[start + top[j - 1]!]!) {
      top[j] = top[j - 1]!;
      j--;
    }
    top[j] = i;
  }
  for (let i = 0; i < len && top.length < n; i++) {
    const v = values[start + i]!;
    if (isNaNValue(v)) top.push(i);
  }
  return top;
}

function valuesOf(name: string, datatype: DataType, data: Uint8Array): ArrayLike<number | bigint> {
  switch (datatype) {
    case 'BOOL':
    case 'BYTES':
      throw invalidArg(
        ProtocolErrorCode.CLASSIFICATION_DATATYPE,
        `Class result not available for output '${name}' due to unsupported type '${datatype}'`,
      );
    case 'FP16':
      return fromFp16Array(viewAsTypedArray('FP16', data));
    case 'BF16':
      return fromBf16Array(viewAsTypedArray('BF16', data));
    default:
      return viewAsTypedArray(datatype, data);
  }
}

/**
 * Classifies `tensor` into its top `classCount` classes per batch row (or over the whole tensor
 * when not batched) and returns the BYTES tensor Triton returns in its place (same name).
 */
export function classify(tensor: Tensor, classCount: number, options: ClassifyOptions = {}): Tensor {
  const { name, datatype, shape } = tensor;
  const values = valuesOf(name, datatype, tensor.data);
  const batched = options.batched === true && shape.length > 0;
  const batch = batched ? shape[0]! : 1;
  let rowLen = 1;
  for (let i = batched ? 1 : 0; i < shape.length; i++) rowLen *= shape[i]!;
  const n = Math.min(classCount, rowLen);
  const labels = options.labels ?? null;
  const isFloat = datatype === 'FP32' || datatype === 'FP64' || datatype === 'FP16' || datatype === 'BF16';
  const strings: string[] = [];
  for (let b = 0; b < batch; b++) {
    const start = b * rowLen;
    // Triton classifies an empty row when the tensor holds fewer bytes than its shape says.
    const len = start + rowLen > values.length ? 0 : rowLen;
    const top = topIndices(values, start, len, n);
    for (let k = 0; k < top.length; k++) {
      const idx = top[k]!;
      const v = values[start + idx]!;
      let s = `${isFloat ? formatFixed6(v as number) : v.toString()}:${idx}`;
      const label = labels !== null ? labels[idx] : undefined;
      if (label !== undefined) s += `:${label}`;
      strings.push(s);
    }
  }
  return {
    name,
    datatype: 'BYTES',
    shape: batched ? [batch, n] : [n],
    data: encodeBytesElements(strings),
  };
}
