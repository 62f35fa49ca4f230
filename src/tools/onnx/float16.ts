/**
 * IEEE 754 half-precision conversion between JS numbers and raw 16-bit patterns, as ONNX stores
 * float16 tensors (raw_data, or int32_data holding the bits) and onnxruntime-node exchanges them
 * (Uint16Array of bits). Rounds to nearest even; no bfloat16 here.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float16 bit pattern nearest to `value` (round half to even; overflow gives ±Infinity) */
export function float32ToFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf or NaN (quiet)
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    if (e < -10) return sign; // underflow to signed zero
    mant |= 0x800000; // implicit leading one
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let bits = mant >>> shift;
    if (rest > half || (rest === half && (bits & 1) === 1)) bits += 1;
    return sign | bits;
  }
  const rest = mant & 0x1fff;
  let bits = (e << 10) | (mant >>> 13);
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) === 1)) bits += 1; // may carry into the exponent
  return sign | bits;
}

/** The number a float16 bit pattern stands for */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Number.POSITIVE_INFINITY : Number.NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}
