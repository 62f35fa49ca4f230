/**
 * `nereid perf`, a perf_analyzer-compatible load generator and analyzer: options, the runner,
 * the report and its writers (console, CSV, JSON, HTML), its LLM mode (genai-perf's figures over
 * the OpenAI, generate_stream and gRPC stream endpoints), input data and the statistics helpers
 * tests and other tools build on. Worker threads are started by the runner, never from here.
 */

export { formatLevel, formatRate, formatSettings, formatSummary } from './console-report.js';
export { csvColumns, perfReportCsv } from './csv-report.js';
export {
  type ChartPage,
  chartData,
  chartJsSource,
  chartPageHtml,
  escapeHtml,
  perfReportHtml,
} from './html-report.js';
export { buildInputStreams, type InputDataOptions, resolveShape } from './input-data.js';
export {
  type JsonStep,
  type JsonTensorValue,
  parsePerfInputJson,
  readPerfInputFile,
} from './json-input-file.js';
export {
  formatLlmReport,
  LLM_CSV_COLUMNS,
  LLM_ENDPOINT_LIST,
  type LlmLevelResult,
  type LlmPerfIo,
  type LlmPerfOptions,
  type LlmPerfReport,
  type LlmStat,
  llmLevelResult,
  llmReportCsv,
  llmReportHtml,
  runLlmPerf,
} from './llm-perf.js';
export { LLM_ENDPOINTS, type LlmEndpoint, type LlmRequestTiming } from './llm-stream-client.js';
export { LoadCoordinator, type LoadJobTemplate, splitEvenly } from './load-coordinator.js';
export {
  type ControlClient,
  checkBatchSize,
  loadModelProfile,
  type ModelProfile,
  type PerfInputSpec,
  profileFromAnswers,
} from './model-profile.js';
export {
  type PerfOptions,
  type PerfRange,
  parseRange,
  type ResolvedPerfOptions,
  rangeLevels,
  resolvePerfOptions,
} from './perf-options.js';
export {
  type LevelResult,
  type PerfReport,
  perfReportJson,
  type ReportModel,
  type ReportSettings,
  summaryLatencyUs,
  type TrialResult,
} from './perf-report.js';
export { type PerfHooks, type PerfIo, runPerf, SATURATED_ELU } from './perf-runner.js';
export {
  addCounters,
  countersOf,
  diffCounters,
  emptyCounters,
  type ServerAverages,
  type ServerCounters,
  serverAverages,
} from './server-stats.js';
export {
  type ClientWindow,
  isStable,
  type MeasuredWindow,
  mergeWindows,
  percentileList,
  percentileOf,
  REPORTED_PERCENTILES,
  STABILITY_WINDOWS,
  stabilizingLatencyUs,
  type WorkerUsage,
  windowFromSamples,
} from './window-stats.js';
export type { InputStep, WindowSample, WireInput, WorkerTotals } from './worker-protocol.js';
