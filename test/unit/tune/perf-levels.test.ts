/** Unit: the perf engine takes tune's load levels as an explicit list, kept in order. */
import { describe, expect, it } from 'vitest';
import { resolvePerfOptions } from '../../../src/tools/perf/index.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('perf load levels given as a list', () => {
  it('keeps concurrencies and request rates in the order given', () => {
    expect(resolvePerfOptions({ model: 'm', concurrencyRange: [1, 2, 4, 64] }).levels).toEqual([1, 2, 4, 64]);
    const rates = resolvePerfOptions({ model: 'm', requestRateRange: [250.5, 100] });
    expect(rates.mode).toBe('request_rate');
    expect(rates.levels).toEqual([250.5, 100]);
  });

  it('refuses an empty list, fractions of concurrency and levels <= 0', () => {
    for (const concurrencyRange of [[], [1.5], [0, 2]]) {
      const err = serverErrorOf(() => resolvePerfOptions({ model: 'm', concurrencyRange }));
      expect(err.code).toBe('ERR_PERF_OPTION');
      expect(err.message).toBe(
        `Option concurrency-range must list positive integers: received [${concurrencyRange.join(', ')}]`,
      );
    }
  });
});
