import { describe, expect, it } from 'vitest';
import {
  bf16BitsToFloat32,
  float32ToBf16Bits,
  float32ToFp16Bits,
  fp16BitsToFloat32,
  fromBf16Array,
  fromFp16Array,
  toBf16Array,
  toFp16Array,
} from '../../../src/protocol/index.js';

describe('FP16 conversion', () => {
  it('float32ToFp16Bits gives the IEEE binary16 bit patterns of exact values', () => {
    expect(float32ToFp16Bits(0)).toBe(0x0000);
    expect(float32ToFp16Bits(-0)).toBe(0x8000);
    expect(float32ToFp16Bits(1)).toBe(0x3c00);
    expect(float32ToFp16Bits(-2)).toBe(0xc000);
    expect(float32ToFp16Bits(0.5)).toBe(0x3800);
    expect(float32ToFp16Bits(65504)).toBe(0x7bff);
    expect(float32ToFp16Bits(2 ** -14)).toBe(0x0400);
    expect(float32ToFp16Bits(2 ** -24)).toBe(0x0001);
    expect(float32ToFp16Bits(1023 * 2 ** -24)).toBe(0x03ff);
  });

  it('float32ToFp16Bits rounds to nearest with ties to even', () => {
    expect(float32ToFp16Bits(0.1)).toBe(0x2e66);
    expect(float32ToFp16Bits(1 / 3)).toBe(0x3555);
    expect(float32ToFp16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie → even 0x3c00
    expect(float32ToFp16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even 0x3c02
    expect(float32ToFp16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // above the tie
    expect(float32ToFp16Bits(65519)).toBe(0x7bff);
    expect(float32ToFp16Bits(65520)).toBe(0x7c00); // tie at the top rounds to infinity
  });

  it('float32ToFp16Bits rounds subnormals and underflows to signed zero', () => {
    expect(float32ToFp16Bits(2 ** -25)).toBe(0x0000); // half the smallest subnormal: tie → even 0
    expect(float32ToFp16Bits(3 * 2 ** -26)).toBe(0x0001);
    expect(float32ToFp16Bits(3 * 2 ** -25)).toBe(0x0002); // 1.5 ulp: tie → even 2
    expect(float32ToFp16Bits(2 ** -30)).toBe(0x0000);
    expect(float32ToFp16Bits(-(2 ** -30))).toBe(0x8000);
    expect(float32ToFp16Bits(2 ** -14 - 2 ** -25)).toBe(0x0400); // rounds up into the smallest normal
  });

  it('float32ToFp16Bits maps infinities, overflow and NaN', () => {
    expect(float32ToFp16Bits(Number.POSITIVE_INFINITY)).toBe(0x7c00);
    expect(float32ToFp16Bits(Number.NEGATIVE_INFINITY)).toBe(0xfc00);
    expect(float32ToFp16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFp16Bits(-1e6)).toBe(0xfc00);
    const nan = float32ToFp16Bits(Number.NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('fp16BitsToFloat32 decodes normals, subnormals, zeros, infinities and NaN', () => {
    expect(fp16BitsToFloat32(0x3c00)).toBe(1);
    expect(fp16BitsToFloat32(0x3555)).toBe(0.333251953125);
    expect(fp16BitsToFloat32(0x7bff)).toBe(65504);
    expect(fp16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(fp16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(fp16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(fp16BitsToFloat32(0xfc00)).toBe(Number.NEGATIVE_INFINITY);
    expect(fp16BitsToFloat32(0x7e00)).toBeNaN();
  });

  it('every FP16 bit pattern survives a round trip through float32', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exp = (bits >> 10) & 0x1f;
      if (exp === 0x1f && (bits & 0x3ff) !== 0) continue; // NaN payloads compared separately
      expect(float32ToFp16Bits(fp16BitsToFloat32(bits))).toBe(bits);
    }
  });

  it('array helpers convert element-wise', () => {
    expect(Array.from(toFp16Array([1, -2, 0.5]))).toEqual([0x3c00, 0xc000, 0x3800]);
    expect(Array.from(fromFp16Array(new Uint16Array([0x3c00, 0xc000])))).toEqual([1, -2]);
  });
});

describe('BF16 conversion', () => {
  it('float32ToBf16Bits truncates exact values and rounds ties to even', () => {
    expect(float32ToBf16Bits(1)).toBe(0x3f80);
    expect(float32ToBf16Bits(-2)).toBe(0xc000);
    expect(float32ToBf16Bits(Math.PI)).toBe(0x4049);
    expect(float32ToBf16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(float32ToBf16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even
    expect(float32ToBf16Bits(1 + 2 ** -8 + 2 ** -16)).toBe(0x3f81);
    expect(float32ToBf16Bits(2 ** -130)).toBe(0x0008); // float32 subnormal 0x00080000
    expect(float32ToBf16Bits(2 ** -127)).toBe(0x0040);
    expect(float32ToBf16Bits(2 ** -149)).toBe(0x0000); // smallest float32 subnormal rounds to zero
  });

  it('float32ToBf16Bits maps the largest float to infinity and keeps NaN quiet', () => {
    expect(float32ToBf16Bits(3.4028234663852886e38)).toBe(0x7f80);
    expect(float32ToBf16Bits(Number.NEGATIVE_INFINITY)).toBe(0xff80);
    expect(float32ToBf16Bits(Number.NaN)).toBe(0x7fc0);
  });

  it('bf16BitsToFloat32 decodes bit patterns exactly', () => {
    expect(bf16BitsToFloat32(0x3f80)).toBe(1);
    expect(bf16BitsToFloat32(0x4049)).toBe(3.140625);
    expect(bf16BitsToFloat32(0xff80)).toBe(Number.NEGATIVE_INFINITY);
    expect(bf16BitsToFloat32(0x7fc0)).toBeNaN();
    expect(Array.from(fromBf16Array(toBf16Array([1, 3.140625, -0.5])))).toEqual([1, 3.140625, -0.5]);
  });
});
