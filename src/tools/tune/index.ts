/**
 * `nereid tune`: chooses a model's instance count and batching settings by measurement, under
 * latency, throughput and memory constraints, with the perf engine: options, the search space and
 * strategies, scoring and the winner's explanation, the report and its writers (console table,
 * CSV, JSON, HTML) and the recommended config. The runner starts servers and load workers; this
 * file only exports.
 */
export {
  type Candidate,
  candidateKey,
  describeBatching,
  describeCandidate,
  effectiveThreads,
} from './candidate.js';
export {
  applyCandidate,
  type ConfigObject,
  candidateFromConfig,
  differingFields,
  INTRA_OP_PARAMETER,
  sameConfig,
} from './candidate-config.js';
export { CandidateMeasurer, levelPoint, type MeasurerSetup } from './candidate-measurer.js';
export {
  type Constraints,
  chooseWinner,
  chosenPoint,
  type Judgement,
  judge,
  paretoFront,
} from './candidate-scoring.js';
export { ConfigRestorer, type RestoreOutcome } from './config-restorer.js';
export { beats, type Evaluate, exhaustiveSearch, quickSearch, type SearchLimits } from './config-search.js';
export { defaultServerEntry, type OwnedServer, startOwnedServer } from './owned-server.js';
export {
  findRepositoryModel,
  type RepositoryModel,
  recommendedConfigText,
  repositoryConfigObject,
  writeRepositoryConfig,
} from './recommended-config.js';
export {
  buildSearchSpace,
  candidateAt,
  DIMENSIONS,
  type Dimension,
  defaultLoadLevels,
  enumerateCandidates,
  type SearchPoint,
  type SearchSpace,
  startPoint,
} from './search-space.js';
export {
  defaultMetricsUrl,
  type MemoryProbe,
  metricsMemoryProbe,
  processMemoryProbe,
  rssFromMetrics,
  rssFromProcStatus,
} from './server-memory.js';
export {
  type FreshServerSetup,
  FreshServers,
  type ServingTarget,
  SharedServer,
} from './serving-target.js';
export { estimateDuration, formatDuration, LOAD_ESTIMATE_MS, type TimeEstimate } from './time-estimate.js';
export { type TunableModel, tunableModel } from './tunable-model.js';
export { constraintText, formatPlan, formatRecommendation, formatResultLine } from './tune-console.js';
export { openControl, type TuneControl } from './tune-control.js';
export { compareWithOriginal, explainNoWinner, explainWinner, gainText } from './tune-explanation.js';
export { type SeriesChart, tuneChartData, tuneReportHtml } from './tune-html-report.js';
export { type ResolvedTuneOptions, resolveTuneOptions, type TuneOptions } from './tune-options.js';
export { decideOutcome, writableModel, writeOutcome } from './tune-outcome.js';
export {
  type CandidateResult,
  type LevelPoint,
  type TuneReport,
  type TuneSettings,
  tuneReportJson,
} from './tune-report.js';
export { runTune, type TuneIo } from './tune-runner.js';
export { formatTuneTable, tuneReportCsv, tuneTableRows } from './tune-table.js';
