/**
 * The continuous-batching decode loop of one llama.cpp instance, run inside its worker thread.
 * Each step builds one llama.cpp batch holding the next token of every decoding sequence plus up to
 * `prefillChunkTokens` prompt tokens: waiting prompts oldest first, whole while they fit and at most
 * one of them cut into a chunk (vLLM's chunked prefill), decodes it, samples
 * each sequence that has logits, turns tokens into text (held back across partial characters and
 * stop strings) and sends one STEP message with every sequence's event. A sequence that finishes,
 * fails or is cancelled frees its KV cells and slot in the step it ends in. Slots are assigned by
 * the main thread; the engine owns everything between START and the finish event.
 *
 *   step:  [dec s0][dec s3][dec s5][prefill s6: 12 tokens][prefill s7: tokens 0..243] ─decode─▶
 *          sample s0,s3,s5,s6 ─▶ STEP          (s7's next 244 tokens go into the next step)
 */

import { type ErrorCode, isErrorCode } from '../../common/errors.js';
import { FinishCode, type GenerationStart } from '../generation.js';
import { IncrementalDetokenizer } from './incremental-detokenizer.js';
import type { StepMessage } from './llama-protocol.js';
import { SequenceSlot, SlotPhase, type SlotSampler } from './sequence-slot.js';
import { StepEvents } from './step-events.js';
import { StopStringMatcher } from './stop-string-matcher.js';

/** What the engine needs from llama.cpp (node-llama-cpp's addon, or a fake in unit tests). */
export interface EngineBindings {
  /** Prompt tokens of a plain prompt (BOS included when the model wants one). */
  tokenizePrompt(text: string): number[];
  /** Prompt tokens of chat messages and the template's plain-text stop triggers. */
  renderChat(messages: GenerationStart['messages'] & object): { tokens: number[]; stops: string[] };
  /** Text of a few tokens (special tokens as no text). */
  detokenize(tokens: readonly number[]): string;
  /** Whether `token` ends a generation (EOS, EOT, ...). */
  isEog(token: number): boolean;
  /** A new sampler. */
  createSampler(): SlotSampler;
  /** Starts a batch of `tokens` tokens. */
  initBatch(tokens: number): void;
  /** Adds tokens of sequence `sequence` at positions from `position`; returns the batch indexes of the logits asked for. */
  addToBatch(sequence: number, position: number, tokens: Uint32Array, logits: Uint32Array): Uint32Array;
  /** Decodes the batch. */
  decodeBatch(): Promise<void>;
  /** Samples a token from the logits at `logitIndex`; -1 when sampling failed. */
  sampleToken(logitIndex: number, sampler: SlotSampler): Promise<number>;
  /** Removes every KV cell of sequence `sequence`. */
  clearSequence(sequence: number): void;
}

/** Fixed facts of the engine. */
export interface EngineOptions {
  /** Model name, for messages. */
  readonly modelName: string;
  /** Sequence slots. */
  readonly slots: number;
  /** Tokens per sequence. */
  readonly contextLength: number;
  /** Prompt tokens prefilled per step at most. */
  readonly prefillChunkTokens: number;
}

/** Recent tokens a repetition penalty looks at. */
const PENALTY_WINDOW_TOKENS = 64;

const NO_LOGITS = new Uint32Array(0);

/** One prompt's part of a step: `count` tokens from `from`; `done` when they end the prompt. */
interface Prefill {
  slot: SequenceSlot;
  from: number;
  count: number;
  done: boolean;
}
const FIRST_LOGIT = Uint32Array.of(0);

/** A 32-bit seed for requests that set none. */
function randomSeed(): number {
  return Math.floor(Math.random() * 0x1_0000_0000);
}

/** The decode loop of one instance. */
export class GenerationEngine {
  private readonly bindings: EngineBindings;
  private readonly options: EngineOptions;
  private readonly post: (message: StepMessage) => void;
  private readonly slots: SequenceSlot[];
  /** Slots waiting for (the rest of) their prefill, in arrival order. */
  private readonly prefillQueue: SequenceSlot[] = [];
  private readonly events = new StepEvents();
  private running = false;
  private stopped = false;
  private loopDone: Promise<void> = Promise.resolve();
  /** Steps decoded so far (diagnostics). */
  steps = 0;

  constructor(bindings: EngineBindings, options: EngineOptions, post: (message: StepMessage) => void) {
    this.bindings = bindings;
    this.options = options;
    this.post = post;
    this.slots = Array.from({ length: options.slots }, (_, i) => new SequenceSlot(i));
  }

  /** Starts `request` in `slot`; a request that cannot run is answered with an error event. */
  start(slotIndex: number, serial: number, request: GenerationStart): void {
    const slot = this.slots[slotIndex];
    if (slot === undefined || slot.phase !== SlotPhase.FREE || this.stopped) {
      const why = this.stopped ? 'the instance is stopping' : `slot ${slotIndex} is not free`;
      this.events.addError(slotIndex, serial, -1, 'ERR_BACKEND', `Cannot start the sequence: ${why}`);
      this.flushIfIdle();
      return;
    }
    try {
      this.prepare(slot, serial, request);
    } catch (err) {
      slot.reset();
      const e = err as { code?: unknown; message?: unknown };
      this.events.addError(
        slotIndex,
        serial,
        slot.prompt.length > 0 ? slot.prompt.length : -1,
        isErrorCode(e.code) ? e.code : 'ERR_BACKEND',
        String(e.message ?? err),
      );
      this.flushIfIdle();
      return;
    }
    this.prefillQueue.push(slot);
    this.kick();
  }

  /** Ends the sequence in `slot` (if it still runs request `serial`) at the end of the current step. */
  cancel(slotIndex: number, serial: number): void {
    const slot = this.slots[slotIndex];
    if (slot === undefined || slot.phase === SlotPhase.FREE || slot.serial !== serial) return;
    slot.cancelRequested = true;
    this.kick();
  }

  /** Aborts every sequence and resolves once the loop has stopped (its last events sent). */
  async shutdown(): Promise<void> {
    this.stopped = true;
    for (const slot of this.slots) if (slot.phase !== SlotPhase.FREE) slot.cancelRequested = true;
    this.kick();
    await this.loopDone;
  }

  /** Tokenizes and checks the request, and sets the slot up (throws with an ERR_ code on bad input). */
  private prepare(slot: SequenceSlot, serial: number, request: GenerationStart): void {
    const b = this.bindings;
    const { contextLength, modelName } = this.options;
    let tokens: number[];
    let templateStops: string[] = [];
    if (request.messages !== null) {
      const chat = b.renderChat(request.messages);
      tokens = chat.tokens;
      templateStops = chat.stops;
    } else {
      tokens = b.tokenizePrompt(request.prompt);
    }
    slot.serial = serial;
    slot.prompt = Uint32Array.from(tokens);
    const promptTokens = tokens.length;
    if (promptTokens === 0 || (request.messages === null && request.prompt === '')) {
      throw codedError('ERR_EMPTY_PROMPT', `The prompt of model '${modelName}' is empty`);
    }
    if (promptTokens >= contextLength) {
      throw codedError(
        'ERR_PROMPT_TOO_LONG',
        `The prompt has ${promptTokens} tokens but model '${modelName}' holds ${contextLength} tokens per sequence (prompt and output): shorten the prompt to at most ${contextLength - 1} tokens`,
      );
    }
    if (promptTokens + request.maxTokens > contextLength) {
      throw codedError(
        'ERR_MAX_TOKENS_TOO_LARGE',
        `The prompt has ${promptTokens} tokens and max_tokens is ${request.maxTokens}, but model '${modelName}' holds ${contextLength} tokens per sequence (prompt and output): ask for at most ${contextLength - promptTokens} tokens`,
      );
    }
    const s = request.sampling;
    slot.maxTokens = request.maxTokens;
    slot.ignoreEos = s.ignoreEos;
    slot.prefilled = 0;
    slot.position = 0;
    slot.generated = 0;
    slot.cancelRequested = false;
    slot.promptReported = false;
    const sampler = b.createSampler();
    slot.sampler = sampler;
    const config: Record<string, unknown> = {
      temperature: s.temperature,
      topK: s.topK,
      topP: s.topP,
      minP: s.minP,
      seed: s.seed ?? randomSeed(),
    };
    if (s.repetitionPenalty !== 1 || s.presencePenalty !== 0 || s.frequencyPenalty !== 0) {
      config.repeatPenalty = s.repetitionPenalty;
      config.repeatPenaltyMaxTokens = PENALTY_WINDOW_TOKENS;
      config.repeatPenaltyPresencePenalty = s.presencePenalty;
      config.repeatPenaltyFrequencyPenalty = s.frequencyPenalty;
      config.repeatPenaltyTokens = NO_LOGITS;
      slot.penaltyConfig = config;
    }
    sampler.applyConfig(config);
    slot.recent = [];
    slot.detokenizer = new IncrementalDetokenizer(b.detokenize, tokens);
    const stops = templateStops.length === 0 ? s.stop : [...s.stop, ...templateStops];
    slot.stops = new StopStringMatcher(stops, s.includeStopStrInOutput ? new Set(s.stop) : undefined);
    slot.phase = SlotPhase.PREFILL;
  }

  /**
   * Runs the loop unless it is running, from the next turn of the event loop: requests whose START
   * messages arrived in the same turn (a burst) then share the first step.
   */
  private kick(): void {
    if (this.running) return;
    this.running = true;
    this.loopDone = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.run());
  }

  private async run(): Promise<void> {
    try {
      for (;;) {
        this.endCancelled();
        if (!this.hasBusySlots()) break;
        const batch = await this.step();
        this.endCancelled();
        if (this.events.count > 0) this.post(this.events.take(batch.sequences, batch.tokens));
      }
      if (this.events.count > 0) this.post(this.events.take(0, 0));
    } finally {
      this.running = false;
    }
  }

  private hasBusySlots(): boolean {
    for (const slot of this.slots) if (slot.phase !== SlotPhase.FREE) return true;
    return false;
  }

  /** Sends events collected while no step runs (errors of requests that never started). */
  private flushIfIdle(): void {
    if (!this.running && this.events.count > 0) this.post(this.events.take(0, 0));
  }

  /** One decode step; returns the batch's size. */
  private async step(): Promise<{ sequences: number; tokens: number }> {
    const b = this.bindings;
    const decoding: SequenceSlot[] = [];
    for (const slot of this.slots) {
      if (slot.phase === SlotPhase.DECODE && !slot.cancelRequested) decoding.push(slot);
    }
    // Prompts to prefill this step, oldest first, within the step's budget of prompt tokens: whole
    // prompts while they fit, then at most one partial chunk (vLLM's chunked prefill).
    const prefills: Prefill[] = [];
    let budget = this.options.prefillChunkTokens;
    for (let i = 0; i < this.prefillQueue.length && budget > 0; i++) {
      const slot = this.prefillQueue[i]!;
      if (slot.phase !== SlotPhase.PREFILL || slot.cancelRequested) continue;
      const remaining = slot.prompt.length - slot.prefilled;
      const count = Math.min(remaining, budget);
      prefills.push({ slot, from: slot.prefilled, count, done: count === remaining });
      budget -= count;
    }
    const prefillTokens = this.options.prefillChunkTokens - budget;
    const total = decoding.length + prefillTokens;
    if (total === 0) return { sequences: 0, tokens: 0 };

    const sampling: SequenceSlot[] = [];
    const logitIndexes: number[] = [];
    b.initBatch(total);
    for (const slot of decoding) {
      logitIndexes.push(
        b.addToBatch(slot.index, slot.position, Uint32Array.of(slot.lastToken), FIRST_LOGIT)[0]!,
      );
      sampling.push(slot);
    }
    for (const p of prefills) {
      const logits = b.addToBatch(
        p.slot.index,
        p.from,
        p.slot.prompt.subarray(p.from, p.from + p.count),
        p.done ? Uint32Array.of(p.count - 1) : NO_LOGITS,
      );
      if (p.done) {
        logitIndexes.push(logits[0]!);
        sampling.push(p.slot);
      }
    }
    const batch = { sequences: decoding.length + prefills.length, tokens: total };
    try {
      await b.decodeBatch();
    } catch (err) {
      const failed = [...decoding, ...prefills.map((p) => p.slot)];
      for (const slot of failed) this.fail(slot, 'ERR_BACKEND', `Decoding failed: ${errorText(err)}`);
      return batch;
    }
    this.steps++;
    for (const slot of decoding) slot.position++;
    for (const p of prefills) {
      p.slot.prefilled += p.count;
      p.slot.position += p.count;
      if (p.done) {
        this.prefillQueue.splice(this.prefillQueue.indexOf(p.slot), 1);
        p.slot.phase = SlotPhase.DECODE;
      }
    }
    let tokens: number[];
    try {
      tokens = await Promise.all(sampling.map((slot, i) => b.sampleToken(logitIndexes[i]!, slot.sampler!)));
    } catch (err) {
      for (const slot of sampling) this.fail(slot, 'ERR_BACKEND', `Sampling failed: ${errorText(err)}`);
      return batch;
    }
    for (let i = 0; i < sampling.length; i++) this.accept(sampling[i]!, tokens[i]!);
    return batch;
  }

  /** Takes a sampled token: text out, then stop, length or continue. */
  private accept(slot: SequenceSlot, token: number): void {
    if (slot.cancelRequested || slot.phase === SlotPhase.FREE) return;
    const promptTokens = slot.promptReported ? -1 : slot.prompt.length;
    slot.promptReported = true;
    if (token < 0) {
      this.fail(slot, 'ERR_BACKEND', 'Sampling produced no token');
      return;
    }
    slot.generated++;
    if (!slot.ignoreEos && this.bindings.isEog(token)) {
      this.finish(slot, this.remainingText(slot).text, 1, promptTokens, FinishCode.STOP);
      return;
    }
    slot.lastToken = token;
    const scan = slot.stops!.push(slot.detokenizer!.push(token));
    if (scan.stopped) {
      this.finish(slot, scan.text, 1, promptTokens, FinishCode.STOP);
      return;
    }
    // The next step would decode `token` at `position`: a full context ends the sequence here.
    if (slot.generated >= slot.maxTokens || slot.position >= this.options.contextLength) {
      const rest = this.remainingText(slot);
      this.finish(
        slot,
        scan.text + rest.text,
        1,
        promptTokens,
        rest.stopped ? FinishCode.STOP : FinishCode.LENGTH,
      );
      return;
    }
    if (slot.penaltyConfig !== null) {
      slot.recent.push(token);
      if (slot.recent.length > PENALTY_WINDOW_TOKENS) slot.recent.shift();
      slot.penaltyConfig.repeatPenaltyTokens = Uint32Array.from(slot.recent);
      slot.sampler!.applyConfig(slot.penaltyConfig);
    }
    this.events.add(slot.index, slot.serial, scan.text, 1, promptTokens, FinishCode.NONE);
  }

  /**
   * The held-back text at the end of a sequence (a partial character, a possible stop string),
   * and whether a stop string completed in it.
   */
  private remainingText(slot: SequenceSlot): { text: string; stopped: boolean } {
    const scan = slot.stops!.push(slot.detokenizer!.flush());
    return scan.stopped ? scan : { text: scan.text + slot.stops!.flush(), stopped: false };
  }

  private finish(slot: SequenceSlot, text: string, tokens: number, promptTokens: number, code: number): void {
    this.events.add(slot.index, slot.serial, text, tokens, promptTokens, code);
    this.release(slot);
  }

  private fail(slot: SequenceSlot, code: ErrorCode, message: string): void {
    if (slot.phase === SlotPhase.FREE) return;
    this.events.addError(slot.index, slot.serial, slot.prompt.length, code, message);
    this.release(slot);
  }

  /** Ends every cancelled sequence (ABORT); called between steps only, never during a decode. */
  private endCancelled(): void {
    for (const slot of this.slots) {
      if (slot.phase === SlotPhase.FREE || !slot.cancelRequested) continue;
      this.events.add(
        slot.index,
        slot.serial,
        '',
        0,
        slot.promptReported ? -1 : slot.prompt.length,
        FinishCode.ABORT,
      );
      this.release(slot);
    }
  }

  /** Frees the slot's KV cells and state. */
  private release(slot: SequenceSlot): void {
    const wasPrefilling = slot.phase === SlotPhase.PREFILL;
    if (slot.position > 0) this.bindings.clearSequence(slot.index);
    slot.reset();
    if (wasPrefilling) {
      const at = this.prefillQueue.indexOf(slot);
      if (at >= 0) this.prefillQueue.splice(at, 1);
    }
  }
}

function codedError(code: ErrorCode, message: string): Error & { code: ErrorCode } {
  return Object.assign(new Error(message), { code });
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
