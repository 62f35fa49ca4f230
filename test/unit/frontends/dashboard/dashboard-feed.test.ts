/**
 * Unit: the dashboard's SSE fan-out on a ManualClock with ManualTimers, over a real
 * DashboardSampler of a real InferenceServer (an empty repository): nothing runs with no page
 * open, one frame a second per open page, the models event first and again only on change, and a
 * page whose stream stopped taking data is dropped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/common/clock.js';
import { silentLogger } from '../../../../src/common/logger.js';
import { ManualTimers } from '../../../../src/common/timer.js';
import { InferenceServer } from '../../../../src/core/index.js';
import {
  DashboardFeed,
  type DashboardSample,
  DashboardSampler,
  type DashboardSource,
  type ModelsEvent,
} from '../../../../src/frontends/dashboard/index.js';

let dir: string;
let server: InferenceServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nereid-dashboard-'));
  server = await InferenceServer.start({ modelRepositories: [dir], logger: silentLogger });
});

afterAll(async () => {
  await server?.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** A real sampler that counts how often it is read. */
class CountingSource implements DashboardSource {
  readonly sampler: DashboardSampler;
  starts = 0;
  samples = 0;
  tables = 0;
  /** When set, replaces the models table (to change a row). */
  table: ModelsEvent | null = null;

  constructor(clock: ManualClock) {
    this.sampler = new DashboardSampler(server, { clock });
  }
  start(): void {
    this.starts++;
    this.sampler.start();
  }
  stop(): void {
    this.sampler.stop();
  }
  models(): ModelsEvent {
    this.tables++;
    return this.table ?? this.sampler.models();
  }
  sample(subscribers: number): DashboardSample {
    this.samples++;
    const sample = this.sampler.sample(subscribers);
    return this.table === null ? sample : { ...sample, models: this.table };
  }
}

/** A stream that records what it was given; `stalled` ones never hand data on. */
class Page extends Writable {
  text = '';
  constructor(stalled = false) {
    super({
      highWaterMark: 1024,
      write: (chunk: Buffer, _encoding, callback) => {
        this.text += chunk.toString();
        if (!stalled) callback();
      },
    });
  }
  events(name: string): string[] {
    return [...this.text.matchAll(new RegExp(`event: ${name}\\ndata: (.*)\\n\\n`, 'g'))].map((m) => m[1]!);
  }
}

function setup(options: { maxUnsentBytes?: number } = {}) {
  const clock = new ManualClock(1e9);
  const timers = new ManualTimers(clock);
  const source = new CountingSource(clock);
  const feed = new DashboardFeed(source, { clock, timerFactory: timers.factory, ...options });
  return { clock, timers, source, feed };
}

describe('DashboardFeed', () => {
  it('arms no timer and reads nothing while no page is open, and stops when the last page closes', async () => {
    const { timers, source, feed } = setup();
    timers.advanceUs(60e6);
    expect(feed.ticking).toBe(false);
    expect(timers.nextDeadlineNs).toBe(0);
    expect([source.starts, source.samples, source.tables]).toEqual([0, 0, 0]);
    expect(source.sampler.running).toBe(false);

    const page = new Page();
    feed.subscribe(page);
    expect(feed.ticking).toBe(true);
    expect(source.sampler.running).toBe(true);
    timers.advanceUs(3e6);
    expect(source.samples).toBe(3);

    const closed = new Promise((resolve) => page.once('close', resolve));
    page.destroy();
    await closed;
    expect(feed.subscriberCount).toBe(0);
    expect(feed.ticking).toBe(false);
    expect(source.sampler.running).toBe(false);
    timers.advanceUs(60e6);
    expect(source.samples).toBe(3);
  });

  it('sends the reconnect delay and the models table first, then one frame a second shared by every page', () => {
    const { timers, source, feed } = setup();
    const a = new Page();
    const b = new Page();
    feed.subscribe(a);
    feed.subscribe(b);
    expect(a.text.startsWith('retry: 2000\n\nevent: models\ndata: ')).toBe(true);
    expect(JSON.parse(a.events('models')[0]!)).toEqual({
      serverId: 'nereid',
      serverVersion: server.version,
      models: [],
    });
    timers.advanceUs(2e6);
    expect(source.samples).toBe(2);
    const frames = a.events('frame').map((f) => JSON.parse(f));
    expect(frames).toHaveLength(2);
    expect(b.events('frame')).toEqual(a.events('frame'));
    expect(frames[1].server).toMatchObject({ windowMs: 1000, subscribers: 2, inflight: 0, connections: 0 });
    expect(frames[1].models).toEqual([]);
    expect(a.events('models')).toHaveLength(1);
    feed.close();
  });

  it('sends the models event again only when a row changed', () => {
    const { timers, source, feed } = setup();
    const page = new Page();
    feed.subscribe(page);
    timers.advanceUs(2e6);
    expect(page.events('models')).toHaveLength(1);
    source.table = {
      serverId: 'nereid',
      serverVersion: server.version,
      models: [
        {
          name: 'broken',
          version: '',
          state: 'UNAVAILABLE',
          reason: 'Invalid model config',
          platform: null,
          backend: null,
          instances: null,
          batching: null,
          cache: null,
        },
      ],
    };
    timers.advanceUs(3e6);
    const models = page.events('models');
    expect(models).toHaveLength(2);
    expect(JSON.parse(models[1]!).models[0]).toMatchObject({
      state: 'UNAVAILABLE',
      reason: 'Invalid model config',
    });
    feed.close();
  });

  it('drops a page whose stream stopped taking data once more than maxUnsentBytes wait, and keeps the others', () => {
    const { timers, feed } = setup({ maxUnsentBytes: 2000 });
    const stalled = new Page(true);
    const reading = new Page();
    feed.subscribe(stalled);
    feed.subscribe(reading);
    for (let i = 0; i < 20 && feed.subscriberCount === 2; i++) timers.advanceUs(1e6);
    expect(feed.subscriberCount).toBe(1);
    expect(feed.dropped).toBe(1);
    expect(stalled.destroyed).toBe(true);
    const before = reading.events('frame').length;
    timers.advanceUs(2e6);
    expect(reading.events('frame').length).toBe(before + 2);
    feed.close();
  });

  it('ends every stream on close and refuses none while below maxSubscribers', () => {
    const { feed } = setup();
    const pages = [new Page(), new Page()];
    for (const p of pages) feed.subscribe(p);
    expect(feed.hasRoom).toBe(true);
    feed.close();
    expect(feed.subscriberCount).toBe(0);
    expect(feed.ticking).toBe(false);
    for (const p of pages) expect(p.writableEnded).toBe(true);
  });
});
