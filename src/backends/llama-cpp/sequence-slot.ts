/**
 * One sequence slot of the llama.cpp worker: the request it runs (prompt tokens, sampling state,
 * limits), where it stands (prefilling its prompt, decoding, done) and its output text state. The
 * engine (generation-engine.ts) moves slots through their phases; a slot owns its llama.cpp
 * sequence id (its index) and so its KV cells. It never decodes anything itself.
 */
import type { IncrementalDetokenizer } from './incremental-detokenizer.js';
import type { StopStringMatcher } from './stop-string-matcher.js';

/** Slot phases; the order matters (>= PREFILL is busy). */
export const SlotPhase = {
  FREE: 0,
  PREFILL: 1,
  DECODE: 2,
} as const;

/** The sampler of a slot, as the addon exposes it. */
export interface SlotSampler {
  /** Sets temperature, top-k/p, seed, penalties... */
  applyConfig(config: Record<string, unknown>): void;
  /** Frees the sampler. */
  dispose(): void;
}

/** One sequence slot. */
export class SequenceSlot {
  /** Index: also the llama.cpp sequence id. */
  readonly index: number;
  /** SlotPhase. */
  phase: number;
  /** Serial of the request in the slot. */
  serial: number;
  /** Prompt tokens. */
  prompt: Uint32Array;
  /** Prompt tokens already in the KV cache (prefill progress). */
  prefilled: number;
  /** Tokens in the slot's KV cells (the next token's position). */
  position: number;
  /** The last sampled token, decoded in the next step. */
  lastToken: number;
  /** Tokens generated so far. */
  generated: number;
  /** Tokens to generate at most. */
  maxTokens: number;
  /** Keep going after end-of-generation tokens. */
  ignoreEos: boolean;
  /** The request's sampler, or null when free. */
  sampler: SlotSampler | null;
  /** Sampler config re-applied every step when penalties need the recent tokens; else null. */
  penaltyConfig: Record<string, unknown> | null;
  /** Recent generated tokens (penalties only). */
  recent: number[];
  /** Output text state; null when free. */
  detokenizer: IncrementalDetokenizer | null;
  /** Stop strings; null when free. */
  stops: StopStringMatcher | null;
  /** A cancel arrived: the slot ends (ABORT) at the end of the current step. */
  cancelRequested: boolean;
  /** Prompt tokens not yet reported to the main thread (reported with the first token). */
  promptReported: boolean;

  constructor(index: number) {
    this.index = index;
    this.phase = SlotPhase.FREE;
    this.serial = 0;
    this.prompt = new Uint32Array(0);
    this.prefilled = 0;
    this.position = 0;
    this.lastToken = 0;
    this.generated = 0;
    this.maxTokens = 0;
    this.ignoreEos = false;
    this.sampler = null;
    this.penaltyConfig = null;
    this.recent = [];
    this.detokenizer = null;
    this.stops = null;
    this.cancelRequested = false;
    this.promptReported = false;
  }

  /** Drops the request's state (the caller clears the KV cells). */
  reset(): void {
    this.phase = SlotPhase.FREE;
    this.sampler?.dispose();
    this.sampler = null;
    this.penaltyConfig = null;
    this.recent = [];
    this.detokenizer = null;
    this.stops = null;
    this.prompt = new Uint32Array(0);
    this.prefilled = 0;
    this.position = 0;
    this.generated = 0;
    this.cancelRequested = false;
    this.promptReported = false;
  }
}
