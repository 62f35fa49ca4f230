/**
 * Worker-thread entry of one llama.cpp instance: loads node-llama-cpp's prebuilt CPU (or CUDA)
 * binary without ever building or downloading anything, loads the GGUF model, creates one context
 * with a sequence per slot and an explicit thread count (after checking the file's header, see
 * gguf-structure.ts), then runs the GenerationEngine on the
 * START / CANCEL messages of the main thread. Load failures are reported with llama.cpp's own
 * reason (it logs why before failing), naming the model file relative to the repository.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Llama, LlamaContext, LlamaModel, Token } from 'node-llama-cpp';
import type { StatusAndCode } from '../../common/index.js';
import { chatWrapperOf, renderChatPrompt } from './chat-prompt.js';
import { type EngineBindings, GenerationEngine } from './generation-engine.js';
import { findGgufCorruption, type GgufChecks } from './gguf-structure.js';
import {
  type FromWorkerMessage,
  LlamaMessageType,
  type LlamaWorkerOptions,
  type LogMessage,
  type ToWorkerMessage,
} from './llama-protocol.js';
import { getOfflineLlama } from './offline-llama.js';
import type { SlotSampler } from './sequence-slot.js';

/** The parts of node-llama-cpp's addon context the engine drives (internal API of the pinned version). */
interface AddonContext {
  initBatch(size: number): void;
  addToBatch(
    sequenceId: number,
    firstTokenIndex: number,
    tokens: Uint32Array,
    logitIndexes: Uint32Array,
  ): Uint32Array;
  decodeBatch(): Promise<void>;
  sampleToken(batchLogitIndex: number, sampler: unknown): Promise<number>;
  disposeSequence(sequenceId: number): void;
}

/** The addon functions the GGUF check uses (internal API of the pinned version). */
interface LlamaBindings {
  getBlockSizeForGgmlType(type: number): number | undefined;
  getTypeSizeForGgmlType(type: number): number | undefined;
  getIsArchSupported(architecture: string): boolean;
}

const port = parentPort!;
const options = workerData as LlamaWorkerOptions;

function send(message: FromWorkerMessage): void {
  port.postMessage(message);
}

function log(level: LogMessage['level'], message: string): void {
  send({ type: LlamaMessageType.LOG, level, message });
}

function failed(...[status, code, message]: [...StatusAndCode, message: string]): void {
  send({ type: LlamaMessageType.FAILED, status, code, message });
}

/** The last error lines llama.cpp logged (its reason for a failed load). */
const recentErrors: string[] = [];
let loaded = false;

function llamaLogger(level: string, message: string): void {
  const text = message.trim();
  if (text === '') return;
  if (level === 'error' || level === 'fatal') {
    recentErrors.push(text);
    if (recentErrors.length > 4) recentErrors.shift();
    if (loaded) log('error', `llama.cpp: ${text}`);
  } else if (level === 'warn') {
    log('verbose', `llama.cpp: ${text}`);
  }
}

/**
 * Waits (up to 200 ms) until llama.cpp's log lines of a failed load have reached this thread: the
 * addon delivers them asynchronously, often after the failure itself.
 */
async function logsDelivered(): Promise<void> {
  for (let i = 0; i < 20 && !recentErrors.some((line) => !line.includes('failed to load model')); i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function reasonOf(err: unknown): string {
  const own = err instanceof Error ? err.message : String(err);
  // llama.cpp's log says why ("tensor ... data is not within the file bounds"); the thrown error often does not.
  const logged = recentErrors.find((line) => !line.includes('failed to load model')) ?? '';
  const text = logged !== '' && own === 'Failed to load model' ? logged.replace(/^[a-z_]+: /, '') : own;
  // Never reveal the server's absolute paths.
  return text.split(options.modelPath).join(options.displayPath);
}

async function loadLlama(): Promise<{ llama: Llama; device: string } | null> {
  const common = { threads: options.threads, logLevel: 'warn' as const, logger: llamaLogger };
  if (options.gpu) {
    try {
      const llama = await getOfflineLlama({ ...common, gpu: 'cuda' });
      return { llama, device: 'cuda' };
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      if (!options.cpuFallback) {
        failed(
          'UNAVAILABLE',
          'ERR_CUDA_UNAVAILABLE',
          `Cannot load model "${options.modelName}" on a GPU: CUDA is not available (node-llama-cpp: ${why}); use instance_group kind KIND_CPU and gpu_layers "0", or set parameters { key: "nereid.cpu_fallback" value { string_value: "true" } } to run on the CPU`,
        );
        return null;
      }
      log(
        'warn',
        `CUDA is not available for model "${options.modelName}" (node-llama-cpp: ${why}); running on the CPU because nereid.cpu_fallback is set`,
      );
    }
  }
  return { llama: await getOfflineLlama({ ...common, gpu: false }), device: 'cpu' };
}

function bindingsOf(
  llama: Llama,
  model: LlamaModel,
  context: LlamaContext,
  chat: ReturnType<typeof chatWrapperOf>,
): EngineBindings {
  const ctx = (context as unknown as { _ctx: AddonContext })._ctx;
  const addon = (llama as unknown as { _bindings: { AddonSampler: new (model: unknown) => SlotSampler } })
    ._bindings;
  const nativeModel = (model as unknown as { _model: unknown })._model;
  const bos = model.tokens.bos;
  const prependBos = bos !== null && model.tokens.shouldPrependBosToken;
  return {
    tokenizePrompt(text) {
      if (text === '') return [];
      const tokens = model.tokenize(text, false) as number[];
      return prependBos ? [bos!, ...tokens] : tokens;
    },
    renderChat(messages) {
      return renderChatPrompt(model, chat.wrapper, messages);
    },
    detokenize(tokens) {
      return model.detokenize(tokens as Token[], false);
    },
    isEog(token) {
      return model.isEogToken(token as Token);
    },
    createSampler() {
      return new addon.AddonSampler(nativeModel);
    },
    initBatch(size) {
      ctx.initBatch(size);
    },
    addToBatch(sequence, position, tokens, logits) {
      return ctx.addToBatch(sequence, position, tokens, logits);
    },
    decodeBatch() {
      return ctx.decodeBatch();
    },
    sampleToken(logitIndex, sampler) {
      return ctx.sampleToken(logitIndex, sampler);
    },
    clearSequence(sequence) {
      ctx.disposeSequence(sequence);
    },
  };
}

/** The GGUF checks backed by the loaded llama.cpp binary's type sizes and architectures. */
function ggufChecks(llama: Llama): GgufChecks {
  const addon = (llama as unknown as { _bindings: LlamaBindings })._bindings;
  return {
    tensorBytes(type, elements) {
      const block = addon.getBlockSizeForGgmlType(type);
      const size = addon.getTypeSizeForGgmlType(type);
      if (block === undefined || size === undefined || block <= 0) return -1;
      return Math.ceil(elements / block) * size;
    },
    supportsArchitecture(architecture) {
      return addon.getIsArchSupported(architecture);
    },
  };
}

async function main(): Promise<void> {
  const started = await loadLlama();
  if (started === null) return;
  const { llama, device } = started;
  // node-llama-cpp's header reader trusts the file's lengths; a corrupt one must not reach it.
  const corruption = findGgufCorruption(options.modelPath, ggufChecks(llama));
  if (corruption !== null) {
    failed(
      'INVALID_ARG',
      'ERR_MODEL_LOAD',
      `Cannot load GGUF file '${options.displayPath}' of model "${options.modelName}": ${corruption}`,
    );
    await llama.dispose();
    return;
  }
  let model: LlamaModel;
  try {
    model = await llama.loadModel({
      modelPath: options.modelPath,
      gpuLayers: device === 'cpu' ? 0 : options.gpuLayers < 0 ? 'max' : options.gpuLayers,
    });
  } catch (err) {
    await logsDelivered();
    failed(
      'INTERNAL',
      'ERR_INSTANCE_LOAD',
      `Cannot load GGUF file '${options.displayPath}' of model "${options.modelName}": ${reasonOf(err)}`,
    );
    await llama.dispose();
    return;
  }
  const train = model.trainContextSize;
  const contextLength =
    options.contextLength > 0 ? options.contextLength : Math.min(train, options.contextLengthCap);
  if (contextLength > train) {
    failed(
      'INVALID_ARG',
      'ERR_INVALID_CONFIG',
      `parameters["context_length"] of model "${options.modelName}" must be at most the model's training context of ${train} tokens: received ${contextLength}`,
    );
    await model.dispose();
    await llama.dispose();
    return;
  }
  let context: LlamaContext;
  try {
    context = await model.createContext({
      sequences: options.slots,
      contextSize: contextLength,
      batchSize: options.slots + options.prefillChunkTokens,
      threads: options.threads,
      failedCreationRemedy: false,
    });
  } catch (err) {
    failed(
      'INTERNAL',
      'ERR_INSTANCE_LOAD',
      `Cannot create a context of ${options.slots} sequences x ${contextLength} tokens for model "${options.modelName}": ${reasonOf(err)}`,
    );
    await model.dispose();
    await llama.dispose();
    return;
  }
  const chat = chatWrapperOf(model);
  const engine = new GenerationEngine(
    bindingsOf(llama, model, context, chat),
    {
      modelName: options.modelName,
      slots: options.slots,
      contextLength,
      prefillChunkTokens: options.prefillChunkTokens,
    },
    send,
  );
  let shuttingDown = false;
  port.on('message', (message: ToWorkerMessage) => {
    switch (message.type) {
      case LlamaMessageType.START:
        engine.start(message.slot, message.serial, message.start);
        break;
      case LlamaMessageType.CANCEL:
        engine.cancel(message.slot, message.serial);
        break;
      case LlamaMessageType.SHUTDOWN:
        if (shuttingDown) break;
        shuttingDown = true;
        void engine
          .shutdown()
          .then(() => context.dispose())
          .then(() => model.dispose())
          .then(() => llama.dispose())
          .finally(() => port.close());
        break;
    }
  });
  loaded = true;
  send({
    type: LlamaMessageType.READY,
    info: {
      contextLength,
      trainContextLength: train,
      slots: options.slots,
      chatTemplate: chat.fromModel ? 'gguf' : 'default',
      device,
    },
  });
}

main().catch((err: unknown) => {
  failed('INTERNAL', 'ERR_INSTANCE_LOAD', `Cannot load model "${options.modelName}": ${reasonOf(err)}`);
});
