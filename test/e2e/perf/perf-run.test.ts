/**
 * `nereid perf` end to end: a real server (core + HTTP + gRPC in process), runPerf with its real
 * load worker threads over HTTP, gRPC and gRPC streaming, and the compiled CLI; checks the CSV
 * columns and rows, that the server's statistics saw exactly the requests perf sent, the JSON
 * export and the self-contained HTML report.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../../../src/client/index.js';
import { countersOf, type PerfReport, runPerf } from '../../../src/tools/perf/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';

const CSV_COLUMNS =
  'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency';
const CLI = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));

let server: TestGrpcServer;
let stats: HttpClient;
let dir: string;

beforeAll(async () => {
  server = await startTestGrpcServer();
  stats = new HttpClient(server.baseUrl);
  dir = mkdtempSync(join(tmpdir(), 'nereid-perf-e2e-'));
});

afterAll(async () => {
  await stats?.close();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function successCount(model: string): Promise<number> {
  return countersOf(await stats.modelStatistics(model), model, '').successCount;
}

/** Runs perf and returns the report plus the server's own count of successful requests during the run. */
async function measured(model: string, options: Parameters<typeof runPerf>[0]) {
  const before = await successCount(model);
  const out: string[] = [];
  const report = await runPerf(options, { out: (t) => out.push(t) });
  const served = (await successCount(model)) - before;
  return { report, served, text: out.join('') };
}

function checkCounts(report: PerfReport, served: number): void {
  // Every request perf sent completed, and the server counted exactly those.
  expect(report.totals.errors).toBe(0);
  expect(report.totals.completed).toBe(report.totals.sent);
  expect(served).toBe(report.totals.completed);
  for (const level of report.levels) {
    const merged = level.trials.slice(-level.mergedWindows);
    // The server counters of a level are the sum of its merged windows' counters.
    expect(level.server!.successCount).toBe(merged.reduce((n, t) => n + t.serverRequestCount!, 0));
    expect(level.client.requestCount).toBe(merged.reduce((n, t) => n + t.requestCount, 0));
    // Window edges are read on client and server at the same moment: at most the requests in
    // flight at each edge (plus those finishing during the statistics call) differ.
    for (const t of merged) {
      const slack = 2 * level.level + Math.ceil(t.requestCount * 0.05) + 2;
      expect(Math.abs(t.serverRequestCount! - t.requestCount)).toBeLessThanOrEqual(slack);
    }
  }
}

describe('nereid perf against a real server', () => {
  it('measures simple over HTTP and writes the CSV, JSON and HTML report', async () => {
    const files = { csv: join(dir, 'http.csv'), json: join(dir, 'http.json'), html: join(dir, 'http.html') };
    const { report, served, text } = await measured('simple', {
      model: 'simple',
      url: server.baseUrl,
      concurrencyRange: '1:4:3',
      measurementIntervalMs: 300,
      maxTrials: 3,
      csvFile: files.csv,
      jsonFile: files.json,
      reportFile: files.html,
    });
    checkCounts(report, served);
    expect(report.levels.map((l) => l.level)).toEqual([1, 4]);
    expect(report.settings.threads).toBeGreaterThanOrEqual(1);
    expect(text).toContain('Request concurrency: 4');
    expect(text).toContain('Inferences/Second vs. Client Average Batch Latency');

    const csv = readFileSync(files.csv, 'utf8').trim().split('\n');
    expect(csv[0]).toBe(CSV_COLUMNS);
    expect(csv).toHaveLength(3);
    const rows = csv.slice(1).map((l) => l.split(',').map(Number));
    expect(rows.map((r) => r[0]).sort()).toEqual([1, 4]);
    expect(rows[0]![1]).toBeLessThanOrEqual(rows[1]![1]!);
    for (const row of rows) {
      expect(row).toHaveLength(13);
      expect(row[1]).toBeGreaterThan(0);
      expect(row[12]).toBeGreaterThanOrEqual(row[9]!);
    }

    const json = JSON.parse(readFileSync(files.json, 'utf8')) as PerfReport;
    expect(json.tool).toBe('nereid perf');
    expect(json.levels.map((l) => l.client.requestCount)).toEqual(
      report.levels.map((l) => l.client.requestCount),
    );

    const html = readFileSync(files.html, 'utf8');
    expect(html).not.toMatch(/<(script|link|img|iframe)[^>]+(src|href)=/i);
    expect(html).toContain('Chart.js v4');
    const data = JSON.parse(
      html.match(/<script type="application\/json" id="perf-data">(.*?)<\/script>/)![1]!,
    );
    expect(data.levels.map((l: { throughput: number }) => l.throughput)).toEqual(
      report.levels.map((l) => l.client.throughput),
    );
  });

  it('measures simple over gRPC with batch size 2 and counts inferences per batch', async () => {
    const { report, served } = await measured('simple', {
      model: 'simple',
      protocol: 'grpc',
      url: server.grpcAddress,
      batchSize: 2,
      concurrencyRange: '2',
      measurementIntervalMs: 300,
      maxTrials: 3,
    });
    checkCounts(report, served);
    const level = report.levels[0]!;
    expect(level.server!.inferenceCount).toBe(level.server!.successCount * 2);
    const seconds = level.client.durationMs / 1000;
    expect(level.client.throughput).toBeCloseTo((level.client.requestCount * 2) / seconds, 6);
  });

  it('measures a decoupled model on a gRPC stream with a JSON input file and reports response throughput', async () => {
    const input = join(dir, 'repeat.json');
    writeFileSync(input, JSON.stringify({ data: [{ IN: [1, 2, 3], DELAY: [0, 0, 0], WAIT: [0] }] }));
    const csv = join(dir, 'repeat.csv');
    const { report, served } = await measured('repeat_int32', {
      model: 'repeat_int32',
      protocol: 'grpc',
      url: server.grpcAddress,
      streaming: true,
      inputData: input,
      concurrencyRange: '2',
      measurementIntervalMs: 300,
      maxTrials: 3,
      csvFile: csv,
    });
    expect(report.totals.errors).toBe(0);
    expect(served).toBe(report.totals.completed);
    expect(report.totals.responses).toBe(report.totals.completed * 3);
    const level = report.levels[0]!;
    expect(level.client.responseCount).toBe(level.client.requestCount * 3);
    const header = readFileSync(csv, 'utf8').split('\n')[0]!.split(',');
    expect(header.slice(0, 4)).toEqual([
      'Concurrency',
      'Inferences/Second',
      'Response Throughput',
      'Client Send',
    ]);
  });

  it('refuses a decoupled model over unary HTTP with a message naming the fix', async () => {
    await expect(
      runPerf({ model: 'repeat_int32', url: server.baseUrl, measurementIntervalMs: 100 }),
    ).rejects.toThrow(/decoupled: measure it with -i grpc --streaming/);
  });

  it('runs open-loop request-rate levels and reports what was sent', async () => {
    const { report, served } = await measured('simple', {
      model: 'simple',
      url: server.baseUrl,
      requestRateRange: '50:100:50',
      measurementIntervalMs: 300,
      maxTrials: 3,
    });
    expect(served).toBe(report.totals.completed);
    expect(report.settings.mode).toBe('request_rate');
    for (const level of report.levels) {
      const sentPerSecond = level.client.sent / (level.client.durationMs / 1000);
      expect(sentPerSecond).toBeGreaterThan(level.level * 0.7);
      expect(sentPerSecond).toBeLessThan(level.level * 1.3);
    }
  });

  it('works as the compiled CLI: nereid perf writes the CSV and exits 0', async () => {
    const csv = join(dir, 'cli.csv');
    const { stdout } = await promisify(execFile)(process.execPath, [
      CLI,
      'perf',
      '-m',
      'simple',
      '-u',
      server.baseUrl.replace('http://', ''),
      '--concurrency-range',
      '1',
      '-p',
      '300',
      '-r',
      '3',
      '-f',
      csv,
    ]);
    expect(stdout).toContain('*** Measurement Settings ***');
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(CSV_COLUMNS);
    expect(lines).toHaveLength(2);
  });
});
