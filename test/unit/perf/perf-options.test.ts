import { describe, expect, it } from 'vitest';
import { parseRange, rangeLevels, resolvePerfOptions } from '../../../src/tools/perf/index.js';

describe('perf options', () => {
  it('parseRange reads start:end:step and defaults end to start and step to 1', () => {
    expect(parseRange('concurrency-range', '1:4:3', true)).toEqual({ start: 1, end: 4, step: 3 });
    expect(parseRange('concurrency-range', '2', true)).toEqual({ start: 2, end: 2, step: 1 });
    expect(parseRange('request-rate-range', '10:20', false)).toEqual({ start: 10, end: 20, step: 1 });
  });

  it('rangeLevels lists every level up to and including end', () => {
    expect(rangeLevels({ start: 1, end: 4, step: 3 })).toEqual([1, 4]);
    expect(rangeLevels({ start: 1, end: 8, step: 3 })).toEqual([1, 4, 7]);
    expect(rangeLevels({ start: 0.5, end: 1.5, step: 0.5 })).toEqual([0.5, 1, 1.5]);
  });

  it('parseRange rejects fractions for concurrency and reversed ranges with the received text', () => {
    expect(() => parseRange('concurrency-range', '1.5:4', true)).toThrow(
      /positive integers: received '1.5:4'/,
    );
    expect(() => parseRange('concurrency-range', '4:1', true)).toThrow(/end >= start/);
    expect(() => parseRange('concurrency-range', '1:2:3:4', true)).toThrow(/1 to 3 numbers/);
  });

  it("resolvePerfOptions applies perf_analyzer's defaults", () => {
    const o = resolvePerfOptions({ model: 'simple' });
    expect(o.protocol).toBe('http');
    expect(o.url).toBe('localhost:8000');
    expect(o.mode).toBe('concurrency');
    expect(o.levels).toEqual([1]);
    expect(o.measurementIntervalMs).toBe(5000);
    expect(o.stabilityPercentage).toBe(10);
    expect(o.maxTrials).toBe(10);
    expect(o.percentile).toBeNull();
    expect(o.inputData).toBe('random');
    expect(o.stringLength).toBe(128);
    expect(o.sequenceLength).toBe(20);
    expect(o.numOfSequences).toBe(4);
    expect(resolvePerfOptions({ model: 'simple', protocol: 'grpc' }).url).toBe('localhost:8001');
  });

  it('resolvePerfOptions switches to request-rate mode with a request rate range', () => {
    const o = resolvePerfOptions({
      model: 'simple',
      requestRateRange: '100:300:100',
      requestDistribution: 'poisson',
    });
    expect(o.mode).toBe('request_rate');
    expect(o.levels).toEqual([100, 200, 300]);
    expect(o.requestDistribution).toBe('poisson');
  });

  it('resolvePerfOptions rejects contradictory or invalid options with ERR_PERF_OPTION', () => {
    expect(() => resolvePerfOptions({ model: '' })).toThrow(/model \(-m\) is required/);
    expect(() => resolvePerfOptions({ model: 'm', concurrencyRange: '1', requestRateRange: '5' })).toThrow(
      /cannot be used together/,
    );
    expect(() => resolvePerfOptions({ model: 'm', streaming: true })).toThrow(/needs the gRPC protocol/);
    expect(() => resolvePerfOptions({ model: 'm', percentile: 100 })).toThrow(
      /percentile must be in \(0, 100\): received 100/,
    );
    try {
      resolvePerfOptions({ model: 'm', batchSize: 0 });
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('ERR_PERF_OPTION');
    }
  });
});
