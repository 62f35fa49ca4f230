import { describe, expect, it } from 'vitest';
import { csvColumns, perfReportCsv } from '../../../src/tools/perf/index.js';
import { sampleReport } from './report-fixture.js';

const PERF_ANALYZER_COLUMNS =
  'Concurrency,Inferences/Second,Client Send,Network+Server Send/Recv,Server Queue,Server Compute Input,Server Compute Infer,Server Compute Output,Client Recv,p50 latency,p90 latency,p95 latency,p99 latency';

describe('perf CSV report', () => {
  it("has perf_analyzer's columns in perf_analyzer's order", () => {
    expect(perfReportCsv(sampleReport()).split('\n')[0]).toBe(PERF_ANALYZER_COLUMNS);
  });

  it('adds Response Throughput for decoupled models and cache columns when the response cache is on', () => {
    const cols = csvColumns(sampleReport({ decoupled: true, responseCache: true }));
    expect(cols.slice(0, 4)).toEqual([
      'Concurrency',
      'Inferences/Second',
      'Response Throughput',
      'Client Send',
    ]);
    expect(cols.slice(9, 12)).toEqual(['Server Cache Hit', 'Server Cache Miss', 'Client Recv']);
  });

  it('leaves the server columns out when the server has no statistics extension', () => {
    const report = sampleReport({ statistics: false });
    for (const l of report.levels) l.server = null;
    expect(csvColumns(report)).toEqual([
      'Concurrency',
      'Inferences/Second',
      'Client Send',
      'Client Recv',
      'p50 latency',
      'p90 latency',
      'p95 latency',
      'p99 latency',
    ]);
  });

  it('appends the verbose columns with --verbose-csv', () => {
    expect(csvColumns(sampleReport({}, true)).slice(-3)).toEqual([
      'Avg latency',
      'request/response',
      'response wait',
    ]);
  });

  it('sorts rows by throughput and writes integer microseconds', () => {
    const report = sampleReport();
    const lines = perfReportCsv(report).trim().split('\n');
    expect(lines).toHaveLength(3);
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['1', '4']);
    const [conc, ips, send, network, queue, cin, cinfer, cout, recv, p50, , , p99] = rows[0]!;
    expect(conc).toBe('1');
    expect(Number(ips)).toBe(1000);
    expect(send).toBe('20');
    expect([queue, cin, cinfer, cout, recv]).toEqual(['50', '10', '200', '5', '0']);
    const c = report.levels[1]!.client;
    expect(network).toBe(String(Math.floor(c.avgLatencyUs - 20 - 265 - 10)));
    expect(p50).toBe(String(Math.floor(c.percentilesUs[50]!)));
    expect(p99).toBe(String(Math.floor(c.percentilesUs[99]!)));
  });
});
