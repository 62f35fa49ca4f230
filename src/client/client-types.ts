/**
 * Plain answer types of the non-inference calls, in Triton's HTTP JSON forms; the gRPC client
 * converts its messages to the same forms (64-bit counters as numbers), so code written against
 * one transport works with the other. Types only.
 */

/** `GET /v2` — server metadata. */
export interface ServerMetadata {
  /** Server name (`nereid`, or `triton`). */
  name: string;
  /** Server version. */
  version: string;
  /** Supported protocol extensions (e.g. `binary_tensor_data`, `classification`). */
  extensions: string[];
}

/** Metadata of one input or output tensor. */
export interface TensorMetadata {
  /** Tensor name. */
  name: string;
  /** Wire datatype. */
  datatype: string;
  /** Shape; -1 marks a variable dimension (the batch dimension of batching models). */
  shape: number[];
}

/** `GET /v2/models/{m}` — model metadata. */
export interface ModelMetadata {
  /** Model name. */
  name: string;
  /** Ready versions (or the requested one). */
  versions: string[];
  /** `platform` of the config, else its `backend`. */
  platform: string;
  /** Inputs. */
  inputs: TensorMetadata[];
  /** Outputs. */
  outputs: TensorMetadata[];
}

/** A model configuration in Triton's JSON form (`GET /v2/models/{m}/config`). */
export type ModelConfigJson = Record<string, any>;

/** A count and a total duration in nanoseconds. */
export interface StatisticDuration {
  /** Number of events. */
  count: number;
  /** Total nanoseconds. */
  ns: number;
}

/** Statistics of one model version (Triton's statistics extension). */
export interface ModelStatistics {
  /** Model name. */
  name: string;
  /** Version. */
  version: string;
  /** Milliseconds since the epoch of the last inference (0 = never). */
  last_inference: number;
  /** Inferences (a batch of N counts N), cache hits excluded. */
  inference_count: number;
  /** Model executions, cache hits excluded. */
  execution_count: number;
  /** Durations per phase: success, fail, queue, compute_input, compute_infer, compute_output, cache_hit, cache_miss. */
  inference_stats: Record<string, StatisticDuration>;
  /** Per-response statistics of decoupled models, by response index. */
  response_stats: Record<string, Record<string, StatisticDuration>>;
  /** Per batch size execution durations. */
  batch_stats: {
    batch_size: number;
    compute_input: StatisticDuration;
    compute_infer: StatisticDuration;
    compute_output: StatisticDuration;
  }[];
  /** Memory used by the model. */
  memory_usage: { type: string; id: number; byte_size: number }[];
}

/** `GET /v2/models[/{m}]/stats` answer. */
export interface ModelStatisticsResponse {
  /** One entry per model version. */
  model_stats: ModelStatistics[];
}

/** One row of the repository index. */
export interface RepositoryIndexEntry {
  /** Model name. */
  name: string;
  /** Version, when the model has one loaded. */
  version?: string;
  /** UNKNOWN, READY, UNAVAILABLE, LOADING or UNLOADING. */
  state: string;
  /** Why the model is in that state ('' when ready). */
  reason: string;
}

/** Options of loadModel. */
export interface LoadModelOptions {
  /** Configuration override: a Triton JSON config object or its JSON text; default none. */
  config?: string | ModelConfigJson;
  /** Model files to use instead of the repository's, by path `<version>/<file>`; needs `config`. */
  files?: Record<string, Uint8Array>;
}

/** Options of unloadModel. */
export interface UnloadModelOptions {
  /** Also unload models loaded only as dependencies (e.g. ensemble steps); default false. */
  unloadDependents?: boolean;
}

/** Options of repositoryIndex. */
export interface RepositoryIndexOptions {
  /** Only list ready models; default false. */
  ready?: boolean;
}

/**
 * TLS settings of a client, as PEM texts. The server's certificate is always verified: against
 * `caPem` when given, else against the system's public CAs (HTTP) or grpc's default roots (gRPC).
 */
export interface ClientTlsOptions {
  /** CA certificates the server's certificate must chain to; default the public roots. */
  caPem?: string | Uint8Array;
  /** The client's certificate chain, for servers that require mutual TLS; default none. */
  certPem?: string | Uint8Array;
  /** The client's private key, with `certPem`; default none. */
  keyPem?: string | Uint8Array;
  /** Name the server's certificate must carry (and SNI); default the host of the address. */
  serverName?: string;
}

/** One event of the generate extension (the JSON object of an answer or SSE event). */
export type GenerateEvent = Record<string, any>;

/**
 * `GET v2[/models/{m}]/trace/setting` — the trace setting in force, Triton's form: `trace_level` a
 * list (`["OFF"]`, `["TIMESTAMPS"]`, ...), every other value a string (`trace_rate: "1000"`).
 */
export type TraceSettings = Record<string, string | string[]>;

/**
 * New trace setting values: a string (or number, sent as its decimal string), a list of strings
 * (`trace_level`), or null to clear the value (a model's then follows the global setting).
 */
export type TraceSettingsUpdate = Record<string, string | number | readonly string[] | null>;

/** `GET v2/logging` — the server log's settings. */
export interface LogSettings {
  /** The log file ('' = stderr); read-only. */
  log_file: string;
  /** Whether info lines print. */
  log_info: boolean;
  /** Whether warning lines print. */
  log_warning: boolean;
  /** Whether error lines print. */
  log_error: boolean;
  /** Verbose level (0 = off; 1 logs each inference request). */
  log_verbose_level: number;
  /** Line format: 'default' or 'ISO8601'. */
  log_format: string;
}

/** New log setting values; settings left out (or null) are unchanged. */
export type LogSettingsUpdate = Partial<Record<keyof LogSettings, string | number | boolean | null>>;

/** Options of the trace setting calls. */
export interface TraceSettingsOptions {
  /** The model whose setting to read or change; default '' (the global setting). */
  model?: string;
}
