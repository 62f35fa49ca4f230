/** Unit: the server-wide instance bound and the load permits that bound concurrent loads. */
import { describe, expect, it } from 'vitest';
import { AsyncPermits } from '../../../src/common/index.js';
import { InstanceBudget } from '../../../src/core/instance-budget.js';
import { serverErrorOf } from '../../helpers/server-error-of.js';

describe('InstanceBudget', () => {
  it('refuses a version larger than the per-model bound as a config error, and the rest of the room as overload', () => {
    const budget = new InstanceBudget({ maxPerModel: 4, maxTotal: 6 });
    const tooMany = serverErrorOf(() => budget.reserve('m', 5));
    expect(tooMany.status).toBe('INVALID_ARG');
    expect(tooMany.code).toBe('ERR_INSTANCE_LIMIT');
    expect(tooMany.message).toBe(
      "instance_group asks for 5 instances of 'm': at most 4 per model (--max-instances-per-model)",
    );
    budget.reserve('a', 4);
    const full = serverErrorOf(() => budget.reserve('b', 3));
    expect(full.status).toBe('UNAVAILABLE');
    expect(full.code).toBe('ERR_SERVER_INSTANCE_LIMIT');
    expect(full.message).toBe(
      "instance_group asks for 3 instances of 'b' but only 2 of 6 remain on this server (--max-total-instances)",
    );
    budget.release(4);
    budget.reserve('b', 3);
    expect(budget.reserved).toBe(3);
  });
});

describe('AsyncPermits', () => {
  it('runs at most `limit` at once and starts waiters in arrival order', async () => {
    const permits = new AsyncPermits(2);
    const started: number[] = [];
    const releases: (() => void)[] = [];
    const runs = [0, 1, 2, 3].map((i) =>
      permits.run(async () => {
        started.push(i);
        await new Promise<void>((resolve) => releases.push(resolve));
        return i;
      }),
    );
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1]);
    expect(permits.active).toBe(2);
    releases[1]!();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([0, 1, 2]);
    releases[0]!();
    await new Promise((r) => setImmediate(r));
    releases[2]!();
    await new Promise((r) => setImmediate(r));
    releases[3]!();
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3]);
    expect(permits.active).toBe(0);
  });

  it('gives the permit back when the work fails', async () => {
    const permits = new AsyncPermits(1);
    await expect(permits.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await permits.run(async () => 'ok')).toBe('ok');
  });
});

describe('default instance bounds', () => {
  it('are 4 per core (at least 16) per model and 16 per core (at least 64) in all', async () => {
    const { defaultMaxInstancesPerModel, defaultMaxTotalInstances } = await import(
      '../../../src/core/instance-budget.js'
    );
    expect(defaultMaxInstancesPerModel(2)).toBe(16);
    expect(defaultMaxInstancesPerModel(32)).toBe(128);
    expect(defaultMaxTotalInstances(2)).toBe(64);
    expect(defaultMaxTotalInstances(32)).toBe(512);
  });
});
