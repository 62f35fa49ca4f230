/**
 * Unit: `nereid perf`, `tune` and `optimize` read their flags through typed option tables
 * (option-spec.ts) as `serve` does: typed values, parsers run only on given flags, and text the
 * library checks reaches the library unchanged.
 */
import { describe, expect, it } from 'vitest';
import { FlagError } from '../../../src/cli/cli-flags.js';
import { OPTIMIZE_OPTIONS, optimizeOptionsFromArgs } from '../../../src/cli/optimize-command.js';
import { flagSpecs } from '../../../src/cli/option-spec.js';
import { PERF_OPTIONS, perfOptionsFromArgs } from '../../../src/cli/perf-command.js';
import { TUNE_OPTIONS, tuneOptionsFromArgs } from '../../../src/cli/tune-command.js';
import { resolvePerfOptions } from '../../../src/tools/perf/index.js';

describe('the measuring commands read typed option tables', () => {
  it('every perf, tune and optimize option has help, and every number option a placeholder', () => {
    for (const table of [PERF_OPTIONS, TUNE_OPTIONS, OPTIMIZE_OPTIONS]) {
      for (const spec of flagSpecs(table)) {
        expect(spec.help.length).toBeGreaterThan(0);
        if (spec.kind === 'int') expect(spec.metavar).toBeDefined();
      }
    }
  });

  it("tune's load flags are perf's flags, with tune's shorter measurement defaults", () => {
    expect(TUNE_OPTIONS.shape).toBe(PERF_OPTIONS.shape);
    expect(TUNE_OPTIONS.header).toBe(PERF_OPTIONS.header);
    expect(TUNE_OPTIONS['measurement-interval'].default).toBe(1000);
    expect(PERF_OPTIONS['measurement-interval'].default).toBe(5000);
    const tune = tuneOptionsFromArgs(['-m', 'm', '--shape', 'X:2,3', '-H', 'k: v'])!;
    expect(tune).toMatchObject({ shapes: { X: [2, 3] }, headers: { k: 'v' }, measurementIntervalMs: 1000 });
  });

  it('leaves an absent flag without a default undefined, so the library applies its own default', () => {
    const perf = perfOptionsFromArgs(['-m', 'simple'])!;
    expect(perf.percentile).toBeUndefined();
    expect(perf.maxThreads).toBeUndefined();
    expect(perf.requestRateRange).toBeUndefined();
    const tune = tuneOptionsFromArgs(['-m', 'simple'])!;
    expect(tune.instances).toBeUndefined();
    expect(tune.latencyBudgetMs).toBeUndefined();
    expect(tune.preferredBatchSizes).toBeUndefined();
    expect(tune.percentile).toBe(99);
  });

  it('passes an enum value it does not know to the library, which refuses it with the allowed values', () => {
    const perf = perfOptionsFromArgs(['-m', 'simple', '-i', 'quic'])!;
    expect(perf.protocol).toBe('quic');
    expect(() => resolvePerfOptions(perf)).toThrow(
      "Option protocol (-i) must be http or grpc: received 'quic'",
    );
  });

  it('refuses a number flag given text that is not a number, naming the flag', () => {
    expect(() => perfOptionsFromArgs(['-m', 's', '-s', 'ten'])).toThrow(
      new FlagError("Flag --stability-percentage takes a number: received 'ten'"),
    );
    expect(() => tuneOptionsFromArgs(['-m', 's', '--min-gain-pct', ''])).toThrow(
      "Flag --min-gain-pct takes a number: received ''",
    );
  });
});

describe('nereid optimize command line', () => {
  it('reads typed optimizer options and the report path from its flags', () => {
    const line = optimizeOptionsFromArgs([
      'repo/dir/model/',
      '--to',
      '3',
      '--graph-level',
      'all',
      '--int8',
      'static',
      '--int8-keep-float',
      'first,last',
      '--percentile',
      '99.9',
      '--shape',
      'X:1,4',
      '--min-top1',
      '98%',
      '--max-abs-error',
      '0.01',
      '--batch-sizes',
      '1,8',
      '--speed=false',
    ])!;
    expect(line.options).toMatchObject({
      repository: 'repo/dir',
      model: 'model',
      toVersion: 3,
      graphLevel: 'all',
      int8: 'static',
      int8KeepFloat: ['first', 'last'],
      percentile: 99.9,
      shapes: { X: [1, 4] },
      minTop1: 0.98,
      maxAbsError: 0.01,
      batchSizes: [1, 8],
      speed: false,
      samples: 256,
      threads: 1,
    });
    expect(line.options.version).toBeUndefined();
    expect(line.reportPath).toBe('repo/dir/model/3/optimize-report.json');
    expect(optimizeOptionsFromArgs(['r/m', '--to', '2', '--report', 'out.json'])!.reportPath).toBe(
      'out.json',
    );
  });

  it('refuses a command line without one model or without --to, and answers null for --help', () => {
    expect(() => optimizeOptionsFromArgs(['--to', '2'])).toThrow(
      'optimize takes one <repository>/<model> argument: received 0',
    );
    expect(() => optimizeOptionsFromArgs(['r/m'])).toThrow('Flag --to <version> is required');
    expect(() => optimizeOptionsFromArgs(['r/m', '--to', '2', '--shape', 'X:a'])).toThrow(FlagError);
    expect(optimizeOptionsFromArgs(['--help'])).toBeNull();
  });
});
