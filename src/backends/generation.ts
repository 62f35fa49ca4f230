/**
 * The contract between the generation scheduler (main thread, core/generation) and an LLM
 * instance (a worker that decodes many sequences together): the scheduler starts and cancels
 * sequences in numbered slots, the instance reports each sequence's text, token counts and finish
 * through one listener object, the events of a decode step together. Nothing here runs a model or queues requests.
 */
import type { ServerError } from '../common/index.js';
import type { SamplingParameters } from '../config/index.js';
import type { BackendInstance } from './backend.js';

/** How a sequence ended (0 = it goes on); the values are also the worker wire format. */
export const FinishCode = {
  NONE: 0,
  /** An end-of-generation token or a stop string. */
  STOP: 1,
  /** max_tokens reached, or the sequence's context is full. */
  LENGTH: 2,
  /** Cancelled. */
  ABORT: 3,
  /** Failed (the event carries the error). */
  ERROR: 4,
} as const;

/** One of FinishCode. */
export type FinishCode = (typeof FinishCode)[keyof typeof FinishCode];

/** vLLM's finish_reason text of each FinishCode ('' while running). */
export const FINISH_REASON_TEXT: readonly string[] = Object.freeze(['', 'stop', 'length', 'abort', 'error']);

/** One chat message (OpenAI's shape: role and text content). */
export interface ChatMessage {
  /** `system`, `developer`, `user` or `assistant`. */
  readonly role: string;
  /** The message text. */
  readonly content: string;
}

/** What a sequence is asked to generate. */
export interface GenerationStart {
  /** Prompt text (unused when `messages` is set). */
  readonly prompt: string;
  /** Chat messages rendered with the model's chat template, or null for a plain prompt. */
  readonly messages: readonly ChatMessage[] | null;
  /** Sampling parameters. */
  readonly sampling: SamplingParameters;
  /** Tokens to generate at most. */
  readonly maxTokens: number;
}

/** Receives the events of a generation instance's sequences. */
export interface GenerationListener {
  /**
   * One event of the sequence in `slot` running request `serial`: `text` generated ('' while
   * held back), `tokens` generated in this step (0 or 1), `promptTokens` (>= 0 on its first event,
   * else -1), `finish` (FinishCode; a non-zero one frees the slot) and, for ERROR, the error.
   */
  onSequenceEvent(
    instance: GenerationInstance,
    slot: number,
    serial: number,
    text: string,
    tokens: number,
    promptTokens: number,
    finish: number,
    error: ServerError | null,
  ): void;
}

/** An instance that decodes up to `slotCount` sequences together. */
export interface GenerationInstance extends BackendInstance {
  /** Marks generation instances. */
  readonly generation: true;
  /** Sequence slots. */
  readonly slotCount: number;
  /** Tokens per sequence (prompt and output). */
  readonly contextLength: number;
  /** Sets the object that receives sequence events. */
  setGenerationListener(listener: GenerationListener): void;
  /** Starts `start` in free slot `slot`; its events carry `serial`. */
  startSequence(slot: number, serial: number, start: GenerationStart): void;
  /** Ends the sequence of `serial` in `slot` within one step (an ABORT event follows). */
  cancelSequence(slot: number, serial: number): void;
}

/** Whether `instance` is a generation instance. */
export function isGenerationInstance(instance: BackendInstance): instance is GenerationInstance {
  return (instance as Partial<GenerationInstance>).generation === true;
}
