/**
 * `nereid perf --llm ENDPOINT`: genai-perf's figures for a generation model on a running server.
 * At each concurrency level, that many closed-loop clients send streamed requests (greedy, a fixed
 * prompt, `outputTokens` tokens) for one measurement interval; requests started in it run to their
 * end and count. Per level: output tokens/s, requests/s, time to first token, inter-token latency
 * (genai-perf's: (last token - first token) / (tokens - 1) per request) and request latency,
 * written to the console and, when asked, as CSV, JSON and an HTML report with charts.
 */
import { writeFileSync } from 'node:fs';
import { invalidArg } from '../../common/index.js';
import { chartJsSource, chartPageHtml, escapeHtml } from './html-report.js';
import {
  LLM_ENDPOINTS,
  type LlmEndpoint,
  type LlmRequestSpec,
  type LlmRequestTiming,
  llmStreamClient,
} from './llm-stream-client.js';
import { parseRange, rangeLevels } from './perf-options.js';

/** Caller input of an LLM perf run. */
export interface LlmPerfOptions {
  /** Model name [-m]. */
  model: string;
  /** Transport [--llm]. */
  endpoint: LlmEndpoint;
  /** `host:port` [-u]; default localhost:8000 (gRPC localhost:8001). */
  url?: string;
  /** Concurrency levels `start[:end[:step]]` [--concurrency-range]; default '1'. */
  concurrencyRange?: string;
  /** Length of each level's window in ms [-p]; default 5000. */
  measurementIntervalMs?: number;
  /** Prompt of every request [--prompt]; default 'Once upon a time'. */
  prompt?: string;
  /** Output tokens per request [--output-tokens]; default 128. */
  outputTokens?: number;
  /** Whether generation ignores the end-of-generation token [--ignore-eos]; default false. */
  ignoreEos?: boolean;
  /** Extra headers / gRPC metadata [-H]; default none. */
  headers?: Record<string, string>;
  /** CSV output file [-f]; default none. */
  csvFile?: string;
  /** JSON output file [--json]; default none. */
  jsonFile?: string;
  /** HTML report file [--report]; default none. */
  reportFile?: string;
}

/** Average and percentiles of one quantity, in ms. */
export interface LlmStat {
  /** Mean. */
  avg: number;
  /** Median. */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 99th percentile. */
  p99: number;
}

/** One concurrency level's figures. */
export interface LlmLevelResult {
  /** Concurrent streams. */
  concurrency: number;
  /** Requests that finished without error. */
  requests: number;
  /** Requests that failed. */
  failed: number;
  /** From the level's start to the end of its last request, in seconds. */
  durationS: number;
  /** Output tokens of the finished requests per second. */
  outputTokensPerS: number;
  /** Finished requests per second. */
  requestsPerS: number;
  /** Mean output tokens per finished request. */
  outputTokensPerRequest: number;
  /** Time to first token, ms. */
  ttftMs: LlmStat;
  /** Inter-token latency per request, ms. */
  itlMs: LlmStat;
  /** Request latency, ms. */
  latencyMs: LlmStat;
  /** The first failure's message, if any. */
  firstError: string | null;
}

/** A whole LLM perf run. */
export interface LlmPerfReport {
  /** The settings in force. */
  settings: Required<Omit<LlmPerfOptions, 'csvFile' | 'jsonFile' | 'reportFile'>>;
  /** ISO time of the start. */
  startedAt: string;
  /** One row per concurrency level. */
  levels: LlmLevelResult[];
}

/** Where a run writes: the report (stdout) and progress lines (stderr). */
export interface LlmPerfIo {
  /** Report text. */
  out(text: string): void;
  /** One progress line ('' clears it). */
  progress(text: string): void;
}

/** The LLM endpoints as a flag's allowed values, for messages. */
export const LLM_ENDPOINT_LIST = LLM_ENDPOINTS.join(', ');

function stat(values: number[]): LlmStat {
  if (values.length === 0) return { avg: 0, p50: 0, p90: 0, p99: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const at = (p: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
  return { avg: sorted.reduce((s, v) => s + v, 0) / sorted.length, p50: at(50), p90: at(90), p99: at(99) };
}

/** The figures of one level from its finished requests. */
export function llmLevelResult(
  concurrency: number,
  timings: readonly LlmRequestTiming[],
  durationS: number,
): LlmLevelResult {
  const ok = timings.filter((t) => t.error === null && t.tokens > 0);
  const tokens = ok.reduce((s, t) => s + t.tokens, 0);
  const itl = ok.filter((t) => t.tokens > 1).map((t) => (t.lastMs - t.firstMs) / (t.tokens - 1));
  return {
    concurrency,
    requests: ok.length,
    failed: timings.length - ok.length,
    durationS,
    outputTokensPerS: durationS > 0 ? tokens / durationS : 0,
    requestsPerS: durationS > 0 ? ok.length / durationS : 0,
    outputTokensPerRequest: ok.length > 0 ? tokens / ok.length : 0,
    ttftMs: stat(ok.map((t) => t.firstMs)),
    itlMs: stat(itl),
    latencyMs: stat(ok.map((t) => t.endMs)),
    firstError: timings.find((t) => t.error !== null)?.error ?? null,
  };
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1)
    throw invalidArg('ERR_PERF_OPTION', `Option ${name} must be a positive integer: received ${value}`);
  return value;
}

/** Runs the LLM measurement; resolves with the report after writing it. */
export async function runLlmPerf(options: LlmPerfOptions, io: LlmPerfIo): Promise<LlmPerfReport> {
  if (!LLM_ENDPOINTS.includes(options.endpoint)) {
    throw invalidArg(
      'ERR_PERF_OPTION',
      `Option --llm must be one of ${LLM_ENDPOINT_LIST}: received '${options.endpoint}'`,
    );
  }
  const settings: LlmPerfReport['settings'] = {
    model: options.model,
    endpoint: options.endpoint,
    url: options.url ?? (options.endpoint === 'grpc' ? 'localhost:8001' : 'localhost:8000'),
    concurrencyRange: options.concurrencyRange ?? '1',
    measurementIntervalMs: positive('-p', options.measurementIntervalMs ?? 5000),
    prompt: options.prompt ?? 'Once upon a time',
    outputTokens: positive('--output-tokens', options.outputTokens ?? 128),
    ignoreEos: options.ignoreEos ?? false,
    headers: options.headers ?? {},
  };
  const levels = rangeLevels(parseRange('--concurrency-range', settings.concurrencyRange, true));
  const spec: LlmRequestSpec = {
    model: settings.model,
    prompt: settings.prompt,
    outputTokens: settings.outputTokens,
    ignoreEos: settings.ignoreEos,
    headers: settings.headers,
  };
  const client = llmStreamClient(settings.endpoint, settings.url, Math.max(...levels));
  const report: LlmPerfReport = { settings, startedAt: new Date().toISOString(), levels: [] };
  try {
    const warm = await client.run(spec);
    if (warm.error !== null) {
      throw invalidArg(
        'ERR_PERF_LLM_REQUEST',
        `The first request to model '${settings.model}' failed: ${warm.error}`,
      );
    }
    for (const concurrency of levels) {
      io.progress(`concurrency ${concurrency}: measuring for ${settings.measurementIntervalMs} ms`);
      const timings: LlmRequestTiming[] = [];
      const start = performance.now();
      const deadline = start + settings.measurementIntervalMs;
      const slot = async (): Promise<void> => {
        while (performance.now() < deadline) timings.push(await client.run(spec));
      };
      await Promise.all(Array.from({ length: concurrency }, slot));
      report.levels.push(llmLevelResult(concurrency, timings, (performance.now() - start) / 1000));
    }
  } finally {
    io.progress('');
    await client.close();
  }
  io.out(formatLlmReport(report));
  if (options.csvFile !== undefined) writeFileSync(options.csvFile, llmReportCsv(report));
  if (options.jsonFile !== undefined) writeFileSync(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (options.reportFile !== undefined) writeFileSync(options.reportFile, llmReportHtml(report));
  return report;
}

const f1 = (x: number) => x.toFixed(1);
const f2 = (x: number) => x.toFixed(2);

/** The console report. */
export function formatLlmReport(report: LlmPerfReport): string {
  const s = report.settings;
  const lines = [
    `*** LLM measurement: model '${s.model}' over ${s.endpoint} at ${s.url}, ${s.outputTokens} output tokens per request${s.ignoreEos ? ' (EOS ignored)' : ''}, ${s.measurementIntervalMs} ms per level ***`,
    '',
    'Concurrency | Output tokens/s | Requests/s | TTFT avg / p50 / p99 ms | ITL avg / p50 / p99 ms | Latency p50 / p99 ms | Tokens/request | Failed',
  ];
  for (const l of report.levels) {
    lines.push(
      `${l.concurrency} | ${f1(l.outputTokensPerS)} | ${f2(l.requestsPerS)} | ${f2(l.ttftMs.avg)} / ${f2(l.ttftMs.p50)} / ${f2(l.ttftMs.p99)} | ${f2(l.itlMs.avg)} / ${f2(l.itlMs.p50)} / ${f2(l.itlMs.p99)} | ${f1(l.latencyMs.p50)} / ${f1(l.latencyMs.p99)} | ${f1(l.outputTokensPerRequest)} | ${l.failed}`,
    );
    if (l.firstError !== null) lines.push(`  first failure: ${l.firstError}`);
  }
  return `${lines.join('\n')}\n`;
}

/** CSV columns, one row per level (times in ms). */
export const LLM_CSV_COLUMNS = [
  'Concurrency',
  'Output tokens/s',
  'Requests/s',
  'TTFT avg',
  'TTFT p50',
  'TTFT p90',
  'TTFT p99',
  'ITL avg',
  'ITL p50',
  'ITL p90',
  'ITL p99',
  'Latency avg',
  'Latency p50',
  'Latency p99',
  'Output tokens/request',
  'Requests',
  'Failed',
] as const;

/** The CSV report. */
export function llmReportCsv(report: LlmPerfReport): string {
  const rows = report.levels.map((l) =>
    [
      l.concurrency,
      f1(l.outputTokensPerS),
      f2(l.requestsPerS),
      ...[l.ttftMs, l.itlMs].flatMap((s) => [s.avg, s.p50, s.p90, s.p99].map(f2)),
      f2(l.latencyMs.avg),
      f2(l.latencyMs.p50),
      f2(l.latencyMs.p99),
      f1(l.outputTokensPerRequest),
      l.requests,
      l.failed,
    ].join(','),
  );
  return `${[LLM_CSV_COLUMNS.join(','), ...rows].join('\n')}\n`;
}

const LLM_PAGE_SCRIPT = `
const data = JSON.parse(document.getElementById('llm-data').textContent);
const names = data.map((l) => 'Concurrency ' + l.concurrency);
const colors = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2'];
new Chart(document.getElementById('chart-tokens'), { type: 'bar',
  data: { labels: names, datasets: [{ label: 'Output tokens/s', backgroundColor: colors[0], data: data.map((l) => l.outputTokensPerS) }] },
  options: { scales: { y: { title: { display: true, text: 'Output tokens/s' } } } } });
for (const [id, key] of [['chart-ttft', 'ttftMs'], ['chart-itl', 'itlMs']]) {
  new Chart(document.getElementById(id), { type: 'bar',
    data: { labels: names, datasets: ['avg', 'p50', 'p90', 'p99'].map((p, i) => ({ label: p, backgroundColor: colors[i], data: data.map((l) => l[key][p]) })) },
    options: { scales: { y: { title: { display: true, text: 'ms' } } } } });
}
`;

/** The HTML report (self-contained; `chartJs` read from node_modules by default). */
export function llmReportHtml(report: LlmPerfReport, chartJs: string = chartJsSource()): string {
  const s = report.settings;
  const csv = llmReportCsv(report).trim().split('\n');
  const header = LLM_CSV_COLUMNS.map((c) => `<th>${escapeHtml(c)}</th>`).join('');
  const rows = csv
    .slice(1)
    .map(
      (line) =>
        `<tr>${line
          .split(',')
          .map((v) => `<td>${escapeHtml(v)}</td>`)
          .join('')}</tr>`,
    )
    .join('\n');
  return chartPageHtml(
    {
      title: `nereid perf --llm: ${s.model}`,
      body: `<p>${escapeHtml(`${s.endpoint} at ${s.url}, ${s.outputTokens} output tokens per request, concurrency ${report.levels.map((l) => l.concurrency).join(', ')}, ${s.measurementIntervalMs} ms per level, started ${report.startedAt}`)}</p>
<h2>Output tokens per second</h2>
<div class="chart"><canvas id="chart-tokens"></canvas></div>
<h2>Time to first token</h2>
<div class="chart"><canvas id="chart-ttft"></canvas></div>
<h2>Inter-token latency</h2>
<div class="chart"><canvas id="chart-itl"></canvas></div>
<h2>Results (times in ms)</h2>
<table><thead><tr>${header}</tr></thead><tbody>
${rows}
</tbody></table>`,
      dataId: 'llm-data',
      json: JSON.stringify(report.levels).replace(/</g, '\\u003c'),
      script: LLM_PAGE_SCRIPT,
    },
    chartJs,
  );
}
