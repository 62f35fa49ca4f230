/**
 * The llama.cpp backend (`backend: "llamacpp"`, file `1/model.gguf`): GGUF language models served
 * through node-llama-cpp's prebuilt binaries, one worker thread per instance with one context of
 * `max_num_seqs` sequence slots (continuous batching, see generation-engine.ts). `inspect` checks
 * the GGUF header and completes the config with Triton's vLLM tensor interface; `createInstance`
 * starts the worker with the config's parameters. The main thread never loads node-llama-cpp.
 */
import { open } from 'node:fs/promises';
import { relative } from 'node:path';
import { resolveWorkerUrl, ServerError, Status } from '../../common/index.js';
import {
  completeLlamaCppConfig,
  DEFAULT_CONTEXT_LENGTH_CAP,
  generationTensorMetadata,
  LLAMA_CPP_BACKEND,
  LLAMA_CPP_MODEL_FILENAME,
  resolveLlamaCppParameters,
} from '../../config/index.js';
import type { ModelConfig } from '../../protocol/index.js';
import type {
  Backend,
  BackendInstance,
  BackendLogger,
  InstanceContext,
  ModelFileMetadata,
} from '../backend.js';
import { defaultBackendLogger } from '../worker-instance.js';
import { LlamaCppInstance } from './llama-cpp-instance.js';

/** Options of the llama.cpp backend. */
export interface LlamaCppBackendOptions {
  /** The compiled worker entry. Default: `./llama-worker.js` next to this module (dist/ when run from src/). */
  workerUrl?: URL;
  /** Logger used when the instance context has none. Default: warnings and errors to stderr. */
  logger?: BackendLogger;
}

/** The 4 magic bytes every GGUF file starts with. */
const GGUF_MAGIC = 'GGUF';

/** The model file as users name it: relative to the model directory (`1/model.gguf`). */
function displayPathOf(context: InstanceContext): string {
  return relative(context.modelDir, context.modelPath) || LLAMA_CPP_MODEL_FILENAME;
}

/**
 * Reads the first bytes of the model file: a file that is not GGUF (or too short to be one) fails
 * the load here with a clear reason, before a worker starts.
 */
async function checkGgufHeader(context: InstanceContext): Promise<void> {
  const display = displayPathOf(context);
  const bytes = Buffer.alloc(8);
  let read = 0;
  try {
    const file = await open(context.modelPath, 'r');
    try {
      read = (await file.read(bytes, 0, 8, 0)).bytesRead;
    } finally {
      await file.close();
    }
  } catch (err) {
    throw new ServerError(
      Status.NOT_FOUND,
      'ERR_MODEL_FILE_NOT_FOUND',
      `Cannot read GGUF file '${display}' of model "${context.modelName}": ${(err as NodeJS.ErrnoException).code ?? 'read error'}`,
    );
  }
  const magic = bytes.subarray(0, 4).toString('latin1');
  if (read < 8 || magic !== GGUF_MAGIC) {
    throw new ServerError(
      Status.INVALID_ARG,
      'ERR_MODEL_LOAD',
      `File '${display}' of model "${context.modelName}" is not a GGUF file: it starts with ${JSON.stringify(bytes.subarray(0, Math.min(read, 4)).toString('latin1'))} instead of "GGUF"`,
    );
  }
}

/** Serves GGUF models with llama.cpp. */
export class LlamaCppBackend implements Backend {
  readonly name = LLAMA_CPP_BACKEND;
  readonly platforms: readonly string[] = [];
  readonly defaultModelFilename = LLAMA_CPP_MODEL_FILENAME;
  readonly implicitState = false;
  private readonly options: LlamaCppBackendOptions;
  private workerUrl: URL | null;

  constructor(options: LlamaCppBackendOptions = {}) {
    this.options = options;
    this.workerUrl = options.workerUrl ?? null;
  }

  async inspect(context: InstanceContext): Promise<ModelFileMetadata> {
    await checkGgufHeader(context);
    const { inputs, outputs } = generationTensorMetadata();
    return { inputs, outputs, config: completeLlamaCppConfig(context.config) as ModelConfig };
  }

  async createInstance(context: InstanceContext): Promise<BackendInstance> {
    const params = resolveLlamaCppParameters(context.config);
    await checkGgufHeader(context);
    if (this.workerUrl === null) this.workerUrl = resolveWorkerUrl('./llama-worker.js', import.meta.url);
    return LlamaCppInstance.start({
      name: context.instanceName,
      workerUrl: this.workerUrl,
      logger: context.logger ?? this.options.logger ?? defaultBackendLogger,
      worker: {
        modelName: context.modelName,
        modelPath: context.modelPath,
        displayPath: displayPathOf(context),
        contextLength: params.contextLength,
        contextLengthCap: DEFAULT_CONTEXT_LENGTH_CAP,
        slots: params.maxNumSeqs,
        threads: params.threads,
        prefillChunkTokens: params.prefillChunkTokens,
        gpu: context.kind === 'KIND_GPU' || params.gpuLayers !== 0,
        gpuLayers: params.gpuLayers,
        cpuFallback: params.cpuFallback,
      },
    });
  }
}
