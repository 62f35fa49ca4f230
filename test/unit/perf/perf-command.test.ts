import { describe, expect, it } from 'vitest';
import { FlagError } from '../../../src/cli/cli-flags.js';
import { perfOptionsFromArgs } from '../../../src/cli/perf-command.js';

describe('nereid perf command line', () => {
  it("maps perf_analyzer's short and long flags to perf options", () => {
    const o = perfOptionsFromArgs([
      '-m',
      'simple',
      '-x',
      '2',
      '-i',
      'grpc',
      '-u',
      'host:9001',
      '-b',
      '4',
      '--concurrency-range',
      '1:8:2',
      '-p',
      '300',
      '-s',
      '12.5',
      '-r',
      '5',
      '--percentile',
      '95',
      '--input-data',
      'zero',
      '--shape',
      'X:3,4',
      '--string-length',
      '16',
      '--streaming',
      '-H',
      'authorization: Bearer t',
      '-f',
      'out.csv',
      '--json',
      'out.json',
      '--report',
      'out.html',
      '-a',
    ])!;
    expect(o).toMatchObject({
      model: 'simple',
      modelVersion: '2',
      protocol: 'grpc',
      url: 'host:9001',
      batchSize: 4,
      concurrencyRange: '1:8:2',
      measurementIntervalMs: 300,
      stabilityPercentage: 12.5,
      maxTrials: 5,
      percentile: 95,
      inputData: 'zero',
      shapes: { X: [3, 4] },
      stringLength: 16,
      streaming: true,
      headers: { authorization: 'Bearer t' },
      csvFile: 'out.csv',
      jsonFile: 'out.json',
      reportFile: 'out.html',
      sequences: false,
    });
    expect(o.requestRateRange).toBeUndefined();
  });

  it('uses request-rate mode when only --request-rate-range is given', () => {
    const o = perfOptionsFromArgs(['-m', 'simple', '--request-rate-range', '100:200:50'])!;
    expect(o.requestRateRange).toBe('100:200:50');
    expect(o.concurrencyRange).toBeUndefined();
  });

  it('turns on sequences when a sequence flag is given explicitly', () => {
    expect(perfOptionsFromArgs(['-m', 's', '--sequence-length', '5'])!.sequences).toBe(true);
    expect(perfOptionsFromArgs(['-m', 's'])!.sequences).toBe(false);
  });

  it('requires -m and rejects malformed --shape values', () => {
    expect(() => perfOptionsFromArgs(['-b', '1'])).toThrow(FlagError);
    expect(() => perfOptionsFromArgs(['-m', 's', '--shape', 'X:a,b'])).toThrow(/NAME:D1,D2/);
    expect(perfOptionsFromArgs(['--help'])).toBeNull();
  });
});
