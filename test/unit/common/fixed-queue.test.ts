/** Unit: the ring-buffer FIFO used by schedulers. */
import { describe, expect, it } from 'vitest';
import { FixedQueue } from '../../../src/common/fixed-queue.js';

describe('FixedQueue', () => {
  it('keeps FIFO order across growth and wrap-around', () => {
    const q = new FixedQueue<number>(2);
    const seen: number[] = [];
    for (let i = 0; i < 100; i++) {
      q.push(i);
      if (i % 3 === 0) seen.push(q.shift()!);
    }
    while (!q.isEmpty()) seen.push(q.shift()!);
    expect(seen).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('removes an item from the middle and reports absent ones', () => {
    const q = new FixedQueue<string>();
    for (const s of ['a', 'b', 'c', 'd']) q.push(s);
    expect(q.remove('b')).toBe(true);
    expect(q.remove('z')).toBe(false);
    expect(q.length).toBe(3);
    expect([q.peek(), q.at(1), q.at(2), q.at(3)]).toEqual(['a', 'c', 'd', undefined]);
    expect(q.drain()).toEqual(['a', 'c', 'd']);
    expect(q.shift()).toBeUndefined();
  });
});
