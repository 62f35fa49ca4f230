/**
 * `nereid tune` end to end on servers it starts itself, over a JavaScript model whose executions
 * take a fixed 200 ms of waiting (paced-model.ts), so the best configuration hardly depends on how
 * busy the machine is: the quick search agrees with the exhaustive one on a small space and
 * both recommend dynamic batching, saying so; the JSON, CSV and HTML files are written; the HTML
 * report renders its charts with data points in a real headless Chromium; a latency budget nothing
 * meets gives a clear answer (exit code 3) and no config file. Short windows: this checks
 * behaviour, not performance (BENCHMARKS.md has the real models).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePartialModelConfig } from '../../../src/config/index.js';
import {
  type ConfigObject,
  candidateFromConfig,
  chosenPoint,
  runTune,
  type TuneOptions,
  type TuneReport,
} from '../../../src/tools/tune/index.js';
import { CLI_MAIN } from '../../helpers/cli-server.js';
import { writePacedRepository } from './paced-model.js';
import { checkReportInChromium, SKIP_CHROMIUM } from './report-in-chromium.js';

let dir: string;
let repo: string;
let exhaustive: TuneReport;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nereid-tune-e2e-'));
  repo = writePacedRepository();
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

/**
 * Instances 1, 2 x dynamic batching off, on at concurrency 16: four configurations, about 5, 10,
 * 40 and 80 infer/s, the best twice the next. The queue delay (longer than an execution) lets
 * an instance that comes free wait for a full batch instead of taking the first request alone.
 */
function smallSpace(extra: Partial<TuneOptions>): TuneOptions {
  return {
    model: 'paced',
    modelRepositories: [repo],
    instances: [1, 2],
    dynamicBatching: [false, true],
    maxBatchSizes: [8],
    maxQueueDelaysUs: [60_000],
    concurrency: [16],
    measurementIntervalMs: 400,
    maxTrials: 3,
    ...extra,
  };
}

describe('nereid tune on a server it starts', () => {
  it('finds with the quick search a configuration within 10 % of the best the exhaustive search finds, both say batching won, and --write-config writes it with a backup', async () => {
    const files = { json: join(dir, 'tune.json'), csv: join(dir, 'tune.csv'), html: join(dir, 'tune.html') };
    const out: string[] = [];
    exhaustive = await runTune(
      smallSpace({ search: 'exhaustive', jsonFile: files.json, csvFile: files.csv, reportFile: files.html }),
      { out: (t) => out.push(t) },
    );
    const configPath = join(repo, 'paced', 'config.pbtxt');
    const shipped = readFileSync(configPath, 'utf8');
    // The exhaustive run left the repository alone; the quick one writes its winner (--write-config).
    expect(readdirSync(join(repo, 'paced')).sort()).toEqual(['1', 'config.pbtxt']);
    const quick = await runTune(smallSpace({ search: 'quick', writeConfig: true }));
    const written = readFileSync(configPath, 'utf8');
    writeFileSync(configPath, shipped);
    expect(readFileSync(`${configPath}.bak`, 'utf8')).toBe(shipped);
    rmSync(`${configPath}.bak`);
    expect(written).toMatch(
      /^# Tuned by nereid tune on \d{4}-\d\d-\d\d\.\n# Dynamic batching \(max 8, delay 60000 µs\) raised/,
    );
    expect(candidateFromConfig(parsePartialModelConfig(written) as ConfigObject)).toEqual(
      quick.results[quick.winner!]!.candidate,
    );

    expect(exhaustive.results).toHaveLength(4);
    expect(quick.results.length).toBeLessThanOrEqual(4);
    for (const report of [exhaustive, quick]) {
      expect(report.results.every((r) => r.error === null && r.levels.length === 1)).toBe(true);
      expect(report.winner).not.toBeNull();
      // Both pick 2 instances with batching, and the sentence on why names both steps.
      expect(report.results[report.winner!]!.candidate).toMatchObject({
        instances: 2,
        dynamicBatching: true,
      });
      expect(report.explanation).toMatch(
        /^Dynamic batching \(max 8, delay 60000 µs\) raised throughput [0-9.]+× at [+−][0-9.]+ ms p99 and −?\d+ MB; a second instance (raised throughput [0-9.]+×|added \d+ %)/,
      );
      expect(report.server.owned).toBe(true);
      // Each configuration ran on its own server: its memory is what the model added to that server.
      expect(report.results.every((r) => r.memoryPerInstanceBytes! > 0)).toBe(true);
    }
    const throughput = (key: string) =>
      chosenPoint(exhaustive.results.find((r) => r.key === key)!)!.throughput;
    const best = Math.max(...exhaustive.results.map((r) => chosenPoint(r)!.throughput));
    expect(throughput(quick.results[quick.winner!]!.key)).toBeGreaterThanOrEqual(0.9 * best);

    const text = out.join('');
    expect(text).toMatch(
      /^Tuning model 'paced' \(javascript, max_batch_size 8\) on 127\.0\.0\.1:\d+ \(tune starts a server for each configuration\)/,
    );
    expect(text).toMatch(/Exhaustive search: 4 configurations: expect about \d+ s/);
    expect(text).toContain('[4] 2 instances, dynamic batching (max 8, delay 60000 µs)');
    expect(text).toContain("The servers tune started were stopped; the repository's files were not changed.");
    expect(JSON.parse(readFileSync(files.json, 'utf8')).winner).toBe(exhaustive.winner);
    const csv = readFileSync(files.csv, 'utf8').trim().split('\n');
    expect(csv).toHaveLength(5);
    expect(csv[0]).toMatch(/^Configuration,Original,Winner,Instances,/);
  }, 180_000);

  it.skipIf(SKIP_CHROMIUM)(
    'writes a report whose charts render with data points in headless Chromium, without console errors',
    async () => {
      await checkReportInChromium(join(dir, 'tune.html'), exhaustive);
    },
    60_000,
  );

  it('stops climbing the load at the first level that breaks the latency budget', async () => {
    // One instance without batching answers one request per 200 ms: at concurrency 1 a request takes
    // ~205 ms; at 4 it waits ~800 ms once the queue is full, but 400 ms windows right after the level
    // starts still see the queue filling (waits of 200, 400, 600 ms), so their median is ~450 ms.
    // The budget sits between the two; it is on the median because a busy machine's timer delays make
    // p99 of even one request jumpy.
    const report = await runTune(
      smallSpace({
        instances: [1],
        dynamicBatching: [false],
        concurrency: [1, 4, 8],
        latencyBudgetMs: 330,
        percentile: 50,
      }),
    );
    const only = report.results[0]!;
    expect(only.levels.map((l) => l.level)).toEqual([1, 4]);
    expect(only.levels[1]!.latencyUs).toBeGreaterThan(330_000);
    expect(only.chosenLevel).toBe(0);
    expect(report.winner).toBe(0);
  }, 60_000);

  it('answers that no configuration meets a latency budget below any latency, with exit code 3 and no config written', async () => {
    const config = join(dir, 'none.pbtxt');
    const result = await promisify(execFile)(
      process.execPath,
      [
        CLI_MAIN,
        'tune',
        '-m',
        'paced',
        '--model-repository',
        repo,
        '--instances',
        '1',
        '--dynamic-batching',
        'off',
        '--concurrency',
        '1',
        '-p',
        '200',
        '-r',
        '3',
        '--latency-budget-ms',
        '0.01',
        '--output-config',
        config,
      ],
      { encoding: 'utf8' },
    ).then(
      () => ({ code: 0, stdout: '' }),
      (err: { code: number; stdout: string }) => err,
    );
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /No recommendation\. No configuration met the constraints: the closest, 1 instance, no dynamic batching \(max 8\), p99 [0-9.]+ ms at concurrency 1 is over the 0\.01 ms budget\./,
    );
    expect(existsSync(config)).toBe(false);
  }, 60_000);
});
