/**
 * Unit: the llama.cpp worker's continuous-batching loop (GenerationEngine) over fake llama.cpp
 * bindings in which a token is a character: a prompt "abc|xyz" makes its sequence generate "xyz"
 * and then the end-of-generation token. The fake records every batch, so the tests see the step
 * structure itself: one prefill chunk per step beside the decodes, one STEP message per step,
 * cancellation and slot reuse within one step, and the request checks that need token counts.
 */
import { describe, expect, it } from 'vitest';
import { FinishCode, type GenerationStart } from '../../../src/backends/generation.js';
import { type EngineBindings, GenerationEngine } from '../../../src/backends/llama-cpp/generation-engine.js';
import type { StepMessage } from '../../../src/backends/llama-cpp/llama-protocol.js';
import { DEFAULT_SAMPLING_PARAMETERS, type SamplingParameters } from '../../../src/config/index.js';

const BOS = 1;
const EOS = 2;

/** One decoded batch: per sequence, the tokens it added. */
type Batch = Map<number, number[]>;

class FakeLlama implements EngineBindings {
  /** Tokens in each sequence's KV cells. */
  readonly kv = new Map<number, number[]>();
  readonly batches: Batch[] = [];
  private current: Batch = new Map();
  private logitOwner: number[] = [];
  private readonly promptLength = new Map<number, number>();
  cleared: number[] = [];

  tokenizePrompt(text: string): number[] {
    return text === '' ? [] : [BOS, ...[...text].map((c) => c.charCodeAt(0))];
  }

  renderChat(messages: NonNullable<GenerationStart['messages']>): { tokens: number[]; stops: string[] } {
    return { tokens: this.tokenizePrompt(messages.map((m) => m.content).join('')), stops: ['#'] };
  }

  detokenize = (tokens: readonly number[]): string =>
    tokens
      .filter((t) => t !== BOS && t !== EOS)
      .map((t) => String.fromCharCode(t))
      .join('');

  isEog(token: number): boolean {
    return token === EOS;
  }

  createSampler() {
    return { applyConfig() {}, dispose() {} };
  }

  initBatch(): void {
    this.current = new Map();
    this.logitOwner = [];
  }

  addToBatch(sequence: number, position: number, tokens: Uint32Array, logits: Uint32Array): Uint32Array {
    const kv = this.kv.get(sequence) ?? [];
    expect(position).toBe(kv.length);
    kv.push(...tokens);
    this.kv.set(sequence, kv);
    this.current.set(sequence, [...tokens]);
    return Uint32Array.from(logits, () => this.logitOwner.push(sequence) - 1);
  }

  async decodeBatch(): Promise<void> {
    this.batches.push(this.current);
    await new Promise((resolve) => setImmediate(resolve));
  }

  async sampleToken(logitIndex: number): Promise<number> {
    const sequence = this.logitOwner[logitIndex]!;
    const kv = this.kv.get(sequence)!;
    // The first sample follows the prefill: the KV cells then hold exactly the prompt.
    let promptLength = this.promptLength.get(sequence);
    if (promptLength === undefined) {
      promptLength = kv.length;
      this.promptLength.set(sequence, promptLength);
    }
    const prompt = this.detokenize(kv.slice(0, promptLength));
    const script = prompt.slice(prompt.indexOf('|') + 1);
    const generated = kv.length - promptLength;
    return generated < script.length ? script.charCodeAt(generated) : EOS;
  }

  clearSequence(sequence: number): void {
    this.kv.set(sequence, []);
    this.promptLength.delete(sequence);
    this.cleared.push(sequence);
  }
}

function start(prompt: string, maxTokens = 20, sampling: Partial<SamplingParameters> = {}): GenerationStart {
  return { prompt, messages: null, sampling: { ...DEFAULT_SAMPLING_PARAMETERS, ...sampling }, maxTokens };
}

function setup(slots = 4, contextLength = 64, prefillChunkTokens = 8) {
  const llama = new FakeLlama();
  const messages: StepMessage[] = [];
  const engine = new GenerationEngine(
    llama,
    { modelName: 'm', slots, contextLength, prefillChunkTokens },
    (m) => messages.push(m),
  );
  return { llama, messages, engine };
}

/** Events of `serial` across messages: text joined, finish code, prompt tokens. */
function eventsOf(messages: StepMessage[], serial: number) {
  let text = '';
  let finish: number = FinishCode.NONE;
  let promptTokens = -1;
  let events = 0;
  let errorMessage = '';
  for (const m of messages) {
    for (let i = 0; i < m.count; i++) {
      if (m.serial[i] !== serial) continue;
      events++;
      text += m.text[i];
      if (m.promptTokens[i]! >= 0) promptTokens = m.promptTokens[i]!;
      if (m.finish[i] !== FinishCode.NONE) finish = m.finish[i]!;
      if (m.errorMessage[i] !== '') errorMessage = m.errorMessage[i]!;
    }
  }
  return { text, finish, promptTokens, events, errorMessage };
}

async function settle(engine: GenerationEngine): Promise<void> {
  for (let i = 0; i < 500; i++) await new Promise((resolve) => setImmediate(resolve));
  void engine;
}

describe('GenerationEngine', () => {
  it('prefills a prompt longer than the chunk budget over several steps while the other sequences decode a token each', async () => {
    const { llama, messages, engine } = setup(4, 128, 8);
    engine.start(0, 1, start('a|0123456789abcdefghij', 30));
    // Sequence 0 decodes (its own prompt prefilled) before the others arrive.
    while (messages.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const longPrompt = `${'p'.repeat(37)}|xyz`;
    engine.start(1, 2, start(longPrompt));
    engine.start(2, 3, start(`${'q'.repeat(20)}|k`));
    await settle(engine);
    expect(eventsOf(messages, 1).text).toBe('0123456789abcdefghij');
    expect(eventsOf(messages, 2)).toMatchObject({ text: 'xyz', finish: FinishCode.STOP, promptTokens: 42 });
    expect(eventsOf(messages, 3)).toMatchObject({ text: 'k', finish: FinishCode.STOP });
    // Each step holds one token per decoding sequence plus at most 8 prompt tokens.
    for (const batch of llama.batches) {
      const tokens = [...batch.values()].reduce((sum, t) => sum + t.length, 0);
      expect(tokens).toBeLessThanOrEqual(batch.size + 8);
    }
    // The long prompt, first in line, was cut into chunks of the whole budget while sequence 0 kept
    // decoding; the short one behind it got the budget left in the step its turn came.
    const prefillSteps = llama.batches.filter((b) => (b.get(1)?.length ?? 0) > 1);
    expect(prefillSteps.map((b) => b.get(1)!.length)).toEqual([8, 8, 8, 8, 8, 2]);
    for (const b of prefillSteps) expect(b.get(0)).toHaveLength(1);
    expect(prefillSteps.at(-1)!.get(2)).toHaveLength(6);
  });

  it('prefills several short prompts together in one step when they fit the budget', async () => {
    const { llama, messages, engine } = setup(4, 64, 32);
    for (let i = 0; i < 4; i++) engine.start(i, i + 1, start(`${i}|ab`));
    await settle(engine);
    expect([...llama.batches[0]!.values()].map((t) => t.length)).toEqual([5, 5, 5, 5]);
    for (let i = 1; i <= 4; i++)
      expect(eventsOf(messages, i)).toMatchObject({ text: 'ab', finish: FinishCode.STOP });
    // Their first tokens came out of that first step together.
    expect(messages[0]!.count).toBe(4);
  });

  it('sends one STEP message per decode step carrying the event of every running sequence', async () => {
    const { llama, messages, engine } = setup(4, 64, 64);
    engine.start(0, 1, start('a|abcdef'));
    engine.start(1, 2, start('b|abcdef'));
    engine.start(2, 3, start('c|abcdef'));
    await settle(engine);
    expect(messages.length).toBe(llama.batches.length);
    const busy = messages.filter((m) => m.batchSequences === 3);
    expect(busy.length).toBeGreaterThan(3);
    for (const m of busy) expect(m.count).toBe(3);
    for (const serial of [1, 2, 3]) expect(eventsOf(messages, serial).text).toBe('abcdef');
  });

  it('ends a cancelled sequence with ABORT in the step the cancel arrives in, clears its KV cells and frees its slot', async () => {
    const { llama, messages, engine } = setup(2, 256, 8);
    engine.start(0, 1, start(`a|${'z'.repeat(100)}`, 100));
    engine.start(1, 2, start(`b|${'y'.repeat(100)}`, 100));
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    const stepsBefore = llama.batches.length;
    engine.cancel(0, 1);
    for (let i = 0; i < 4; i++) await new Promise((resolve) => setImmediate(resolve));
    const aborted = eventsOf(messages, 1);
    expect(aborted.finish).toBe(FinishCode.ABORT);
    // At most the step already running when the cancel came decoded the sequence again.
    expect(llama.batches.slice(stepsBefore).filter((b) => b.has(0)).length).toBeLessThanOrEqual(1);
    expect(llama.cleared).toContain(0);
    // The slot takes the next request at once; the other sequence went on undisturbed.
    engine.start(0, 3, start('c|new'));
    await settle(engine);
    expect(eventsOf(messages, 3)).toMatchObject({ text: 'new', finish: FinishCode.STOP });
    expect(eventsOf(messages, 2).text).toBe('y'.repeat(100));
  });

  it('answers a prompt that does not fit the context with both token counts and decodes nothing for it', async () => {
    const { llama, messages, engine } = setup(2, 32, 8);
    engine.start(0, 1, start(`${'x'.repeat(40)}|a`, 4));
    engine.start(1, 2, start(`${'x'.repeat(20)}|a`, 20));
    await settle(engine);
    expect(eventsOf(messages, 1)).toMatchObject({
      finish: FinishCode.ERROR,
      errorMessage:
        "The prompt has 43 tokens but model 'm' holds 32 tokens per sequence (prompt and output): shorten the prompt to at most 31 tokens",
    });
    expect(eventsOf(messages, 2).errorMessage).toBe(
      "The prompt has 23 tokens and max_tokens is 20, but model 'm' holds 32 tokens per sequence (prompt and output): ask for at most 9 tokens",
    );
    expect(llama.batches).toHaveLength(0);
  });

  it('ends with LENGTH at max_tokens, with STOP at the end-of-generation token, and goes on past it with ignore_eos', async () => {
    const { messages, engine } = setup(4, 64, 16);
    engine.start(0, 1, start('a|abcdef', 3));
    engine.start(1, 2, start('b|ab'));
    engine.start(2, 3, start('c|ab', 4, { ignoreEos: true }));
    await settle(engine);
    expect(eventsOf(messages, 1)).toMatchObject({ text: 'abc', finish: FinishCode.LENGTH });
    expect(eventsOf(messages, 2)).toMatchObject({ text: 'ab', finish: FinishCode.STOP, events: 3 });
    expect(eventsOf(messages, 3)).toMatchObject({ finish: FinishCode.LENGTH, events: 4 });
  });

  it('holds back text that may start a stop string and ends without the stop string, or with it when asked', async () => {
    const { messages, engine } = setup(4, 64, 16);
    engine.start(0, 1, start('a|one END two', 20, { stop: ['END'] }));
    engine.start(1, 2, start('b|one EN two', 20, { stop: ['END'] }));
    engine.start(2, 3, start('c|one END two', 20, { stop: ['END'], includeStopStrInOutput: true }));
    await settle(engine);
    expect(eventsOf(messages, 1)).toMatchObject({ text: 'one ', finish: FinishCode.STOP });
    expect(eventsOf(messages, 2)).toMatchObject({ text: 'one EN two', finish: FinishCode.STOP });
    expect(eventsOf(messages, 3)).toMatchObject({ text: 'one END', finish: FinishCode.STOP });
    const texts: string[] = [];
    for (const m of messages) for (let i = 0; i < m.count; i++) if (m.serial[i] === 1) texts.push(m.text[i]!);
    expect(texts.some((t) => t.includes('E'))).toBe(false);
  });

  it('renders chat messages with the template and ends at its stop trigger', async () => {
    const { messages, engine } = setup(2, 64, 16);
    engine.start(0, 1, {
      prompt: '',
      messages: [{ role: 'user', content: 'a|hello#more' }],
      sampling: DEFAULT_SAMPLING_PARAMETERS,
      maxTokens: 20,
    });
    await settle(engine);
    expect(eventsOf(messages, 1)).toMatchObject({ text: 'hello', finish: FinishCode.STOP });
  });

  it('aborts every running sequence on shutdown and refuses new ones', async () => {
    const { messages, engine } = setup(2, 256, 8);
    engine.start(0, 1, start(`a|${'z'.repeat(100)}`, 100));
    await new Promise((resolve) => setImmediate(resolve));
    await engine.shutdown();
    expect(eventsOf(messages, 1).finish).toBe(FinishCode.ABORT);
    engine.start(1, 2, start('b|x'));
    expect(eventsOf(messages, 2)).toMatchObject({ finish: FinishCode.ERROR });
  });
});
