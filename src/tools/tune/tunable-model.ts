/**
 * What tune needs to know about a model before it searches, read from the config the server
 * serves: its backend, whether it batches, whether it is a sequence or decoupled model, and the
 * reason it cannot be tuned when it cannot (an ensemble has no instances or batching of its own;
 * a decoupled model's load needs a gRPC stream). Searching and measuring are elsewhere.
 */
import { unsupported } from '../../common/index.js';
import type { ConfigObject } from './candidate-config.js';

/** The model facts a tune run depends on. */
export interface TunableModel {
  /** Model name. */
  readonly name: string;
  /** The config's backend (`onnxruntime`, `javascript`, ...). */
  readonly backend: string;
  /** ONNX Runtime model: the intra-op thread count is a setting. */
  readonly onnx: boolean;
  /** max_batch_size of the served config (0 = no batching). */
  readonly maxBatchSize: number;
  /** The config has sequence_batching: load comes as sequences, dynamic batching does not apply. */
  readonly sequence: boolean;
  /** model_transaction_policy.decoupled. */
  readonly decoupled: boolean;
  /** response_cache.enable: a warning, as cached answers skip the model. */
  readonly responseCache: boolean;
  /** The config as served before tune changed anything. */
  readonly config: ConfigObject;
}

function ensembleSteps(config: ConfigObject): string[] {
  const scheduling = config.ensemble_scheduling as { step?: { model_name?: string }[] } | undefined;
  return [...new Set((scheduling?.step ?? []).map((s) => String(s.model_name)))];
}

/**
 * Reads `config` (as served) into a TunableModel.
 * @throws ServerError UNSUPPORTED (ERR_TUNE_UNSUPPORTED_MODEL) for an ensemble, or a decoupled model over HTTP
 */
export function tunableModel(name: string, config: ConfigObject, protocol: 'http' | 'grpc'): TunableModel {
  const platform = String(config.platform ?? '');
  const backend = String(config.backend ?? '');
  if (platform === 'ensemble' || config.ensemble_scheduling !== undefined) {
    const steps = ensembleSteps(config).map((s) => `'${s}'`);
    throw unsupported(
      'ERR_TUNE_UNSUPPORTED_MODEL',
      `Cannot tune model '${name}': it is an ensemble, with no instances or batching of its own; tune its composing models instead: ${steps.join(', ')}`,
    );
  }
  const decoupled =
    (config.model_transaction_policy as { decoupled?: boolean } | undefined)?.decoupled === true;
  if (decoupled && protocol !== 'grpc') {
    throw unsupported(
      'ERR_TUNE_UNSUPPORTED_MODEL',
      `Cannot tune model '${name}' over HTTP: it is decoupled, and its load is sent on a gRPC ModelStreamInfer stream: use -i grpc (and -u HOST:GRPC_PORT for a running server)`,
    );
  }
  return {
    name,
    backend,
    onnx: backend === 'onnxruntime' || platform.startsWith('onnxruntime'),
    maxBatchSize: Number(config.max_batch_size ?? 0),
    sequence: config.sequence_batching !== undefined && config.sequence_batching !== null,
    decoupled,
    responseCache: (config.response_cache as { enable?: boolean } | undefined)?.enable === true,
    config,
  };
}
