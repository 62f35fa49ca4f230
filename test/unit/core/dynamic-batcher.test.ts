import { describe, expect, it } from 'vitest';
import { harness, outputValues } from './dynamic-batcher-harness.js';

describe('DynamicBatcher batch formation', () => {
  it('DynamicBatcher sends the largest preferred batch size found in the queue', () => {
    const h = harness('preferred_batch_size: [ 2, 4 ]');
    h.send('r0'); // the instance is free and the delay is 0: runs alone
    for (let i = 1; i <= 5; i++) h.send(`r${i}`);
    expect(h.batchSizes()).toEqual([1]);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 4]);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 4, 1]);
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0', 'r1', 'r2', 'r3', 'r4', 'r5']);
  });

  it('DynamicBatcher sends a preferred batch at once without waiting for the queue delay', () => {
    const h = harness('preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 1000000');
    for (let i = 0; i < 3; i++) h.send(`r${i}`);
    expect(h.batchSizes()).toEqual([]);
    h.send('r3');
    expect(h.batchSizes()).toEqual([4]);
    expect(h.batcher.pendingCount).toBe(0);
    expect(h.batcher.executingCount).toBe(4);
  });

  it('DynamicBatcher flushes a partial batch when the queue delay expires', () => {
    const h = harness('max_queue_delay_microseconds: 100');
    h.send('r0');
    h.timers.advanceUs(40);
    h.send('r1');
    h.send('r2');
    expect(h.timers.nextDeadlineNs).toBe(h.clock.nowNs() - 40_000 + 100_000);
    h.timers.advanceUs(59);
    expect(h.batchSizes()).toEqual([]);
    h.timers.advanceUs(1);
    expect(h.batchSizes()).toEqual([3]);
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0', 'r1', 'r2']);
    // Queue time is exact per request: 100 µs, 60 µs and 60 µs.
    expect(h.stats.queue).toEqual({ count: 3, ns: 220_000 });
  });

  it('DynamicBatcher forms a batch only when an instance is free', () => {
    const h = harness('max_queue_delay_microseconds: 100');
    h.send('r0');
    h.timers.advanceUs(100);
    expect(h.batchSizes()).toEqual([1]);
    h.send('r1');
    h.send('r2');
    h.timers.advanceUs(5000);
    expect(h.batchSizes()).toEqual([1]);
    expect(h.timers.nextDeadlineNs).toBe(0);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 2]);
  });

  it('DynamicBatcher never exceeds max_batch_size and counts rows of multi-row requests', () => {
    const h = harness('preferred_batch_size: [ 8 ]');
    h.send('r0');
    h.send('r1', { rows: 3 });
    h.send('r2', { rows: 4 });
    h.send('r3', { rows: 2 });
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 7]);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 7, 2]);
  });

  it('DynamicBatcher does not merge requests whose non-batch shapes differ', () => {
    const h = harness('');
    h.send('r0');
    h.send('r1', { width: 3 });
    h.send('r2', { width: 3 });
    h.send('r3', { width: 5 });
    h.send('r4', { width: 3 });
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 2]);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 2, 1]);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 2, 1, 1]);
    expect(h.instances[0]!.batches[1]!.inputs[0]!.shape).toEqual([2, 3]);
  });

  it('DynamicBatcher slices each batched output back to its own request', () => {
    const h = harness('');
    h.send('r0', { value: 0 });
    h.send('r1', { value: 1, rows: 2 });
    h.send('r2', { value: 2 });
    h.send('r3', { value: 3, rows: 3 });
    h.instances[0]!.finish();
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 6]);
    for (const answer of h.sink.answers) {
      const value = Number(answer.request.id.slice(1));
      const rows = answer.request.batchSize;
      expect(answer.response!.outputs[0]!.shape).toEqual([rows, 2]);
      expect(outputValues(answer)).toEqual(new Array(rows * 2).fill(value));
    }
  });

  it('DynamicBatcher runs up to one batch per instance at a time', () => {
    const h = harness('', 2);
    h.send('r0');
    h.send('r1');
    h.send('r2');
    h.send('r3');
    expect(h.instances.map((i) => i.busy)).toEqual([true, true]);
    expect(h.batcher.pendingCount).toBe(2);
    expect(h.batcher.executingCount).toBe(2);
    h.instances[1]!.finish();
    expect(h.batchSizes()).toEqual([1, 1, 2]);
    expect(h.instances[1]!.batches.length).toBe(2);
  });

  it('DynamicBatcher runs each request alone for a model without a batch dim', () => {
    const h = harness('max_queue_delay_microseconds: 100', 1, 'max_batch_size: 0');
    h.send('r0');
    h.send('r1');
    expect(h.batchSizes()).toEqual([1]);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 1]);
    h.instances[0]!.finish();
    expect(h.sink.answers.map((a) => a.response!.outputs[0]!.shape)).toEqual([[2], [2]]);
  });

  it('DynamicBatcher records execution_count and batch_stats per executed batch', () => {
    const h = harness('');
    h.send('r0');
    h.send('r1');
    h.send('r2');
    h.instances[0]!.finish(1, 2, 3);
    h.instances[0]!.finish(4, 5, 6);
    const json = h.stats.toJson('m', '1');
    expect(json.execution_count).toBe(2);
    expect(json.inference_count).toBe(3);
    expect(json.batch_stats).toEqual([
      {
        batch_size: 1,
        compute_input: { count: 1, ns: 1 },
        compute_infer: { count: 1, ns: 2 },
        compute_output: { count: 1, ns: 3 },
      },
      {
        batch_size: 2,
        compute_input: { count: 1, ns: 4 },
        compute_infer: { count: 1, ns: 5 },
        compute_output: { count: 1, ns: 6 },
      },
    ]);
    expect(json.inference_stats.success.count).toBe(3);
  });

  it('DynamicBatcher releases responses in request order when preserve_ordering is set', () => {
    const h = harness('preserve_ordering: true', 2);
    h.send('r0');
    h.send('r1');
    h.instances[1]!.finish();
    expect(h.sink.ids).toEqual([]);
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0', 'r1']);
  });

  it('DynamicBatcher answers in completion order when preserve_ordering is off', () => {
    const h = harness('', 2);
    h.send('r0');
    h.send('r1');
    h.instances[1]!.finish();
    expect(h.sink.ids).toEqual(['r1']);
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r1', 'r0']);
  });

  it('DynamicBatcher uses one timer however many requests wait', () => {
    const h = harness(
      'max_queue_delay_microseconds: 500 default_queue_policy { default_timeout_microseconds: 300 allow_timeout_override: true }',
    );
    for (let i = 0; i < 50; i++) h.send(`r${i}`, { parameters: { timeout: 100 + i } });
    expect(h.timerCount()).toBe(1);
  });

  it('DynamicBatcher fails queued requests with UNAVAILABLE when closed', async () => {
    const h = harness('max_queue_delay_microseconds: 1000');
    h.send('r0');
    h.batcher.close();
    expect(h.sink.answers[0]!.error!.status).toBe('UNAVAILABLE');
    expect(h.timers.nextDeadlineNs).toBe(0);
    await h.batcher.idle();
    expect(() => h.send('r1')).toThrow(/unloading/);
  });
});
