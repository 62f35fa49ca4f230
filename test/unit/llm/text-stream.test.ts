/**
 * Unit: the output-text pieces of the llama.cpp worker — incremental detokenization (leading
 * spaces from the prompt's context, partial UTF-8 characters held back) and stop-string matching
 * (a possible stop string held back, the text before it released) — over a small SentencePiece-
 * like vocabulary.
 */
import { describe, expect, it } from 'vitest';
import { IncrementalDetokenizer } from '../../../src/backends/llama-cpp/incremental-detokenizer.js';
import { StopStringMatcher } from '../../../src/backends/llama-cpp/stop-string-matcher.js';

/** Tokens 10.. are pieces; "▁" is a word-leading space dropped at the start of a text; byte tokens are raw UTF-8. */
const PIECES: Record<number, string | number> = {
  10: '▁Once',
  11: '▁upon',
  12: '▁a',
  13: '▁time',
  14: ',',
  20: 0xe2, // "€" = e2 82 ac in three byte tokens
  21: 0x82,
  22: 0xac,
};

function detokenize(tokens: readonly number[]): string {
  const bytes: number[] = [];
  for (const t of tokens) {
    const p = PIECES[t];
    if (typeof p === 'number') bytes.push(p);
    else if (p !== undefined) bytes.push(...Buffer.from(p.replaceAll('▁', ' ')));
  }
  const text = Buffer.from(bytes).toString('utf8');
  return text.startsWith(' ') ? text.slice(1) : text;
}

describe('IncrementalDetokenizer', () => {
  it('keeps the leading space of a word that continues the prompt', () => {
    const d = new IncrementalDetokenizer(detokenize, [1, 10, 11, 12]);
    expect([13, 14].map((t) => d.push(t))).toEqual([' time', ',']);
  });

  it('holds back a character split over several tokens until it is complete', () => {
    const d = new IncrementalDetokenizer(detokenize, [10]);
    expect([20, 21, 22, 13].map((t) => d.push(t))).toEqual(['', '', '€', ' time']);
  });

  it('flushes a character left incomplete at the end', () => {
    const d = new IncrementalDetokenizer(detokenize, [10]);
    d.push(20);
    expect(d.flush()).toBe('\uFFFD');
  });
});

describe('StopStringMatcher', () => {
  it('holds back text that may be the start of a stop string and releases it when it is not', () => {
    const m = new StopStringMatcher(['STOP']);
    expect(m.push('abc S')).toEqual({ text: 'abc ', stopped: false });
    expect(m.push('T')).toEqual({ text: '', stopped: false });
    expect(m.push('x')).toEqual({ text: 'STx', stopped: false });
  });

  it('ends at the first stop string across pieces, without it or with it when it is included', () => {
    const m = new StopStringMatcher(['STOP', 'END']);
    expect(m.push('one ST')).toEqual({ text: 'one ', stopped: false });
    expect(m.push('OP two END')).toEqual({ text: '', stopped: true });
    expect(new StopStringMatcher(['STOP', 'END']).push('x END y STOP')).toEqual({
      text: 'x ',
      stopped: true,
    });
    const included = new StopStringMatcher(['END'], new Set(['END']));
    expect(included.push('a EN')).toEqual({ text: 'a ', stopped: false });
    expect(included.push('D b')).toEqual({ text: 'END', stopped: true });
  });

  it('passes text through untouched without stop strings and flushes what it held', () => {
    expect(new StopStringMatcher([]).push('anything')).toEqual({ text: 'anything', stopped: false });
    const m = new StopStringMatcher(['xyz']);
    m.push('abx');
    expect(m.flush()).toBe('x');
  });
});
