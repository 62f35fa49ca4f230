import { describe, expect, it } from 'vitest';
import { formatLevel, formatSettings, formatSummary } from '../../../src/tools/perf/index.js';
import { sampleReport } from './report-fixture.js';

describe('perf console report', () => {
  it("prints a level's client, server and load-generator blocks like perf_analyzer", () => {
    const report = sampleReport();
    const text = formatLevel(report, report.levels[1]!);
    expect(text).toContain(
      'Request concurrency: 1\n  Client: \n    Request count: 1000\n    Throughput: 1000 infer/sec',
    );
    expect(text).toMatch(/Avg latency: \d+ usec \(standard deviation \d+ usec\)/);
    expect(text).toMatch(
      /p50 latency: \d+ usec\n {4}p90 latency: \d+ usec\n {4}p95 latency: \d+ usec\n {4}p99 latency/,
    );
    expect(text).toMatch(/Avg HTTP time: \d+ usec \(send\/recv 20 usec \+ response wait \d+ usec\)/);
    expect(text).toContain('    Successful request count: 1000');
    expect(text).toContain(
      'Avg request latency: 300 usec (overhead 25 usec + queue 50 usec + compute input 10 usec + compute infer 200 usec + compute output 5 usec)',
    );
    expect(text).toContain('Worker event-loop utilisation: 20%');
  });

  it('shows cache counts and times when the model has the response cache', () => {
    const report = sampleReport({ responseCache: true });
    const text = formatLevel(report, report.levels[0]!);
    expect(text).toContain('Cache hit count: 1000');
    expect(text).toContain('cache hit 4 usec + cache miss 6 usec');
  });

  it('prints the warnings of a level, such as a saturated load worker', () => {
    const report = sampleReport();
    expect(formatLevel(report, report.levels[0]!)).toContain(
      'WARNING: Load worker 0 was busy 95% of the time',
    );
  });

  it('closes with the throughput vs latency summary in measurement order', () => {
    const report = sampleReport();
    const lines = formatSummary(report).trim().split('\n');
    expect(lines[0]).toBe('Inferences/Second vs. Client Average Batch Latency');
    expect(lines[1]).toMatch(/^Concurrency: 4, throughput: 2000 infer\/sec, latency \d+ usec$/);
    expect(lines[2]).toMatch(/^Concurrency: 1, throughput: 1000 infer\/sec/);
    expect(formatSettings(report)).toContain('Measurement window: 1000 msec');
  });
});
