/**
 * The messages between a llama.cpp instance's main-thread side (LlamaCppInstance) and its worker
 * (llama-worker.ts). The main thread starts and cancels sequences by slot; the worker answers with
 * one STEP message per decode step that carries the events of every sequence of that step (new
 * text, token counts, finishes, errors) as parallel arrays, never one message per token. Shapes
 * only: nothing here runs a model.
 *
 *   main ──START(slot, serial, prompt, sampling)──▶ worker       worker ──READY(info)──────▶ main
 *   main ──CANCEL(slot, serial)───────────────────▶ worker       worker ──STEP(events…)────▶ main  (one per step)
 *   main ──SHUTDOWN──────────────────────────────▶ worker        worker ──LOG / FAILED─────▶ main
 */
import type { ErrorCode, Status } from '../../common/index.js';
import type { GenerationStart } from '../generation.js';

/** Message kinds; main → worker below 10, worker → main from 10. */
export const LlamaMessageType = {
  START: 1,
  CANCEL: 2,
  SHUTDOWN: 3,
  READY: 10,
  STEP: 11,
  LOG: 12,
  FAILED: 13,
} as const;

/** Options the worker is started with (structured-cloned once). */
export interface LlamaWorkerOptions {
  /** Model name, for messages. */
  readonly modelName: string;
  /** Absolute path of the GGUF file. */
  readonly modelPath: string;
  /** The model file as users name it (`1/model.gguf`), for messages (absolute paths stay out of them). */
  readonly displayPath: string;
  /** Tokens per sequence; 0 = the model's training context, capped at `contextLengthCap`. */
  readonly contextLength: number;
  /** Cap of a defaulted context length. */
  readonly contextLengthCap: number;
  /** Sequence slots. */
  readonly slots: number;
  /** llama.cpp threads. */
  readonly threads: number;
  /** Prompt tokens prefilled per step at most. */
  readonly prefillChunkTokens: number;
  /** Whether a GPU was asked for (KIND_GPU or gpu_layers > 0). */
  readonly gpu: boolean;
  /** Layers to offload when on a GPU; -1 = all. */
  readonly gpuLayers: number;
  /** Run on the CPU when no GPU is usable instead of failing. */
  readonly cpuFallback: boolean;
}

/** main → worker: start a sequence in a free slot. */
export interface StartMessage {
  readonly type: typeof LlamaMessageType.START;
  /** Slot index (0 .. slots-1); free until its finish event. */
  readonly slot: number;
  /** Request serial, echoed in its events. */
  readonly serial: number;
  /** The request. */
  readonly start: GenerationStart;
}

/** main → worker: stop a sequence (answered with an ABORT finish within one step). */
export interface CancelMessage {
  readonly type: typeof LlamaMessageType.CANCEL;
  readonly slot: number;
  readonly serial: number;
}

/** main → worker: abort every sequence, release the model and exit. */
export interface ShutdownMessage {
  readonly type: typeof LlamaMessageType.SHUTDOWN;
}

/** What a loaded worker reports. */
export interface LlamaInstanceInfo {
  /** Tokens per sequence in effect. */
  readonly contextLength: number;
  /** The model's training context length. */
  readonly trainContextLength: number;
  /** Sequence slots. */
  readonly slots: number;
  /** Which chat template renders `messages`: the GGUF's own, or Nereid's default. */
  readonly chatTemplate: 'gguf' | 'default';
  /** Compute device: `cpu` or the GPU kind in use. */
  readonly device: string;
}

/** worker → main: the model is loaded. */
export interface ReadyMessage {
  readonly type: typeof LlamaMessageType.READY;
  readonly info: LlamaInstanceInfo;
}

/**
 * worker → main: the events of one step, one entry per sequence that produced something, as
 * parallel arrays of `count` entries.
 */
export interface StepMessage {
  readonly type: typeof LlamaMessageType.STEP;
  /** Events in this message. */
  readonly count: number;
  /** Slot of each event. */
  readonly slot: Int32Array;
  /** Request serial of each event. */
  readonly serial: Float64Array;
  /** New output text of each event ('' while text is held back: a partial character or stop string). */
  readonly text: string[];
  /** Tokens generated in this step (0 or 1). */
  readonly tokens: Uint8Array;
  /** Prompt tokens, on the sequence's first token event (and on errors once known); else -1. */
  readonly promptTokens: Int32Array;
  /** FinishCode of each event. */
  readonly finish: Uint8Array;
  /** Error code of ERROR events, else ''. */
  readonly errorCode: (ErrorCode | '')[];
  /** Error message of ERROR events, else ''. */
  readonly errorMessage: string[];
  /** Sequences decoded together in this step. */
  readonly batchSequences: number;
  /** Tokens in this step's batch (decodes plus the prefill chunk). */
  readonly batchTokens: number;
}

/** worker → main: a log line. */
export interface LogMessage {
  readonly type: typeof LlamaMessageType.LOG;
  readonly level: 'error' | 'warn' | 'info' | 'verbose';
  readonly message: string;
}

/** worker → main: loading failed. */
export interface FailedMessage {
  readonly type: typeof LlamaMessageType.FAILED;
  /** Status of the ServerError to raise (`UNAVAILABLE` for a missing GPU, else `INTERNAL`). */
  readonly status: Status;
  /** Its code. */
  readonly code: ErrorCode;
  /** Its message. */
  readonly message: string;
}

/** Any message the main thread sends. */
export type ToWorkerMessage = StartMessage | CancelMessage | ShutdownMessage;

/** Any message the worker sends. */
export type FromWorkerMessage = ReadyMessage | StepMessage | LogMessage | FailedMessage;
