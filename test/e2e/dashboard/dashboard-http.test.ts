/**
 * E2E: the dashboard's HTTP surface on a real server serving the example `simple`: the page and
 * its files from the allow-list with a Content-Security-Policy, nothing else under /dashboard,
 * the event stream's frames counting requests sent with the project's client, the bound on open
 * streams (503), the statistics restriction, --dashboard=false, and shutdown ending the streams;
 * and, with the real GGUF model present, the LLM figures of the example `stories` in its frames.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, InferInput } from '../../../src/client/index.js';
import { PrometheusObserver, parseRestrictions } from '../../../src/frontends/index.js';
import { simpleInputs } from '../../helpers/kserve-http.js';
import { exampleSubset, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { describeWithGguf } from '../llm/llm-fixtures.js';

/** An open event stream read from node:http. */
interface EventStream {
  res: IncomingMessage;
  /** Resolves with the data of the first `name` event (from now on, or already received) that `accept` takes. */
  next<T>(name: string, accept: (data: T) => boolean): Promise<T>;
  close(): void;
}

/** GET `path` without URL normalisation (so `..` reaches the server as sent). */
function get(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ res: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const req = httpRequest({ host: url.hostname, port: url.port, path, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ res, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function openEvents(baseUrl: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${baseUrl}/dashboard/events`);
    const req = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, headers }, (res) => {
      res.setEncoding('utf8');
      let buffer = '';
      const events: { name: string; data: unknown }[] = [];
      const waiters: (() => void)[] = [];
      res.on('data', (d: string) => {
        buffer += d;
        let end = buffer.indexOf('\n\n');
        while (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const name = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (name !== undefined && data !== undefined) events.push({ name, data: JSON.parse(data) });
          end = buffer.indexOf('\n\n');
        }
        for (const w of waiters.splice(0)) w();
      });
      resolve({
        res,
        next<T>(name: string, accept: (data: T) => boolean): Promise<T> {
          return new Promise((done, fail) => {
            const look = () => {
              const found = events.find((e) => e.name === name && accept(e.data as T));
              if (found !== undefined) return done(found.data as T);
              if (res.complete || res.destroyed)
                return fail(new Error(`Stream ended before a '${name}' event`));
              waiters.push(look);
            };
            look();
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

interface Frame {
  server: { connections: number; subscribers: number };
  models: { name: string; successPerS: number; inferencesPerS: number; batches: [number, number][] }[];
}

const subset = exampleSubset(['simple']);
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ modelRepositories: [subset.dir], http: { dashboard: { maxSubscribers: 2 } } });
});

afterAll(async () => {
  await t?.close();
  subset.remove();
});

describe('dashboard files', () => {
  it('serves the page, its script, style and Chart.js with a Content-Security-Policy and nosniff', async () => {
    const page = await get(t.baseUrl, '/dashboard/');
    expect(page.res.statusCode).toBe(200);
    expect(page.res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(page.res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.res.headers['x-content-type-options']).toBe('nosniff');
    expect(page.body).toContain('<script src="dashboard.js" defer></script>');
    for (const [path, type] of [
      ['/dashboard/dashboard.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/dashboard.css', 'text/css; charset=utf-8'],
      ['/dashboard/chart.umd.min.js', 'text/javascript; charset=utf-8'],
    ] as const) {
      const r = await get(t.baseUrl, path);
      expect(r.res.statusCode).toBe(200);
      expect(r.res.headers['content-type']).toBe(type);
      expect(r.body.length).toBeGreaterThan(1000);
    }
  });

  it('redirects /dashboard to /dashboard/ so the page resolves its files', async () => {
    const r = await get(t.baseUrl, '/dashboard?x=1');
    expect(r.res.statusCode).toBe(308);
    expect(r.res.headers.location).toBe('dashboard/');
  });

  it('answers 404 for every path outside its allow-list, traversals included', async () => {
    for (const path of [
      '/dashboard/index.html',
      '/dashboard/../package.json',
      '/dashboard/%2e%2e/%2e%2e/package.json',
      '/dashboard/..%2f..%2fpackage.json',
      '/dashboard/page/dashboard.js',
      '/dashboard/dashboard.js/',
      '/dashboard//dashboard.js',
      '/dashboard/dashboard-assets.ts',
    ]) {
      const r = await get(t.baseUrl, path);
      expect([path, r.res.statusCode]).toEqual([path, 404]);
      expect(JSON.parse(r.body)).toEqual({ error: 'Not Found' });
    }
  });
});

describe('dashboard events', () => {
  it("streams frames whose figures count the requests sent to 'simple' with the project's client", async () => {
    const stream = await openEvents(t.baseUrl);
    const client = new HttpClient(t.baseUrl);
    try {
      expect(stream.res.statusCode).toBe(200);
      expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const models = await stream.next<{ models: { name: string; state: string }[] }>('models', () => true);
      expect(models.models).toMatchObject([{ name: 'simple', state: 'READY', batching: { kind: 'none' } }]);
      const { a, b } = simpleInputs(2);
      const inputs = [
        InferInput.fromValues('INPUT0', 'INT32', [2, 16], a),
        InferInput.fromValues('INPUT1', 'INT32', [2, 16], b),
      ];
      for (let i = 0; i < 20; i++) await client.infer('simple', inputs);
      const frame = await stream.next<Frame>('frame', (f) => f.models.some((m) => m.successPerS > 0));
      const simple = frame.models.find((m) => m.name === 'simple')!;
      expect(simple.inferencesPerS).toBeGreaterThan(0);
      expect(simple.batches.map(([size]) => size)).toContain(2);
      expect(frame.server.connections).toBeGreaterThanOrEqual(2);
      expect(frame.server.subscribers).toBe(1);
    } finally {
      stream.close();
      await client.close();
    }
    await expect.poll(() => t.http.dashboard!.feed.subscriberCount).toBe(0);
  });

  it('answers 503 with Retry-After past the bound on open streams, and serves again once one closes', async () => {
    const a = await openEvents(t.baseUrl);
    const b = await openEvents(t.baseUrl);
    const c = await get(t.baseUrl, '/dashboard/events');
    expect(c.res.statusCode).toBe(503);
    expect(c.res.headers['retry-after']).toBe('5');
    expect(JSON.parse(c.body).error).toBe(
      'Too many open dashboards: 2 streams are open (--dashboard-max-clients 2)',
    );
    a.close();
    await expect.poll(() => t.http.dashboard!.feed.subscriberCount).toBe(1);
    const d = await openEvents(t.baseUrl);
    expect(d.res.statusCode).toBe(200);
    b.close();
    d.close();
    await expect.poll(() => t.http.dashboard!.feed.ticking).toBe(false);
  });
});

describe('dashboard switches', () => {
  it('is restricted with the statistics API: 403 without the header, served with it', async () => {
    const r = await startTestServer({
      modelRepositories: [subset.dir],
      http: { restrictions: parseRestrictions(['statistics:dash-key=s3cret'], 'http') },
    });
    try {
      for (const path of ['/dashboard/', '/dashboard/events', '/dashboard/dashboard.js']) {
        const refused = await get(r.baseUrl, path);
        expect(refused.res.statusCode).toBe(403);
        expect(JSON.parse(refused.body).error).toBe("This API is restricted, expecting header 'dash-key'");
      }
      expect((await get(r.baseUrl, '/dashboard/', { 'dash-key': 's3cret' })).res.statusCode).toBe(200);
    } finally {
      await r.close();
    }
  });

  it('answers 404 under /dashboard when it is turned off', async () => {
    const r = await startTestServer({ modelRepositories: [subset.dir], http: { dashboard: false } });
    try {
      expect(r.http.dashboard).toBeNull();
      for (const path of ['/dashboard/', '/dashboard/events']) {
        expect((await get(r.baseUrl, path)).res.statusCode).toBe(404);
      }
    } finally {
      await r.close();
    }
  });

  it('ends open streams when the server shuts down, so the drain finishes', async () => {
    const r = await startTestServer({ modelRepositories: [subset.dir] });
    const stream = await openEvents(r.baseUrl);
    const ended = new Promise((resolve) => stream.res.on('close', resolve));
    const started = Date.now();
    await r.close();
    await ended;
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

interface LlmFrame {
  models: {
    name: string;
    llm?: {
      tokensPerS: number | null;
      timeToFirstTokenMs: number | null;
      interTokenLatencyMs: number | null;
      runningSequences: number;
      waitingSequences: number;
    };
  }[];
}

describeWithGguf('dashboard LLM figures', () => {
  it("gives 'stories' an llm block with output tokens/s, time to first token and inter-token latency while it streams, and none to 'simple'", async () => {
    const repo = exampleSubset(['simple', 'stories']);
    const observer = new PrometheusObserver({
      cpuMetrics: false,
      processMetrics: false,
      metricsIntervalMs: 0,
    });
    const llm = await startTestServer({
      modelRepositories: [repo.dir],
      observer,
      http: { dashboard: { maxSubscribers: 1, latency: observer } },
    });
    const stream = await openEvents(llm.baseUrl);
    const client = new HttpClient(llm.baseUrl);
    try {
      const body = { text_input: 'Once upon a time', parameters: { max_tokens: 48 } };
      for (let i = 0; i < 4; i++) {
        for await (const _ of client.generateStream('stories', body)) {
          // Each event is one step of tokens; the frame counts them.
        }
      }
      const frame = await stream.next<LlmFrame>('frame', (f) =>
        f.models.some((m) => m.name === 'stories' && (m.llm?.tokensPerS ?? 0) > 0),
      );
      const stories = frame.models.find((m) => m.name === 'stories')!.llm!;
      expect(stories.timeToFirstTokenMs).toBeGreaterThan(0);
      expect(stories.interTokenLatencyMs).toBeGreaterThan(0);
      expect(stories.runningSequences).toBeGreaterThanOrEqual(0);
      expect(stories.waitingSequences).toBe(0);
      expect(frame.models.find((m) => m.name === 'simple')?.llm).toBeUndefined();
    } finally {
      stream.close();
      await client.close();
      await llm.close();
      observer.close();
      repo.remove();
    }
  }, 120_000);
});
