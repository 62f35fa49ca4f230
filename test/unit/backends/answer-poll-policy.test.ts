import { describe, expect, it } from 'vitest';
import { AnswerPollPolicy } from '../../../src/backends/answer-poll-policy.js';

/** A policy that has seen one answer of `executionUs`. */
function policyAfter(budgetUs: number, executionUs: number): AnswerPollPolicy {
  const policy = new AnswerPollPolicy(budgetUs);
  policy.observe(executionUs * 1000);
  return policy;
}

describe('AnswerPollPolicy', () => {
  it('AnswerPollPolicy never watches with a budget of 0 or before the first answer', () => {
    expect(policyAfter(0, 5).shouldWatch(1)).toBe(false);
    expect(new AnswerPollPolicy(100).shouldWatch(1)).toBe(false);
  });

  it('AnswerPollPolicy watches only while a single execution is in flight', () => {
    const policy = policyAfter(100, 20);
    expect(policy.shouldWatch(2)).toBe(false);
    expect(policy.shouldWatch(0)).toBe(false);
    expect(policy.shouldWatch(1)).toBe(true);
  });

  it('AnswerPollPolicy does not watch for a model whose executions average over half the budget', () => {
    expect(policyAfter(100, 51).shouldWatch(1)).toBe(false);
    expect(policyAfter(100, 50).shouldWatch(1)).toBe(true);
    // text_orientation's runs (~1.5 ms) against the 100 µs budget measured on `simple`.
    expect(policyAfter(100, 1500).shouldWatch(1)).toBe(false);
  });

  it('AnswerPollPolicy follows a moving average: one slow answer among fast ones does not stop the watch', () => {
    const policy = policyAfter(100, 20);
    policy.observe(100_000); // one 100 µs run: average 0.75 * 20 + 0.25 * 100 = 40 µs
    expect(policy.shouldWatch(1)).toBe(true);
    policy.observe(100_000); // 55 µs
    expect(policy.shouldWatch(1)).toBe(false);
  });

  it('AnswerPollPolicy skips 2, then 4, ... up to 64 watches after watches that ended without the answer, and an answered watch resets that', () => {
    const policy = policyAfter(100, 10);
    const skipsAfterMiss = (): number => {
      policy.watched(false);
      let skipped = 0;
      while (!policy.shouldWatch(1)) skipped++;
      return skipped;
    };
    expect([1, 2, 3, 4, 5, 6, 7].map(skipsAfterMiss)).toEqual([2, 4, 8, 16, 32, 64, 64]);
    policy.watched(true);
    expect(skipsAfterMiss()).toBe(2);
  });
});
