/**
 * The `--report` page of a tune run: one self-contained HTML file (no external URL; the Chart.js
 * bundle inlined as `nereid perf` does) with the run's data embedded as JSON and three charts —
 * throughput vs latency of every configuration with every load level, the Pareto front, the
 * winner and the budget marked; best throughput vs instances per batching setting; best
 * throughput vs max_batch_size per queue delay — then the recommendation, the table and warnings.
 */
import { chartJsSource, chartPageHtml, escapeHtml } from '../perf/index.js';
import { chosenPoint, paretoFront } from './candidate-scoring.js';
import type { CandidateResult, TuneReport } from './tune-report.js';
import { tuneTableRows } from './tune-table.js';

/** A line chart's data: x labels and one series per setting (null where nothing was measured). */
export interface SeriesChart {
  labels: number[];
  series: { label: string; data: (number | null)[] }[];
}

function bestBy(
  results: readonly CandidateResult[],
  xs: readonly number[],
  x: (r: CandidateResult) => number,
  groups: readonly { label: string; match: (r: CandidateResult) => boolean }[],
): SeriesChart {
  const series = groups.map((g) => ({
    label: g.label,
    data: xs.map((v) => {
      const tps = results
        .filter((r) => r.score !== null && x(r) === v && g.match(r))
        .map((r) => chosenPoint(r)!.throughput);
      return tps.length === 0 ? null : Math.max(...tps);
    }),
  }));
  return { labels: [...xs], series: series.filter((s) => s.data.some((v) => v !== null)) };
}

/** What the page's script draws. */
export function tuneChartData(report: TuneReport) {
  const front = new Set(paretoFront(report.results));
  const ms = (us: number) => us / 1000;
  const configs = report.results.map((r, i) => {
    const p = chosenPoint(r);
    return {
      index: r.index,
      label: r.label,
      ok: r.score !== null,
      winner: i === report.winner,
      original: r.original,
      pareto: front.has(i),
      throughput: p?.throughput ?? null,
      latencyMs: p === null ? null : ms(p.latencyUs),
      levels: r.levels.map((l) => ({ level: l.level, throughput: l.throughput, latencyMs: ms(l.latencyUs) })),
    };
  });
  const instances = [...new Set(report.results.map((r) => r.candidate.instances))].sort((a, b) => a - b);
  const byInstances = bestBy(report.results, instances, (r) => r.candidate.instances, [
    { label: 'no dynamic batching', match: (r) => !r.candidate.dynamicBatching },
    { label: 'dynamic batching (best settings)', match: (r) => r.candidate.dynamicBatching },
  ]);
  const batched = report.results.filter((r) => r.candidate.dynamicBatching);
  const sizes = [...new Set(batched.map((r) => r.candidate.maxBatchSize))].sort((a, b) => a - b);
  const delays = [...new Set(batched.map((r) => r.candidate.maxQueueDelayUs))].sort((a, b) => a - b);
  const byBatchSize = bestBy(
    batched,
    sizes,
    (r) => r.candidate.maxBatchSize,
    delays.map((d) => ({
      label: `delay ${d} µs`,
      match: (r: CandidateResult) => r.candidate.maxQueueDelayUs === d,
    })),
  );
  return {
    model: report.model.name,
    percentile: report.settings.percentile,
    budgetMs: report.settings.latencyBudgetMs,
    loadLabel: report.settings.loadMode === 'concurrency' ? 'concurrency' : 'request rate',
    configs,
    byInstances,
    byBatchSize: byBatchSize.series.length === 0 ? null : byBatchSize,
  };
}

const PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById('tune-data').textContent);
const p = 'p' + data.percentile;
const colors = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7'];
const measured = data.configs.filter((c) => c.throughput !== null);
const point = (c) => ({ x: c.latencyMs, y: c.throughput, label: '#' + c.index + ' ' + c.label });
const levels = data.configs.flatMap((c) => c.levels.map((l) => ({ x: l.latencyMs, y: l.throughput,
  label: '#' + c.index + ' at ' + data.loadLabel + ' ' + l.level })));
const front = measured.filter((c) => c.pareto).map(point);
const datasets = [
  { label: 'Every load level', data: levels, backgroundColor: '#c8c8c8', pointRadius: 2 },
  { label: 'Configurations (reported level)', data: measured.map(point), pointRadius: 5,
    backgroundColor: measured.map((c) => (c.ok ? colors[0] : colors[2])) },
  { label: 'Pareto front', data: front, showLine: true, borderColor: colors[1], backgroundColor: colors[1], pointRadius: 3 },
  { label: 'Recommended', data: measured.filter((c) => c.winner).map(point), pointStyle: 'star', pointRadius: 14,
    borderColor: colors[4], backgroundColor: colors[4], borderWidth: 3 },
];
if (data.budgetMs !== null) {
  const top = Math.max(1, ...levels.map((l) => l.y)) * 1.05;
  datasets.push({ label: p + ' budget', data: [{ x: data.budgetMs, y: 0, label: 'budget' }, { x: data.budgetMs, y: top, label: 'budget' }],
    showLine: true, borderDash: [6, 4], borderColor: colors[2], pointRadius: 0 });
}
new Chart(document.getElementById('chart-throughput-latency'), {
  type: 'scatter', data: { datasets },
  options: { scales: { x: { title: { display: true, text: p + ' latency (ms)' } }, y: { title: { display: true, text: 'Inferences/second' } } },
    plugins: { tooltip: { callbacks: { label: (c) => c.raw.label + ': ' + c.raw.y.toFixed(1) + ' infer/s at ' + c.raw.x.toFixed(2) + ' ms' } } } },
});
function seriesChart(id, chart, xTitle) {
  new Chart(document.getElementById(id), {
    type: 'line',
    data: { labels: chart.labels, datasets: chart.series.map((s, i) => ({ label: s.label, data: s.data, spanGaps: true,
      borderColor: colors[i % colors.length], backgroundColor: colors[i % colors.length] })) },
    options: { scales: { x: { title: { display: true, text: xTitle } }, y: { beginAtZero: true, title: { display: true, text: 'Best inferences/second within the constraints' } } } },
  });
}
seriesChart('chart-instances', data.byInstances, 'Instances');
if (data.byBatchSize !== null) seriesChart('chart-batch-size', data.byBatchSize, 'max_batch_size (dynamic batching)');
`;

/** The HTML page of a report; `chartJs` is the Chart.js bundle (read from node_modules by default). */
export function tuneReportHtml(report: TuneReport, chartJs: string = chartJsSource()): string {
  const data = tuneChartData(report);
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const { header, rows } = tuneTableRows(report);
  const s = report.settings;
  const winner = report.winner === null ? null : report.results[report.winner]!;
  const constraints = [
    s.latencyBudgetMs === null ? null : `p${s.percentile} ≤ ${s.latencyBudgetMs} ms`,
    s.minThroughput > 0 ? `≥ ${s.minThroughput} infer/s` : null,
    s.memoryBudgetMb === null ? null : `server memory ≤ ${s.memoryBudgetMb} MB`,
  ].filter((c) => c !== null);
  const batchSection =
    data.byBatchSize === null
      ? ''
      : '<h2>Throughput vs max_batch_size (dynamic batching)</h2>\n<div class="chart"><canvas id="chart-batch-size"></canvas></div>';
  return chartPageHtml(
    {
      title: `nereid tune: ${report.model.name}`,
      body: `<p>${escapeHtml(`${s.search} search, objective ${s.objective}${constraints.length > 0 ? ` with ${constraints.join(', ')}` : ''}; ${report.results.length} of ${report.space.size} configurations measured in ${Math.round(report.durationMs / 1000)} s on ${report.server.url}${report.server.owned ? ' (tune starts a server for each configuration)' : ''}, ${report.server.cores} cores; started ${report.startedAt}`)}</p>
<h2 id="recommendation">${winner === null ? 'No recommendation' : escapeHtml(`Recommended: ${winner.label}`)}</h2>
<p id="explanation">${escapeHtml(report.explanation)}</p>
<h2>Throughput vs p${s.percentile} latency</h2>
<div class="chart"><canvas id="chart-throughput-latency"></canvas></div>
<h2>Throughput vs instances</h2>
<div class="chart"><canvas id="chart-instances"></canvas></div>
${batchSection}
<h2>Configurations (* recommended, o original)</h2>
<table><thead><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>
${rows.map((r) => `<tr>${r.map((v) => `<td>${escapeHtml(v)}</td>`).join('')}</tr>`).join('\n')}
</tbody></table>
${report.recommendedConfig === null ? '' : `<h2>Recommended config.pbtxt</h2>\n<pre id="recommended-config">${escapeHtml(report.recommendedConfig)}</pre>`}
<p>${escapeHtml(report.restored)}</p>
${report.warnings.length > 0 ? `<h2>Warnings</h2><ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}`,
      dataId: 'tune-data',
      json,
      script: PAGE_SCRIPT,
      style: 'pre { background: #f4f4f4; padding: 1rem; max-width: 900px; overflow-x: auto; }',
    },
    chartJs,
  );
}
