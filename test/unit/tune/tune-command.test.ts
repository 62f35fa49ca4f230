/** Unit: `nereid tune`'s command line parsed into TuneOptions, its flag errors, and docs/tune.md kept in sync with --help. */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { FlagError } from '../../../src/cli/cli-flags.js';
import { TUNE_HELP, tuneCommand, tuneOptionsFromArgs } from '../../../src/cli/tune-command.js';

function flagError(argv: string[]): string {
  try {
    tuneOptionsFromArgs(argv);
  } catch (err) {
    if (err instanceof FlagError) return err.message;
    throw err;
  }
  throw new Error('Expected a FlagError');
}

describe('nereid tune command line', () => {
  it('maps every dimension, constraint and load flag to tune options', () => {
    const o = tuneOptionsFromArgs([
      '-m',
      'text_orientation',
      '-u',
      'host:8000',
      '--model-repository',
      'repo',
      '--search',
      'exhaustive',
      '--latency-budget-ms',
      '20.5',
      '--percentile',
      '95',
      '--min-throughput',
      '100',
      '--memory-budget-mb',
      '900',
      '--instances',
      '1:3',
      '--dynamic-batching',
      'off,on',
      '--max-batch-sizes',
      '8,16',
      '--max-queue-delays-us',
      '0,500',
      '--preferred-batch-sizes',
      'default',
      '--preferred-batch-sizes',
      '4,8',
      '--intra-op-threads',
      'default,1',
      '--concurrency',
      '2:16',
      '-b',
      '2',
      '-p',
      '500',
      '-r',
      '4',
      '--shape',
      'x:3,48,192',
      '-H',
      'authorization: Bearer t',
      '--json',
      'out.json',
      '-f',
      'out.csv',
      '--report',
      'out.html',
      '--output-config',
      'out.pbtxt',
      '--write-config',
    ])!;
    expect(o).toMatchObject({
      model: 'text_orientation',
      url: 'host:8000',
      modelRepositories: ['repo'],
      search: 'exhaustive',
      latencyBudgetMs: 20.5,
      percentile: 95,
      minThroughput: 100,
      memoryBudgetMb: 900,
      instances: [1, 2, 3],
      dynamicBatching: [false, true],
      maxBatchSizes: [8, 16],
      maxQueueDelaysUs: [0, 500],
      preferredBatchSizes: [[], [4, 8]],
      intraOpThreads: [0, 1],
      concurrency: [2, 4, 8, 16],
      batchSize: 2,
      measurementIntervalMs: 500,
      maxTrials: 4,
      shapes: { x: [3, 48, 192] },
      headers: { authorization: 'Bearer t' },
      jsonFile: 'out.json',
      csvFile: 'out.csv',
      reportFile: 'out.html',
      outputConfigFile: 'out.pbtxt',
      writeConfig: true,
    });
    expect(o.serverEntry).toMatch(/cli[/\\]main\.js$/);
    expect(tuneOptionsFromArgs(['-m', 'm', '--request-rate', '100:400'])!.requestRates).toEqual([
      100, 200, 400,
    ]);
    expect(tuneOptionsFromArgs(['-m', 'm', '--concurrency', '4:12:4'])!.concurrency).toEqual([4, 8, 12]);
    expect(tuneOptionsFromArgs(['--help'])).toBeNull();
  });

  it('refuses bad flags with a message naming the flag and the value', () => {
    expect(flagError(['--instances', '2'])).toBe(
      "Flag -m (the model name) is required; see 'nereid tune --help'",
    );
    expect(flagError(['-m', 'm', '--bogus'])).toBe("Unknown flag '--bogus'; see --help");
    expect(flagError(['-m', 'm', '--instances', 'two'])).toBe(
      "Flag --instances takes a number: received 'two'",
    );
    expect(flagError(['-m', 'm', '--dynamic-batching', 'maybe'])).toBe(
      "Flag --dynamic-batching takes on, off or on,off: received 'maybe'",
    );
    expect(flagError(['-m', 'm', '--concurrency', '8:2'])).toBe(
      "Flag --concurrency takes START:END or START:END:STEP with 0 < START <= END: received '8:2'",
    );
    expect(flagError(['-m', 'm', '--latency-budget-ms', 'fast'])).toBe(
      "Flag --latency-budget-ms takes a number: received 'fast'",
    );
    expect(flagError(['-m', 'm', 'extra'])).toBe("Unexpected argument 'extra'; see 'nereid tune --help'");
  });

  it('answers an option value it refuses with the error on stderr and exit code 1, before reaching any server', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      expect(await tuneCommand(['-m', 'simple', '-u', '127.0.0.1:9', '--search', 'fast'])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    expect(written.join('')).toBe(
      "nereid tune: Option search must be quick or exhaustive: received 'fast' (ERR_TUNE_OPTION)\n",
    );
  });

  it('is documented in docs/tune.md with the current --help text', () => {
    const doc = readFileSync(new URL('../../../docs/tune.md', import.meta.url), 'utf8');
    expect(doc).toContain(TUNE_HELP.trimEnd());
  });
});
