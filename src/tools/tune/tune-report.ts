/**
 * The result of a tune run as one plain object: the settings, the model and server, the space,
 * every configuration measured (its load levels, memory, verdict against the constraints and
 * score), the winner with the sentence on why it won (or why there is none), the recommended
 * config.pbtxt and how the model's original config was restored. Writers read it; nothing here
 * measures.
 */
import type { Candidate } from './candidate.js';

/** One load level of one configuration, from the perf engine's merged stable windows. */
export interface LevelPoint {
  /** Concurrency, or request rate in requests/s. */
  level: number;
  /** Inferences per second. */
  throughput: number;
  /** Latency at the run's percentile, µs. */
  latencyUs: number;
  /** p50 latency, µs. */
  p50Us: number;
  /** p99 latency, µs. */
  p99Us: number;
  /** Average latency, µs. */
  avgUs: number;
  /** Average server queue time per request, µs (null without the statistics extension). */
  queueUs: number | null;
  /** Average server compute time (input + infer + output) per request, µs (null without statistics). */
  computeUs: number | null;
  /** Inferences per model execution: the average batch the model ran (null without statistics). */
  avgBatchSize: number | null;
  /** Whether the level's windows met the stability criterion. */
  stable: boolean;
}

/** One configuration measured. */
export interface CandidateResult {
  /** Position in measuring order, from 1. */
  index: number;
  /** candidateKey of the candidate. */
  key: string;
  /** describeCandidate of the candidate. */
  label: string;
  /** The settings. */
  candidate: Candidate;
  /** The configuration the model had before tune started. */
  original: boolean;
  /** Why it could not be measured (the server refused the config, requests failed), or null. */
  error: string | null;
  /** Load levels measured, in order (the sweep stops early; see docs/tune.md). */
  levels: LevelPoint[];
  /** Most server resident memory seen while it served, bytes (null when unknown). */
  rssBytes: number | null;
  /** (rssBytes − the server's memory without the model) / instances, bytes; only when tune started the server. */
  memoryPerInstanceBytes: number | null;
  /** Time the load of the config took, ms. */
  loadMs: number;
  /** Time the measurement took, ms. */
  measureMs: number;
  /** Index into `levels` of the reported point: the best level within the constraints, else the lowest latency. */
  chosenLevel: number | null;
  /** 'ok', or which constraint it broke and by how much. */
  verdict: string;
  /** The objective's score (throughput, or minus latency) when every constraint holds, else null. */
  score: number | null;
}

/** The run's settings as reported. */
export interface TuneSettings {
  search: 'quick' | 'exhaustive';
  objective: 'throughput' | 'latency';
  percentile: number;
  latencyBudgetMs: number | null;
  minThroughput: number;
  memoryBudgetMb: number | null;
  loadMode: 'concurrency' | 'request_rate';
  loadLevels: number[];
  batchSize: number;
  measurementIntervalMs: number;
  maxTrials: number;
  stabilityPercentage: number;
  minGainPct: number;
  protocol: 'http' | 'grpc';
}

/** A whole tune run. */
export interface TuneReport {
  /** Always 'nereid tune'. */
  tool: 'nereid tune';
  /** ISO time the run started. */
  startedAt: string;
  /** Wall time of the whole run, ms. */
  durationMs: number;
  settings: TuneSettings;
  model: { name: string; backend: string; maxBatchSize: number; sequence: boolean; decoupled: boolean };
  server: {
    /** Address the run used. */
    url: string;
    /** Whether tune started the server itself. */
    owned: boolean;
    /** Cores assumed for the server. */
    cores: number;
    /** Server resident memory before the model was loaded, bytes (only when tune started it). */
    baselineRssBytes: number | null;
  };
  /** Values of each dimension and the number of distinct configurations. */
  space: {
    instances: number[];
    dynamicBatching: boolean[];
    maxBatchSize: number[];
    maxQueueDelayUs: number[];
    preferredBatchSizes: number[][];
    intraOpThreads: number[];
    size: number;
  };
  /** Every configuration measured, in order. */
  results: CandidateResult[];
  /** Index into `results` of the recommended configuration, or null when none met the constraints. */
  winner: number | null;
  /** Index into `results` of the original configuration, or null when it was not measured. */
  original: number | null;
  /** Why the winner won, or why there is no winner. */
  explanation: string;
  /** The recommended config.pbtxt text, or null. */
  recommendedConfig: string | null;
  /** How the model's original config was put back. */
  restored: string;
  /** Run-wide warnings. */
  warnings: string[];
}

/** The JSON export of a run (pretty-printed). */
export function tuneReportJson(report: TuneReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
