import { describe, expect, it } from 'vitest';
import { ServerError } from '../../../src/common/errors.js';
import { harness } from './dynamic-batcher-harness.js';

describe('DynamicBatcher priorities and queue policies', () => {
  it('DynamicBatcher serves a higher priority level before older requests of a lower one', () => {
    const h = harness('preferred_batch_size: [ 2 ] priority_levels: 3 default_priority_level: 3');
    h.send('busy');
    h.send('low0');
    h.send('low1', { parameters: { priority: 0 } }); // 0 = default level (3)
    h.send('mid0', { parameters: { priority: 2 } });
    h.send('high0', { parameters: { priority: 1n } });
    h.send('high1', { parameters: { priority: 1 } });
    h.send('big', { parameters: { priority: 7 } }); // above priority_levels = default level (3)
    for (let i = 0; i < 4; i++) h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['busy', 'high0', 'high1', 'mid0', 'low0', 'low1', 'big']);
    expect(h.batchSizes()).toEqual([1, 2, 2, 2]);
  });

  it('DynamicBatcher rejects a request at once when its queue timeout expires (REJECT)', () => {
    const h = harness('default_queue_policy { timeout_action: REJECT default_timeout_microseconds: 1000 }');
    h.send('busy');
    h.send('late');
    h.timers.advanceUs(999);
    expect(h.sink.answers).toEqual([]);
    h.timers.advanceUs(1);
    expect(h.sink.ids).toEqual(['late']);
    const error = h.sink.answers[0]!.error!;
    expect(error.status).toBe('UNAVAILABLE');
    expect(error.message).toMatch(/^Request timeout expired/);
    expect(h.stats.fail.count).toBe(1);
    expect(h.observer.failures).toEqual(['REJECTED']);
    expect(h.batcher.pendingCount).toBe(0);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1]);
  });

  it('DynamicBatcher lets a request timeout only shorten the default when override is allowed', () => {
    const h = harness(
      'default_queue_policy { default_timeout_microseconds: 1000 allow_timeout_override: true }',
    );
    h.send('busy');
    h.send('short', { parameters: { timeout: 200 } });
    h.send('long', { parameters: { timeout: 5000 } });
    h.timers.advanceUs(200);
    expect(h.sink.ids).toEqual(['short']);
    h.timers.advanceUs(800);
    expect(h.sink.ids).toEqual(['short', 'long']);
  });

  it('DynamicBatcher ignores a request timeout when override is not allowed', () => {
    const h = harness('default_queue_policy { default_timeout_microseconds: 1000 }');
    h.send('busy');
    h.send('r1', { parameters: { timeout: 10 } });
    h.timers.advanceUs(999);
    expect(h.sink.ids).toEqual([]);
    h.timers.advanceUs(1);
    expect(h.sink.ids).toEqual(['r1']);
  });

  it('DynamicBatcher moves an expired request behind the others under timeout_action DELAY', () => {
    const h = harness(
      'preferred_batch_size: [ 1 ] default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 1000 allow_timeout_override: true }',
    );
    h.send('busy');
    h.send('a', { parameters: { timeout: 100 } });
    h.send('b');
    h.send('c');
    h.timers.advanceUs(100);
    expect(h.sink.ids).toEqual([]);
    for (let i = 0; i < 4; i++) h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['busy', 'b', 'c', 'a']);
    expect(h.sink.answers.every((a) => a.error === null)).toBe(true);
  });

  it('DynamicBatcher applies the policy of each priority level', () => {
    const h = harness(
      `priority_levels: 2 default_priority_level: 2
       priority_queue_policy { key: 1 value: { default_timeout_microseconds: 100 } }`,
    );
    h.send('busy');
    h.send('high', { parameters: { priority: 1 } });
    h.send('low');
    h.timers.advanceUs(10_000);
    expect(h.sink.ids).toEqual(['high']);
    h.instances[0]!.finish();
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['high', 'busy', 'low']);
  });

  it('DynamicBatcher refuses a request beyond max_queue_size with a measured Retry-After', () => {
    const h = harness('default_queue_policy { max_queue_size: 2 }');
    h.send('r0');
    h.timers.advanceUs(3_000_000); // the first batch takes 3 s
    h.send('r1');
    h.send('r2');
    h.instances[0]!.finish();
    h.timers.advanceUs(3_000_000);
    h.instances[0]!.finish();
    h.send('r3');
    h.send('r4');
    h.send('r5'); // r3 runs at once; r4 and r5 fill the queue
    let error: unknown;
    try {
      h.send('r6');
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ServerError);
    const e = error as ServerError;
    expect(e.status).toBe('UNAVAILABLE');
    expect(e.code).toBe('ERR_QUEUE_FULL');
    expect(e.message).toMatch(/^Exceeds maximum queue size/);
    // 2 queued rows fit one batch of max 8; batches took 3 s on the one instance.
    expect(e.retryAfterS).toBe(3);
    expect(h.batcher.pendingCount).toBe(2);
  });

  it('DynamicBatcher gives Retry-After of at least 1 second before any batch was measured', () => {
    const h = harness('default_queue_policy { max_queue_size: 1 }');
    h.send('r0');
    h.send('r1');
    expect(() => h.send('r2')).toThrow(expect.objectContaining({ retryAfterS: 1 }));
  });

  it('DynamicBatcher removes a cancelled request from the queue and never executes it', () => {
    const h = harness('max_queue_delay_microseconds: 100');
    h.send('r0');
    h.timers.advanceUs(100);
    const gone = h.send('gone');
    h.send('r2');
    expect(h.batcher.cancel(gone)).toBe(true);
    expect(h.batcher.cancel(gone)).toBe(false);
    expect(h.batcher.pendingCount).toBe(1);
    expect(h.stats.cancelCount).toBe(1);
    expect(h.observer.failures).toEqual(['CANCELED']);
    h.instances[0]!.finish();
    h.timers.advanceUs(1000);
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0', 'r2']);
    expect(h.stats.inferenceCount).toBe(2);
  });

  it('DynamicBatcher does not cancel a request that is already executing', () => {
    const h = harness('');
    const running = h.send('r0');
    expect(h.batcher.cancel(running)).toBe(false);
    expect(h.stats.cancelCount).toBe(0);
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0']);
  });

  it('DynamicBatcher re-times the pending batch when its oldest request is cancelled', () => {
    const h = harness('max_queue_delay_microseconds: 100');
    const first = h.send('first');
    h.timers.advanceUs(50);
    h.send('second');
    h.batcher.cancel(first);
    h.timers.advanceUs(50);
    expect(h.batchSizes()).toEqual([]);
    h.timers.advanceUs(50);
    expect(h.batchSizes()).toEqual([1]);
  });
});
