/**
 * Queue time is everything between a request's arrival at the model and the start of its compute
 * (Triton's definition). A request pipelined into a busy instance is handed over at once but waits
 * inside it; the instance reports when it started the execution, and that is where queue ends.
 * On a ManualClock with held instances, so every nanosecond is known.
 */
import { describe, expect, it } from 'vitest';
import { harness } from '../core/dynamic-batcher-harness.js';

describe('Queue time of pipelined executions', () => {
  it('A request pipelined behind a running execution counts its wait inside the instance as queue', () => {
    const h = harness('', 1, 'max_batch_size: 0', 2);
    h.send('warm');
    h.instances[0]!.finish(); // the slot learns its executions are short, so it pipelines
    h.sink.answers.length = 0;
    const t0 = h.clock.nowNs();
    h.send('first');
    h.send('second'); // handed over at t0 too, behind 'first'
    expect(h.instances[0]!.inFlight).toBe(2);
    h.clock.advanceUs(500);
    h.instances[0]!.finish(10_000, 400_000, 10_000, t0 + 20_000);
    h.clock.advanceUs(400);
    // 'second' started computing 450 µs after it arrived: all of that waiting is queue.
    h.instances[0]!.finish(10_000, 300_000, 10_000, t0 + 450_000);
    const [first, second] = h.sink.answers;
    expect(first!.response!.timing.queueNs).toBe(20_000);
    expect(second!.response!.timing.queueNs).toBe(450_000);
    expect(second!.response!.timing.totalNs).toBe(900_000);
    expect(h.stats.queue).toEqual({ count: 3, ns: 20_000 + 450_000 });
  });

  it('A backend that reports no start (or one outside the execution) keeps the hand-over as the end of queue', () => {
    const h = harness('', 1, 'max_batch_size: 0', 2);
    h.send('warm');
    h.instances[0]!.finish();
    h.sink.answers.length = 0;
    h.clock.advanceUs(5);
    const t0 = h.clock.nowNs();
    h.send('a');
    h.send('b');
    h.clock.advanceUs(100);
    h.instances[0]!.finish();
    h.instances[0]!.finish(10, 20, 30, t0 - 1);
    expect(h.sink.answers.map((a) => a.response!.timing.queueNs)).toEqual([0, 0]);
  });
});
