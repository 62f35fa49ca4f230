/**
 * Pipelined dispatch: instances that accept a second execution (ONNX Runtime workers) get one
 * while the first runs, so their thread never sleeps between executions. The default scheduler
 * pipelines; the dynamic batcher pipelines only a full batch, since waiting for a free instance
 * could make a partial one bigger. Only slots whose executions are known to be short pipeline.
 */
import { describe, expect, it } from 'vitest';
import type { ExecutionBatch } from '../../../src/backends/backend.js';
import { silentLogger } from '../../../src/common/logger.js';
import { InstancePool, PIPELINE_MAX_COMPUTE_NS } from '../../../src/core/instance-pool.js';
import { HeldInstance, harness } from './dynamic-batcher-harness.js';

/** A pool of `count` held instances whose slots already measured `computeNs` per execution. */
function pool(
  maxInFlight: number,
  count = 2,
  computeNs = [50_000, 50_000],
): { pool: InstancePool; instances: HeldInstance[] } {
  const log: ExecutionBatch[] = [];
  const instances = Array.from({ length: count }, (_, i) => new HeldInstance(`m_${i}`, log, maxInFlight));
  const p = new InstancePool(instances, () => Promise.reject(new Error('no restarts')), silentLogger);
  for (const slot of p.slots) if (computeNs[slot.index]! > 0) slot.recordCompute(computeNs[slot.index]!);
  return { pool: p, instances };
}

describe('InstancePool pipelining', () => {
  it('InstancePool hands out idle slots first, then the least loaded running slot up to its capacity', () => {
    const { pool: p } = pool(2);
    const a = p.acquirePipelined()!;
    const b = p.acquirePipelined()!;
    expect([a.index, b.index]).toEqual([0, 1]);
    expect(p.freeCount).toBe(0);
    const c = p.acquirePipelined()!;
    const d = p.acquirePipelined()!;
    expect([c.inFlight, d.inFlight]).toEqual([2, 2]);
    expect(new Set([c.index, d.index])).toEqual(new Set([0, 1]));
    expect(p.acquirePipelined()).toBeNull();
    expect(p.acquire()).toBeNull();
  });

  it('InstancePool keeps a slot busy until its last pipelined batch is released', async () => {
    const { pool: p } = pool(2, 1);
    const slot = p.acquirePipelined()!;
    p.acquirePipelined();
    p.release(slot);
    expect(slot.busy).toBe(true);
    expect(p.freeCount).toBe(0);
    let drained = false;
    const drain = p.drain().then(() => {
      drained = true;
    });
    await Promise.resolve();
    expect(drained).toBe(false);
    p.release(slot);
    await drain;
    expect(slot.busy).toBe(false);
    expect(p.freeCount).toBe(1);
  });

  it('InstancePool pipelines only on slots whose executions are known to be short', () => {
    const { pool: p } = pool(2, 2, [0, 2 * PIPELINE_MAX_COMPUTE_NS]);
    expect(p.acquirePipelined()).not.toBeNull();
    expect(p.acquirePipelined()).not.toBeNull();
    expect(p.acquirePipelined()).toBeNull();
  });

  it('InstancePool never pipelines on instances that accept one execution', () => {
    const { pool: p } = pool(1);
    expect(p.acquirePipelined()).not.toBeNull();
    expect(p.acquirePipelined()).not.toBeNull();
    expect(p.acquirePipelined()).toBeNull();
  });
});

describe('DynamicBatcher pipelining', () => {
  it('DynamicBatcher pipelines a full batch behind a running one', () => {
    const h = harness('', 1, 'max_batch_size: 4', 2);
    h.send('w');
    h.instances[0]!.finish();
    h.sink.answers.length = 0;
    h.send('r0');
    for (let i = 1; i <= 4; i++) h.send(`r${i}`);
    expect(h.batchSizes()).toEqual([1, 1, 4]);
    expect(h.instances[0]!.inFlight).toBe(2);
    h.instances[0]!.finish();
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0', 'r1', 'r2', 'r3', 'r4']);
  });

  it('DynamicBatcher does not pipeline before it knows the executions are short', () => {
    const h = harness('', 1, 'max_batch_size: 0', 2);
    h.send('r0');
    h.send('r1');
    expect(h.batchSizes()).toEqual([1]);
    expect(h.batcher.pendingCount).toBe(1);
  });

  it('DynamicBatcher keeps a partial batch queued until an instance is free, so it can grow', () => {
    const h = harness('', 1, 'max_batch_size: 8', 2);
    h.send('w');
    h.instances[0]!.finish();
    h.send('r0');
    h.send('r1');
    h.send('r2');
    expect(h.batchSizes()).toEqual([1, 1]);
    expect(h.instances[0]!.inFlight).toBe(1);
    h.send('r3');
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 1, 3]);
  });

  it('DynamicBatcher pipelines single requests of a model without a batch dim', () => {
    const h = harness('', 1, 'max_batch_size: 0', 2);
    h.send('w');
    h.instances[0]!.finish();
    h.sink.answers.length = 0;
    h.send('r0');
    h.send('r1');
    h.send('r2');
    expect(h.batchSizes()).toEqual([1, 1, 1]);
    expect(h.batcher.pendingCount).toBe(1);
    h.instances[0]!.finish();
    expect(h.batchSizes()).toEqual([1, 1, 1, 1]);
    h.instances[0]!.finish();
    h.instances[0]!.finish();
    expect(h.sink.ids).toEqual(['r0', 'r1', 'r2']);
  });
});
