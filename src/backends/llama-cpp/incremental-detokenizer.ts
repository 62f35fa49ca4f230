/**
 * Turns a sequence's tokens into text one token at a time, as vLLM's incremental detokenization
 * does: each new token is detokenized together with a few tokens before it (starting with the
 * prompt's tail), so SentencePiece's leading spaces and multi-token characters come out right, and
 * text that ends in a partial UTF-8 character (U+FFFD) is held until the next token completes it.
 * It knows nothing about the model: the caller passes the detokenize function.
 */

/** Detokenizes a short run of tokens (special tokens as no text). */
export type Detokenize = (tokens: readonly number[]) => string;

/** Prompt tokens kept as the first context of the output (vLLM's INITIAL_INCREMENTAL_DETOKENIZATION_OFFSET). */
export const PROMPT_CONTEXT_TOKENS = 5;

/** The replacement character a partial UTF-8 sequence decodes to. */
const REPLACEMENT = '\uFFFD';

/** Incremental text of one sequence. */
export class IncrementalDetokenizer {
  private readonly detokenize: Detokenize;
  /** Tokens from `prefixOffset` on (older ones are dropped). */
  private tokens: number[];
  /** Start (in `tokens`) of the text already emitted that the next token is read after. */
  private prefixOffset: number;
  /** End (in `tokens`) of what was emitted. */
  private readOffset: number;

  constructor(detokenize: Detokenize, promptTokens: readonly number[]) {
    this.detokenize = detokenize;
    this.tokens = promptTokens.slice(-PROMPT_CONTEXT_TOKENS);
    this.prefixOffset = 0;
    this.readOffset = this.tokens.length;
  }

  /** Adds a generated token; returns the text it completes ('' while held back). */
  push(token: number): string {
    this.tokens.push(token);
    const prefixText =
      this.readOffset > this.prefixOffset
        ? this.detokenize(this.tokens.slice(this.prefixOffset, this.readOffset))
        : '';
    const fullText = this.detokenize(this.tokens.slice(this.prefixOffset));
    if (fullText.length <= prefixText.length || fullText.endsWith(REPLACEMENT)) return '';
    const delta = fullText.startsWith(prefixText) ? fullText.slice(prefixText.length) : fullText;
    this.prefixOffset = this.readOffset;
    this.readOffset = this.tokens.length;
    if (this.prefixOffset > 64) {
      // Keep the window small: only tokens from prefixOffset on are ever read again.
      this.tokens = this.tokens.slice(this.prefixOffset);
      this.readOffset -= this.prefixOffset;
      this.prefixOffset = 0;
    }
    return delta;
  }

  /** Text of tokens still held back (a partial character at the end), for the final event. */
  flush(): string {
    if (this.tokens.length <= this.readOffset) return '';
    const prefixText =
      this.readOffset > this.prefixOffset
        ? this.detokenize(this.tokens.slice(this.prefixOffset, this.readOffset))
        : '';
    const fullText = this.detokenize(this.tokens.slice(this.prefixOffset));
    this.readOffset = this.tokens.length;
    return fullText.startsWith(prefixText) ? fullText.slice(prefixText.length) : '';
  }
}
