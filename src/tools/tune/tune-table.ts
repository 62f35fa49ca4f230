/**
 * The table of a tune run, one row per configuration at its reported load level: settings,
 * throughput, p50 and percentile latency, server queue and compute time, average batch the model
 * ran, server memory and memory per instance, and the verdict. The console (aligned text) and the
 * CSV file are two renderings of the same cells.
 */
import { chosenPoint } from './candidate-scoring.js';
import type { CandidateResult, TuneReport } from './tune-report.js';

/** One column: its header and how a result renders in it (console and CSV). */
interface Column {
  header: string;
  csvHeader: string;
  cell(r: CandidateResult, report: TuneReport): string;
}

const fixed = (v: number | null | undefined, digits: number) =>
  v === null || v === undefined ? '' : v.toFixed(digits);
const msOf = (us: number | null | undefined) => fixed(us === null || us === undefined ? null : us / 1000, 2);
const mb = (bytes: number | null) => fixed(bytes === null ? null : bytes / 1e6, 0);

function batching(r: CandidateResult): string {
  const c = r.candidate;
  if (!c.dynamicBatching) return c.maxBatchSize > 0 ? `off (max ${c.maxBatchSize})` : 'none';
  const preferred = c.preferredBatchSizes.length > 0 ? ` pref ${c.preferredBatchSizes.join('+')}` : '';
  return `max ${c.maxBatchSize} delay ${c.maxQueueDelayUs}us${preferred}`;
}

function marks(r: CandidateResult, report: TuneReport): string {
  const i = report.results.indexOf(r);
  return `${i === report.winner ? '*' : ''}${r.original ? 'o' : ''}`;
}

const COLUMNS: readonly Column[] = [
  { header: '#', csvHeader: 'Index', cell: (r, rep) => `${r.index}${marks(r, rep)}` },
  { header: 'instances', csvHeader: 'Instances', cell: (r) => String(r.candidate.instances) },
  { header: 'dynamic batching', csvHeader: 'Dynamic Batching', cell: batching },
  {
    header: 'threads',
    csvHeader: 'Intra-op Threads',
    cell: (r) => (r.candidate.intraOpThreads === 0 ? 'default' : String(r.candidate.intraOpThreads)),
  },
  { header: 'load', csvHeader: 'Load', cell: (r) => String(chosenPoint(r)?.level ?? '') },
  { header: 'infer/s', csvHeader: 'Inferences/Second', cell: (r) => fixed(chosenPoint(r)?.throughput, 1) },
  { header: 'p50 ms', csvHeader: 'p50 latency (ms)', cell: (r) => msOf(chosenPoint(r)?.p50Us) },
  {
    header: 'pN ms',
    csvHeader: 'pN latency (ms)',
    cell: (r) => msOf(chosenPoint(r)?.latencyUs),
  },
  { header: 'queue ms', csvHeader: 'Server Queue (ms)', cell: (r) => msOf(chosenPoint(r)?.queueUs) },
  { header: 'compute ms', csvHeader: 'Server Compute (ms)', cell: (r) => msOf(chosenPoint(r)?.computeUs) },
  { header: 'batch', csvHeader: 'Avg Batch Size', cell: (r) => fixed(chosenPoint(r)?.avgBatchSize, 2) },
  { header: 'RSS MB', csvHeader: 'Server RSS (MB)', cell: (r) => mb(r.rssBytes) },
  { header: 'MB/inst', csvHeader: 'Memory per Instance (MB)', cell: (r) => mb(r.memoryPerInstanceBytes) },
  { header: 'verdict', csvHeader: 'Verdict', cell: (r) => r.verdict },
];

function headers(report: TuneReport, csv: boolean): string[] {
  const p = `p${report.settings.percentile}`;
  return COLUMNS.map((c) => (csv ? c.csvHeader : c.header).replace('pN', p));
}

/** The table's header and its rows of cells, one per result. */
export function tuneTableRows(report: TuneReport): { header: string[]; rows: string[][] } {
  return {
    header: headers(report, false),
    rows: report.results.map((r) => COLUMNS.map((c) => c.cell(r, report))),
  };
}

/** The aligned text table (`*` marks the winner, `o` the original config). */
export function formatTuneTable(report: TuneReport): string {
  const { header, rows: body } = tuneTableRows(report);
  const rows = [header, ...body];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const lines = rows.map((row) =>
    row
      .map((cell, i) =>
        i === row.length - 1 ? cell : i <= 3 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!),
      )
      .join('  ')
      .trimEnd(),
  );
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  return `${lines.join('\n')}\n`;
}

function csvCell(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV file: the same columns plus Configuration, Original and Winner. */
export function tuneReportCsv(report: TuneReport): string {
  const head = ['Configuration', 'Original', 'Winner', ...headers(report, true).slice(1)];
  const rows = report.results.map((r, i) => [
    r.label,
    String(r.original),
    String(i === report.winner),
    ...COLUMNS.slice(1).map((c) => c.cell(r, report)),
  ]);
  return `${[head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n')}\n`;
}
