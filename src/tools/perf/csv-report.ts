/**
 * The `-f` CSV file with perf_analyzer's columns and order: the load column (Concurrency or
 * Request Rate), Inferences/Second, Response Throughput for decoupled models, Client Send, the
 * server columns when statistics are available (cache columns only with the response cache),
 * Client Recv and the latency percentiles; `--verbose-csv` appends Avg latency, request/response
 * and response wait. Times are integer microseconds; rows are sorted by throughput.
 */
import { formatRate } from './console-report.js';
import type { LevelResult, PerfReport } from './perf-report.js';

/** The header columns of a report's CSV, in order. */
export function csvColumns(report: PerfReport): string[] {
  const cols = [report.settings.mode === 'concurrency' ? 'Concurrency' : 'Request Rate', 'Inferences/Second'];
  if (report.model.decoupled) cols.push('Response Throughput');
  cols.push('Client Send');
  if (hasServerStats(report)) {
    cols.push(
      'Network+Server Send/Recv',
      'Server Queue',
      'Server Compute Input',
      'Server Compute Infer',
      'Server Compute Output',
    );
    if (report.model.responseCache) cols.push('Server Cache Hit', 'Server Cache Miss');
  }
  cols.push('Client Recv');
  for (const p of percentiles(report)) cols.push(`p${p} latency`);
  if (report.settings.verboseCsv === true) {
    if (report.settings.percentile === null) cols.push('Avg latency');
    cols.push('request/response', 'response wait');
  }
  return cols;
}

function hasServerStats(report: PerfReport): boolean {
  return report.model.statistics && report.levels.every((l) => l.server !== null);
}

function percentiles(report: PerfReport): number[] {
  const first = report.levels[0];
  return first === undefined
    ? [50, 90, 95, 99]
    : Object.keys(first.client.percentilesUs)
        .map(Number)
        .sort((a, b) => a - b);
}

const int = (v: number) => String(Math.max(0, Math.floor(v)));

function row(report: PerfReport, level: LevelResult): string[] {
  const c = level.client;
  const out = [String(level.level), formatRate(c.throughput)];
  if (report.model.decoupled) out.push(formatRate(c.responseThroughput));
  const sendUs = c.avgSendUs;
  const recvUs = 0;
  out.push(int(sendUs));
  const avg = level.serverAverages;
  if (hasServerStats(report) && avg !== null) {
    const accounted =
      avg.queueUs +
      avg.computeInputUs +
      avg.computeInferUs +
      avg.computeOutputUs +
      avg.cacheHitUs +
      avg.cacheMissUs;
    const network = Math.max(0, c.avgLatencyUs - sendUs - recvUs - accounted);
    out.push(
      int(network),
      int(avg.queueUs),
      int(avg.computeInputUs),
      int(avg.computeInferUs),
      int(avg.computeOutputUs),
    );
    if (report.model.responseCache) out.push(int(avg.cacheHitUs), int(avg.cacheMissUs));
  }
  out.push(int(recvUs));
  for (const p of percentiles(report)) out.push(int(c.percentilesUs[p] ?? 0));
  if (report.settings.verboseCsv === true) {
    if (report.settings.percentile === null) out.push(int(c.avgLatencyUs));
    out.push(int(sendUs + recvUs), int(c.avgLatencyUs - sendUs - recvUs));
  }
  return out;
}

/** The CSV text of a report. */
export function perfReportCsv(report: PerfReport): string {
  const rows = [...report.levels].sort((a, b) => a.client.throughput - b.client.throughput);
  const lines = [csvColumns(report).join(','), ...rows.map((l) => row(report, l).join(','))];
  return `${lines.join('\n')}\n`;
}
