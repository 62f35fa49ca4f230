/**
 * The `--report` HTML page: one self-contained file (no external URL is loaded) with the run's
 * data embedded as JSON, the Chart.js UMD bundle inlined from node_modules, three charts
 * (throughput vs p99 latency, latency percentiles per level, server-side latency breakdown per
 * level), the CSV table and the warnings. It only renders a PerfReport.
 */
import { readFileSync } from 'node:fs';
import { CHART_JS_FILES, findChartJsFile, ServerError, Status } from '../../common/index.js';
import { csvColumns, perfReportCsv } from './csv-report.js';
import type { PerfReport } from './perf-report.js';

/** The Chart.js UMD bundle's text; throws ERR_PERF_CHART_LIBRARY when the package is missing. */
export function chartJsSource(): string {
  const { file, dist } = findChartJsFile();
  if (file !== null) return readFileSync(file, 'utf8');
  throw new ServerError(
    Status.UNAVAILABLE,
    'ERR_PERF_CHART_LIBRARY',
    `Cannot write the HTML report: the chart library "chart.js" is not installed (looked for ${CHART_JS_FILES.join(' or ')} in ${dist ?? 'node_modules/chart.js/dist'}): run "npm install chart.js"`,
  );
}

/** `text` with &, <, > and " escaped for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Chart data of a report: what the page's script draws. */
export function chartData(report: PerfReport) {
  const label = report.settings.mode === 'concurrency' ? 'Concurrency' : 'Request rate';
  const levels = report.levels.map((l) => {
    const c = l.client;
    const a = l.serverAverages;
    const accounted =
      a === null
        ? 0
        : a.queueUs + a.computeInputUs + a.computeInferUs + a.computeOutputUs + a.cacheHitUs + a.cacheMissUs;
    return {
      level: l.level,
      throughput: c.throughput,
      p50Us: c.percentilesUs[50] ?? 0,
      p90Us: c.percentilesUs[90] ?? 0,
      p95Us: c.percentilesUs[95] ?? 0,
      p99Us: c.percentilesUs[99] ?? 0,
      avgUs: c.avgLatencyUs,
      breakdownUs: {
        'Client send': c.avgSendUs,
        'Network + server overhead': Math.max(0, c.avgLatencyUs - c.avgSendUs - accounted),
        Queue: a?.queueUs ?? 0,
        'Compute input': a?.computeInputUs ?? 0,
        'Compute infer': a?.computeInferUs ?? 0,
        'Compute output': a?.computeOutputUs ?? 0,
        'Cache hit': a?.cacheHitUs ?? 0,
        'Cache miss': a?.cacheMissUs ?? 0,
      },
    };
  });
  return { label, model: report.settings.model, levels };
}

const PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById('perf-data').textContent);
const levels = data.levels;
const names = levels.map((l) => data.label + ' ' + l.level);
const ms = (us) => us / 1000;
const colors = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
new Chart(document.getElementById('chart-throughput-latency'), {
  type: 'scatter',
  data: { datasets: [{ label: 'Throughput vs p99 latency', showLine: true, borderColor: colors[0], backgroundColor: colors[0],
    data: levels.map((l) => ({ x: ms(l.p99Us), y: l.throughput, level: l.level })) }] },
  options: { scales: { x: { title: { display: true, text: 'p99 latency (ms)' } }, y: { title: { display: true, text: 'Inferences/second' } } },
    plugins: { tooltip: { callbacks: { label: (c) => data.label + ' ' + c.raw.level + ': ' + c.raw.y.toFixed(1) + ' infer/s at ' + c.raw.x.toFixed(2) + ' ms' } } } },
});
new Chart(document.getElementById('chart-percentiles'), {
  type: 'bar',
  data: { labels: names, datasets: ['p50', 'p90', 'p95', 'p99'].map((p, i) => ({ label: p + ' latency', backgroundColor: colors[i],
    data: levels.map((l) => ms(l[p + 'Us'])) })) },
  options: { scales: { y: { title: { display: true, text: 'Latency (ms)' } } } },
});
const parts = Object.keys(levels[0] ? levels[0].breakdownUs : {});
new Chart(document.getElementById('chart-breakdown'), {
  type: 'bar',
  data: { labels: names, datasets: parts.map((p, i) => ({ label: p, backgroundColor: colors[i % colors.length],
    data: levels.map((l) => ms(l.breakdownUs[p])) })) },
  options: { scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'Average latency (ms)' } } } },
});
`;

/** The HTML page of a report; `chartJs` is the Chart.js bundle (read from node_modules by default). */
export function perfReportHtml(report: PerfReport, chartJs: string = chartJsSource()): string {
  const s = report.settings;
  const json = JSON.stringify(chartData(report)).replace(/</g, '\\u003c');
  const csv = perfReportCsv(report)
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
  const header = csvColumns(report)
    .map((c) => `<th>${escapeHtml(c)}</th>`)
    .join('');
  const rows = csv.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n');
  const warnings = [
    ...report.warnings,
    ...report.levels.flatMap((l) => l.warnings.map((w) => `${l.level}: ${w}`)),
  ];
  return chartPageHtml(
    {
      title: `nereid perf: ${s.model}`,
      body: `<p>${escapeHtml(`${s.protocol.toUpperCase()} ${s.url}, batch size ${s.batchSize}, ${s.mode === 'concurrency' ? 'concurrency' : `request rate (${s.requestDistribution})`} ${report.levels.map((l) => l.level).join(', ')}, ${s.measurementIntervalMs} ms windows, ${s.threads} load threads, started ${report.startedAt}`)}</p>
<h2>Throughput vs p99 latency</h2>
<div class="chart"><canvas id="chart-throughput-latency"></canvas></div>
<h2>Latency percentiles per load level</h2>
<div class="chart"><canvas id="chart-percentiles"></canvas></div>
<h2>Server-side breakdown of the average latency</h2>
<div class="chart"><canvas id="chart-breakdown"></canvas></div>
<h2>Results (microseconds, perf_analyzer's CSV columns)</h2>
<table><thead><tr>${header}</tr></thead><tbody>
${rows}
</tbody></table>
${warnings.length > 0 ? `<h2>Warnings</h2><ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}`,
      dataId: 'perf-data',
      json,
      script: PAGE_SCRIPT,
    },
    chartJs,
  );
}

/** The parts of a self-contained chart page (`nereid perf` and `nereid tune` reports). */
export interface ChartPage {
  /** Page title, also its h1 (escaped here). */
  title: string;
  /** HTML after the h1 (already escaped). */
  body: string;
  /** Id of the JSON data script the page script reads. */
  dataId: string;
  /** The data as JSON text with '<' escaped. */
  json: string;
  /** The script that draws the charts. */
  script: string;
  /** CSS rules added after the common ones; default none. */
  style?: string;
}

/** A page that loads nothing from another URL: styles, h1, `body`, the data, Chart.js inlined, the page script. */
export function chartPageHtml(page: ChartPage, chartJs: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(page.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
.chart { max-width: 900px; margin-bottom: 2.5rem; }
table { border-collapse: collapse; font-size: 0.85rem; }
td, th { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: right; }
${page.style === undefined ? '' : `${page.style}\n`}</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
${page.body}
<script type="application/json" id="${page.dataId}">${page.json}</script>
<script>${chartJs.replace(/<\/script/gi, '<\\/script')}</script>
<script>${page.script}</script>
</body>
</html>
`;
}
