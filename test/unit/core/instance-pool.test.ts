import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BackendInstance, ExecutionBatch, ExecutionSink } from '../../../src/backends/backend.js';
import { type ServerError, unavailable } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import { InstancePool, RESTART_RETRY_FIRST_MS } from '../../../src/core/instance-pool.js';

/** An instance that dies when told to. */
class FakeInstance implements BackendInstance {
  private listener: ((error: ServerError) => void) | null = null;
  constructor(readonly name: string) {}
  execute(_batch: ExecutionBatch, _sink: ExecutionSink): void {}
  onExit(listener: (error: ServerError) => void): void {
    this.listener = listener;
  }
  async close(): Promise<void> {}
  die(): void {
    this.listener?.(unavailable('ERR_EXECUTION_TIMEOUT', 'timed out'));
  }
}

/** A pool of one instance whose replacements fail to load until attempt `succeedAt` (Infinity: always). */
function poolWithFailingRestarts(succeedAt: number) {
  const first = new FakeInstance('m_0');
  const counter = { attempts: 0 };
  const pool = new InstancePool(
    [first],
    async () => {
      counter.attempts++;
      if (counter.attempts < succeedAt) throw new Error('initialize() timed out');
      return new FakeInstance('m_0');
    },
    silentLogger,
  );
  return { first, counter, pool };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('InstancePool', () => {
  it('InstancePool is not healthy while a dead instance is being replaced, and healthy again once it loaded', async () => {
    const first = new FakeInstance('m_0');
    let finishLoad: (instance: BackendInstance) => void = () => {};
    const pool = new InstancePool(
      [first],
      () => new Promise((resolve) => (finishLoad = resolve)),
      silentLogger,
    );
    expect(pool.healthy).toBe(true);
    first.die();
    expect(pool.healthy).toBe(false);
    expect(pool.acquire()).toBeNull();
    finishLoad(new FakeInstance('m_0'));
    await vi.waitFor(() => expect(pool.healthy).toBe(true));
    expect(pool.acquire()).not.toBeNull();
  });

  it('InstancePool retries a failed restart with backoff until the replacement loads', async () => {
    vi.useFakeTimers();
    const { first, counter, pool } = poolWithFailingRestarts(3);
    first.die();
    await vi.advanceTimersByTimeAsync(0);
    expect(counter.attempts).toBe(1);
    expect(pool.healthy).toBe(false);
    await vi.advanceTimersByTimeAsync(RESTART_RETRY_FIRST_MS);
    expect(counter.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(RESTART_RETRY_FIRST_MS);
    expect(counter.attempts).toBe(2);
    await vi.advanceTimersByTimeAsync(RESTART_RETRY_FIRST_MS);
    expect(counter.attempts).toBe(3);
    expect(pool.healthy).toBe(true);
  });

  it('a closed InstancePool stops retrying restarts', async () => {
    vi.useFakeTimers();
    const { first, counter, pool } = poolWithFailingRestarts(Number.POSITIVE_INFINITY);
    first.die();
    await vi.advanceTimersByTimeAsync(0);
    await pool.close();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(counter.attempts).toBe(1);
  });
});
