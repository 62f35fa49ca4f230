/**
 * What `nereid perf` needs to know about the model and server before generating load, read the
 * way perf_analyzer reads it: the inputs (datatype, per-row dims, optional) from model metadata,
 * and from the config max_batch_size, sequence_batching, decoupled transaction policy and
 * response cache; whether the server has the statistics extension. Also the small control-plane
 * client interface both transports' clients satisfy. Input data is built elsewhere.
 */
import type {
  ModelConfigJson,
  ModelMetadata,
  ModelStatisticsResponse,
  ServerMetadata,
} from '../../client/index.js';
import { invalidArg } from '../../common/index.js';

/** The control-plane calls perf makes on the main thread (HttpClient and GrpcClient both have them). */
export interface ControlClient {
  serverMetadata(): Promise<ServerMetadata>;
  modelMetadata(model: string, version?: string): Promise<ModelMetadata>;
  modelConfig(model: string, version?: string): Promise<ModelConfigJson>;
  modelStatistics(model?: string, version?: string): Promise<ModelStatisticsResponse>;
}

/** One model input as perf sends it. */
export interface PerfInputSpec {
  /** Input name. */
  name: string;
  /** Wire datatype (BYTES for TYPE_STRING). */
  datatype: string;
  /** Dims of one batch row (the full shape for a model without batching); -1 = variable. */
  dims: number[];
  /** The config marks the input optional: it is sent only when the input data has it. */
  optional: boolean;
}

/** The model and server facts a run depends on. */
export interface ModelProfile {
  /** Model name. */
  name: string;
  /** Requested version ('' = the server's choice). */
  version: string;
  /** max_batch_size of the config (0 = no batching). */
  maxBatchSize: number;
  /** Inputs in metadata order. */
  inputs: PerfInputSpec[];
  /** model_transaction_policy.decoupled. */
  decoupled: boolean;
  /** The config has sequence_batching. */
  sequenceBatching: boolean;
  /** response_cache.enable. */
  responseCache: boolean;
  /** The server advertises the `statistics` extension. */
  statistics: boolean;
}

/** Builds a profile from the three answers (pure; loadModelProfile fetches them). */
export function profileFromAnswers(
  server: ServerMetadata,
  metadata: ModelMetadata,
  config: ModelConfigJson,
  version: string,
): ModelProfile {
  const maxBatchSize = Number(config.max_batch_size ?? 0);
  const configInputs = new Map<string, Record<string, unknown>>();
  for (const input of (config.input ?? []) as Record<string, unknown>[])
    configInputs.set(String(input.name), input);
  const inputs = metadata.inputs.map((input) => {
    const dims = input.shape.map(Number);
    return {
      name: input.name,
      datatype: input.datatype,
      dims: maxBatchSize > 0 ? dims.slice(1) : dims,
      optional: configInputs.get(input.name)?.optional === true,
    };
  });
  return {
    name: metadata.name,
    version,
    maxBatchSize,
    inputs,
    decoupled: config.model_transaction_policy?.decoupled === true,
    sequenceBatching: config.sequence_batching !== undefined && config.sequence_batching !== null,
    responseCache: config.response_cache?.enable === true,
    statistics: (server.extensions ?? []).includes('statistics'),
  };
}

/** Fetches server metadata, model metadata and config and checks the batch size against them. */
export async function loadModelProfile(
  client: ControlClient,
  model: string,
  version: string,
  batchSize: number,
): Promise<ModelProfile> {
  const [server, metadata, config] = await Promise.all([
    client.serverMetadata(),
    client.modelMetadata(model, version),
    client.modelConfig(model, version),
  ]);
  const profile = profileFromAnswers(server, metadata, config, version);
  checkBatchSize(profile, batchSize);
  return profile;
}

/** Throws INVALID_ARG when `batchSize` does not fit the model (perf_analyzer's rule). */
export function checkBatchSize(profile: ModelProfile, batchSize: number): void {
  if (profile.maxBatchSize === 0 && batchSize > 1) {
    throw invalidArg(
      'ERR_PERF_BATCH_SIZE',
      `Cannot use batch size ${batchSize} with model '${profile.name}': it does not support batching (max_batch_size 0)`,
    );
  }
  if (profile.maxBatchSize > 0 && batchSize > profile.maxBatchSize) {
    throw invalidArg(
      'ERR_PERF_BATCH_SIZE',
      `Cannot use batch size ${batchSize} with model '${profile.name}': allowed 1 to ${profile.maxBatchSize} (max_batch_size)`,
    );
  }
}
