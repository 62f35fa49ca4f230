import { describe, expect, it } from 'vitest';
import { msWith3Decimals, serverTiming } from '../../../../src/frontends/http/http-infer-exchange.js';

describe('msWith3Decimals', () => {
  it('msWith3Decimals formats nanoseconds as toFixed(3) milliseconds would, rounding to the microsecond', () => {
    const cases = [
      0, 1, 499, 500, 999, 1000, 9_999, 10_000, 99_499, 123_456, 1_000_000, 1_234_567, 98_765_432_109,
    ];
    for (const ns of cases) expect(msWith3Decimals(ns)).toBe((Math.round(ns / 1000) / 1000).toFixed(3));
    expect(msWith3Decimals(12_000)).toBe('0.012');
    expect(msWith3Decimals(1_500_000)).toBe('1.500');
    expect(msWith3Decimals(2_000_400_000)).toBe('2000.400');
  });
});

describe('serverTiming', () => {
  it('serverTiming names queue, compute (input + infer + output) and total time in ms', () => {
    const timing = {
      queueNs: 12_000,
      computeInputNs: 1_000,
      computeInferNs: 10_000,
      computeOutputNs: 2_000,
      totalNs: 1_230_400,
    };
    const value = serverTiming({ timing } as unknown as Parameters<typeof serverTiming>[0]);
    expect(value).toBe('queue;dur=0.012, compute;dur=0.013, total;dur=1.230');
  });
});
