/**
 * `runTune`: one `nereid tune` run. It reaches the server (a running one, or its own started on
 * the repository), records the model's state, builds the search space from the model and the
 * flags, says how long the search will take, measures the original config and then the
 * configurations the search asks for, puts the model back as it was (also after an error or an
 * interrupt), and hands the results to tune-outcome.ts for the winner and the files. Measuring
 * one configuration is candidate-measurer.ts's job.
 */
import { performance } from 'node:perf_hooks';
import { InferenceServerError } from '../../client/index.js';
import { cancelled, invalidArg, notFound, ServerError, unavailable } from '../../common/index.js';
import { type Candidate, candidateKey } from './candidate.js';
import { type ConfigObject, candidateFromConfig } from './candidate-config.js';
import { CandidateMeasurer } from './candidate-measurer.js';
import type { Constraints } from './candidate-scoring.js';
import { ConfigRestorer } from './config-restorer.js';
import { type Evaluate, exhaustiveSearch, quickSearch } from './config-search.js';
import { defaultServerEntry, type OwnedServer, startOwnedServer } from './owned-server.js';
import {
  buildSearchSpace,
  defaultLoadLevels,
  enumerateCandidates,
  type SearchSpace,
} from './search-space.js';
import {
  defaultMetricsUrl,
  type MemoryProbe,
  metricsMemoryProbe,
  processMemoryProbe,
} from './server-memory.js';
import { FreshServers, type ServingTarget, SharedServer } from './serving-target.js';
import { estimateDuration, formatDuration } from './time-estimate.js';
import { type TunableModel, tunableModel } from './tunable-model.js';
import { formatPlan, formatResultLine } from './tune-console.js';
import { openControl, type TuneControl } from './tune-control.js';
import { type ResolvedTuneOptions, resolveTuneOptions, type TuneOptions } from './tune-options.js';
import { decideOutcome, writableModel, writeOutcome } from './tune-outcome.js';
import type { CandidateResult, TuneReport } from './tune-report.js';

/** Where a run writes: report text, the live progress line, warnings. All default to silence. */
export interface TuneIo {
  /** Report text, whole lines. */
  out(text: string): void;
  /** The live progress line (one line, replaced by the next; '' clears it). */
  progress(text: string): void;
  /** Warnings, one per call. */
  warn(text: string): void;
}

const NOOP = () => {};

/** The server a run talks to. */
interface Reached {
  url: string;
  owned: OwnedServer | null;
  memory: MemoryProbe | null;
  baselineRssBytes: number | null;
}

async function reachServer(opts: ResolvedTuneOptions, io: TuneIo): Promise<Reached> {
  if (opts.url === null) {
    const owned = await startOwnedServer(
      opts.serverEntry ?? defaultServerEntry(),
      opts.modelRepositories,
      opts.serverArgs,
    );
    const memory = processMemoryProbe(owned.pid);
    const url = opts.protocol === 'http' ? owned.httpAddress : owned.grpcAddress;
    return { url, owned, memory, baselineRssBytes: await memory.readRssBytes() };
  }
  const memory = metricsMemoryProbe(opts.metricsUrl ?? defaultMetricsUrl(opts.url));
  if ((await memory.readRssBytes()) !== null)
    return { url: opts.url, owned: null, memory, baselineRssBytes: null };
  io.warn(
    `Cannot read the server's memory from ${memory.source}: memory is not reported (give --metrics-url)`,
  );
  return { url: opts.url, owned: null, memory: null, baselineRssBytes: null };
}

/** Loads the model from its repository when it is not loaded; returns the config it serves. */
async function servedConfig(control: TuneControl, restorer: ConfigRestorer): Promise<ConfigObject> {
  if (restorer.original !== null) return restorer.original;
  const name = restorer.model;
  const index = await control.repositoryIndex();
  if (!index.some((e) => e.name === name)) {
    const names = index.map((e) => `'${e.name}'`);
    throw notFound(
      'ERR_TUNE_UNKNOWN_MODEL',
      `Model '${name}' is not in the server's repository: it has ${names.length === 0 ? 'no models' : `${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}`}`,
    );
  }
  restorer.markChanged();
  try {
    await control.loadModel(name);
  } catch (err) {
    if (!(err instanceof InferenceServerError)) throw err;
    throw new ServerError(
      err.status,
      'ERR_TUNE_MODEL_LOAD',
      `Cannot load model '${name}' to tune it: ${err.message}`,
    );
  }
  return (await control.modelConfig(name)) as ConfigObject;
}

function constraintsOf(opts: ResolvedTuneOptions): Constraints {
  return {
    objective: opts.objective,
    percentile: opts.percentile,
    latencyBudgetUs: opts.latencyBudgetMs === null ? null : opts.latencyBudgetMs * 1000,
    minThroughput: opts.minThroughput,
    memoryBudgetBytes: opts.memoryBudgetMb === null ? null : opts.memoryBudgetMb * 1e6,
    loadLabel: opts.loadMode === 'concurrency' ? 'concurrency' : 'request rate',
  };
}

function newReport(
  opts: ResolvedTuneOptions,
  model: TunableModel,
  space: SearchSpace,
  levels: number[],
  reached: Reached,
  size: number,
): TuneReport {
  return {
    tool: 'nereid tune',
    startedAt: new Date().toISOString(),
    durationMs: 0,
    settings: {
      search: opts.search,
      objective: opts.objective,
      percentile: opts.percentile,
      latencyBudgetMs: opts.latencyBudgetMs,
      minThroughput: opts.minThroughput,
      memoryBudgetMb: opts.memoryBudgetMb,
      loadMode: opts.loadMode,
      loadLevels: levels,
      batchSize: opts.batchSize,
      measurementIntervalMs: opts.measurementIntervalMs,
      maxTrials: opts.maxTrials,
      stabilityPercentage: opts.stabilityPercentage,
      minGainPct: opts.minGainPct,
      protocol: opts.protocol,
    },
    model: {
      name: model.name,
      backend: model.backend,
      maxBatchSize: model.maxBatchSize,
      sequence: model.sequence,
      decoupled: model.decoupled,
    },
    server: {
      url: reached.url,
      owned: reached.owned !== null,
      cores: opts.cores,
      baselineRssBytes: reached.baselineRssBytes,
    },
    space: {
      instances: [...space.instances],
      dynamicBatching: [...space.dynamicBatching],
      maxBatchSize: [...space.maxBatchSize],
      maxQueueDelayUs: [...space.maxQueueDelayUs],
      preferredBatchSizes: space.preferredBatchSizes.map((p) => [...p]),
      intraOpThreads: [...space.intraOpThreads],
      size,
    },
    results: [],
    winner: null,
    original: null,
    explanation: '',
    recommendedConfig: null,
    restored: '',
    warnings: [],
  };
}

/** Runs `nereid tune` with `options`; resolves with the report once every file is written. */
export async function runTune(
  options: TuneOptions,
  io: Partial<TuneIo> = {},
  signal: AbortSignal = new AbortController().signal,
): Promise<TuneReport> {
  const opts = resolveTuneOptions(options);
  const sink: TuneIo = { out: io.out ?? NOOP, progress: io.progress ?? NOOP, warn: io.warn ?? NOOP };
  const startMs = performance.now();
  const reached = await reachServer(opts, sink);
  const control = openControl(opts.protocol, reached.url, opts.headers);
  let restorer: ConfigRestorer | null = null;
  let report: TuneReport | null = null;
  let failure: unknown = null;
  const held: Held = { target: null };
  try {
    restorer = await ConfigRestorer.capture(control, opts.model);
    report = await search(opts, sink, signal, reached, control, restorer, startMs, held);
  } catch (err) {
    failure = err;
  }
  const restored = await putBack(reached, restorer, failure, sink);
  await control.close();
  await held.target?.close();
  await reached.owned?.stop();
  if (failure !== null) {
    sink.progress('');
    sink.out(`${restored}\n`);
    throw failure;
  }
  report!.restored = restored;
  report!.durationMs = performance.now() - startMs;
  writeOutcome(opts, report!, sink.out);
  return report!;
}

/** The serving target of a run, held where the run's cleanup can close it. */
interface Held {
  target: ServingTarget | null;
}

/** Restores the model (unless tune owns the server); returns the sentence saying how. */
async function putBack(
  reached: Reached,
  restorer: ConfigRestorer | null,
  failure: unknown,
  io: TuneIo,
): Promise<string> {
  if (reached.owned !== null)
    return "The servers tune started were stopped; the repository's files were not changed";
  if (restorer === null || !restorer.pending) return `Model '${restorer?.model ?? ''}' was not changed`;
  io.progress(`Restoring the original config of model '${restorer.model}'`);
  try {
    return ConfigRestorer.describe(restorer.model, await restorer.restore());
  } catch (err) {
    if (failure === null) throw err;
    return `Could not restore model '${restorer.model}': ${(err as Error).message}`;
  } finally {
    io.progress('');
  }
}

async function search(
  opts: ResolvedTuneOptions,
  io: TuneIo,
  signal: AbortSignal,
  reached: Reached,
  control: TuneControl,
  restorer: ConfigRestorer,
  startMs: number,
  held: Held,
): Promise<TuneReport> {
  writableModel(opts);
  const config = await servedConfig(control, restorer);
  const model = tunableModel(opts.model, config, opts.protocol);
  const space = buildSearchSpace(model, opts);
  const candidates = enumerateCandidates(space);
  const original = candidateFromConfig(config);
  const originalKey = candidateKey(original);
  const size = candidates.length + (candidates.some((c) => candidateKey(c) === originalKey) ? 0 : 1);
  if (opts.search === 'exhaustive' && size > opts.maxConfigs) {
    throw invalidArg(
      'ERR_TUNE_OPTION',
      `Exhaustive search over ${size} configurations is more than --max-configs ${opts.maxConfigs}: give fewer values of a dimension, raise --max-configs, or use --search quick`,
    );
  }
  const levels = [...(opts.loadLevels ?? defaultLoadLevels(space))];
  const report = newReport(opts, model, space, levels, reached, size);
  const estimate = estimateDuration({
    search: opts.search,
    space,
    size,
    maxConfigs: opts.maxConfigs,
    levels: levels.length,
    measurementIntervalMs: opts.measurementIntervalMs,
    maxTrials: opts.maxTrials,
  });
  io.out(formatPlan({ report, space, estimate }));
  if (model.responseCache) {
    const text = `Model '${model.name}' has the response cache on: repeated inputs are answered from the cache, not the model`;
    report.warnings.push(text);
    io.warn(text);
  }
  const constraints = constraintsOf(opts);
  held.target =
    reached.owned === null
      ? new SharedServer(control, model.name, reached.url, reached.memory, original, () =>
          restorer.markChanged(),
        )
      : new FreshServers(
          {
            entry: opts.serverEntry ?? defaultServerEntry(),
            repositories: opts.modelRepositories,
            serverArgs: opts.serverArgs,
            protocol: opts.protocol,
            headers: opts.headers,
            model: model.name,
          },
          reached.owned,
          original,
          reached.baselineRssBytes,
        );
  const measurer = new CandidateMeasurer({
    target: held.target,
    model,
    perf: {
      model: model.name,
      protocol: opts.protocol,
      batchSize: opts.batchSize,
      measurementIntervalMs: opts.measurementIntervalMs,
      stabilityPercentage: opts.stabilityPercentage,
      maxTrials: opts.maxTrials,
      inputData: opts.inputData,
      shapes: { ...opts.shapes },
      headers: { ...opts.headers },
      stringLength: opts.stringLength,
      streaming: model.decoupled,
      maxThreads: opts.maxThreads ?? undefined,
    },
    loadMode: opts.loadMode,
    levels,
    constraints,
    minGainPct: opts.minGainPct,
    signal,
    progress: io.progress,
  });
  const byKey = new Map<string, CandidateResult>();
  const evaluate: Evaluate = async (c: Candidate) => {
    const known = byKey.get(candidateKey(c));
    if (known !== undefined) return known.score;
    if (signal.aborted)
      throw cancelled('ERR_TUNE_CANCELLED', `Tuning of model '${model.name}' was interrupted`);
    if (byKey.size >= opts.maxConfigs) return null;
    const elapsed = performance.now() - startMs;
    const left =
      byKey.size === 0
        ? estimate.typicalMs
        : (elapsed / byKey.size) * Math.max(1, estimate.configs - byKey.size);
    io.progress(`[config ${byKey.size + 1}] loading; about ${formatDuration(left)} left`);
    const r = await measurer.measure(c, candidateKey(c) === originalKey);
    byKey.set(r.key, r);
    report.results.push(r);
    io.out(formatResultLine(r, report));
    return r.score;
  };
  try {
    await evaluate(original);
  } catch (err) {
    throw abortedAs(err, model.name);
  }
  const first = report.results[0]!;
  if (first.error !== null) {
    throw unavailable(
      'ERR_TUNE_REQUEST_FAILED',
      `Requests to model '${model.name}' fail with its original config, so no configuration can be measured: ${first.error}: give inputs it accepts with --input-data (and --shape)`,
    );
  }
  const limits = { minGainPct: opts.minGainPct, maxConfigs: opts.maxConfigs };
  try {
    if (opts.search === 'exhaustive') await exhaustiveSearch(space, evaluate, limits);
    else await quickSearch(space, evaluate, limits);
  } catch (err) {
    throw abortedAs(err, model.name);
  }
  report.original = 0;
  decideOutcome(opts, report, space, constraints, config);
  return report;
}

function abortedAs(err: unknown, model: string): unknown {
  if (err instanceof ServerError && err.code === 'ERR_PERF_ABORTED')
    return cancelled('ERR_TUNE_CANCELLED', `Tuning of model '${model}' was interrupted`);
  return err;
}
