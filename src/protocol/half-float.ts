/**
 * Conversions between float32 values and the 16-bit FP16 (IEEE binary16) and BF16 (bfloat16)
 * bit patterns that FP16/BF16 tensors carry. Rounding is to nearest, ties to even; infinities,
 * NaN (kept quiet, sign kept) and subnormals are handled. JS numbers are first rounded to float32
 * (as `Math.fround`), so a float64 input is rounded twice. Bulk array helpers are included.
 */

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** The FP16 bit pattern nearest to `value` (after rounding `value` to float32). */
export function float32ToFp16Bits(value: number): number {
  F32[0] = value;
  const bits = U32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) {
    // Inf keeps a zero mantissa; NaN keeps its top payload bits and stays quiet.
    return mant === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mant >>> 13);
  }
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00; // overflow → infinity
  if (e <= 0) {
    // Result is subnormal (or zero): value = M × 2^(exp−150), FP16 subnormal = m × 2^−24.
    if (e < -10) return sign; // below half the smallest subnormal
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // may carry into infinity: correct
  return sign | half;
}

/** The float value of an FP16 bit pattern (exact; every FP16 value is a float32 value). */
export function fp16BitsToFloat32(bits: number): number {
  const sign = (bits & 0x8000) << 16;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) {
    const v = mant * 2 ** -24;
    return sign === 0 ? v : -v;
  }
  if (exp === 0x1f) {
    U32[0] = (sign | 0x7f800000 | (mant << 13)) >>> 0;
  } else {
    U32[0] = (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  }
  return F32[0]!;
}

/** The BF16 bit pattern nearest to `value` (after rounding `value` to float32). */
export function float32ToBf16Bits(value: number): number {
  F32[0] = value;
  const bits = U32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) {
    return ((bits >>> 16) | 0x40) & 0xffff; // NaN: keep sign and payload top bits, force quiet
  }
  // Round to nearest even on the low 16 bits; overflow carries into infinity as it should.
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** The float value of a BF16 bit pattern (exact). */
export function bf16BitsToFloat32(bits: number): number {
  U32[0] = (bits & 0xffff) << 16;
  return F32[0]!;
}

/** Converts float values to an array of FP16 bit patterns. */
export function toFp16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFp16Bits(values[i]!);
  return out;
}

/** Converts FP16 bit patterns to a Float32Array. */
export function fromFp16Array(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = fp16BitsToFloat32(bits[i]!);
  return out;
}

/** Converts float values to an array of BF16 bit patterns. */
export function toBf16Array(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToBf16Bits(values[i]!);
  return out;
}

/** Converts BF16 bit patterns to a Float32Array. */
export function fromBf16Array(bits: ArrayLike<number>): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = bf16BitsToFloat32(bits[i]!);
  return out;
}
