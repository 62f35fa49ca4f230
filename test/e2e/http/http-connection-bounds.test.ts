/**
 * E2E: the HTTP frontend's connection bounds against raw sockets and the project's client.
 * Sockets that send half a header are answered 408 and closed after --http-header-timeout-ms while
 * a normal client is served; a body that arrives too slowly is cut after --http-request-timeout-ms;
 * that timeout does not cut a slow model's answer or an SSE stream that lasts longer; connections
 * past --http-max-connections are closed at once and logged once, and the server serves again when
 * they go; an idle keep-alive connection is closed after --http-keepalive-timeout-ms; requests that
 * cannot be parsed get a JSON 400 or 431.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../../src/client/index.js';
import { Logger } from '../../../src/common/logger.js';
import {
  HALF_HEADER,
  inferHeader,
  type RawSocket,
  rawSocket,
  sleep,
  waitFor,
} from '../../helpers/raw-http-socket.js';
import {
  exampleSubset,
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '../../helpers/test-server.js';

let repository: ReturnType<typeof exampleSubset>;

beforeAll(() => {
  repository = exampleSubset(['simple', 'repeat_int32']);
});

afterAll(() => repository.remove());

const open: { server: TestServer; sockets: RawSocket[]; clients: HttpClient[] }[] = [];

afterEach(async () => {
  for (const { server, sockets, clients } of open.splice(0)) {
    for (const s of sockets) s.socket.destroy();
    for (const c of clients) await c.close();
    await server.close();
  }
});

async function serve(options: TestServerOptions): Promise<{
  t: TestServer;
  port: number;
  sockets: RawSocket[];
  client: HttpClient;
}> {
  const t = await startTestServer({ modelRepositories: [repository.dir], ...options });
  const client = new HttpClient(t.baseUrl);
  const entry = { server: t, sockets: [] as RawSocket[], clients: [client] };
  open.push(entry);
  return { t, port: Number(new URL(t.baseUrl).port), sockets: entry.sockets, client };
}

const simpleInputs = () => [
  tensor('INPUT0', 'INT32', [1, 16], new Int32Array(16).fill(1)),
  tensor('INPUT1', 'INT32', [1, 16], new Int32Array(16).fill(1)),
];

describe('--http-header-timeout-ms', () => {
  it('answers 408 and closes sockets that send half a header, while a normal client is served', async () => {
    const { port, sockets, client } = await serve({ http: { headerTimeoutMs: 600, requestTimeoutMs: 5000 } });
    for (let i = 0; i < 50; i++) sockets.push(rawSocket(port, HALF_HEADER));
    await Promise.all(sockets.map((s) => s.connected));
    const result = await client.infer('simple', simpleInputs());
    expect(Array.from(result.output<Int32Array>('OUTPUT0'))).toEqual(new Array(16).fill(2));
    const closed = await Promise.all(sockets.map((s) => s.closed));
    for (const c of closed) {
      expect(c.afterMs).toBeGreaterThanOrEqual(550);
      expect(c.afterMs).toBeLessThan(3000);
      expect(c.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
      expect(c.text).toContain(
        '{"error":"Request headers not received within 600 ms (--http-header-timeout-ms)"}',
      );
    }
  });
});

describe('--http-request-timeout-ms', () => {
  it('answers 408 and closes a connection whose body arrives too slowly, and gives its bytes back', async () => {
    const { t, port, sockets } = await serve({ http: { headerTimeoutMs: 500, requestTimeoutMs: 1000 } });
    const slow = rawSocket(port, `${inferHeader(1000)}{"inputs": [`);
    sockets.push(slow);
    await slow.connected;
    expect(await waitFor(() => t.http.heldBodyBytes > 0, 2000)).toBe(true);
    const closed = await slow.closed;
    expect(closed.afterMs).toBeGreaterThanOrEqual(950);
    expect(closed.afterMs).toBeLessThan(4000);
    expect(closed.text).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(closed.text).toContain('Request not received in full within 1000 ms (--http-request-timeout-ms)');
    expect(await waitFor(() => t.http.heldBodyBytes === 0, 2000)).toBe(true);
  });

  it('does not cut a model that takes longer than the request timeout to answer', async () => {
    const { client } = await serve({ http: { headerTimeoutMs: 300, requestTimeoutMs: 600 } });
    const started = performance.now();
    const answer = await client.generate('repeat_int32', { IN: [42], DELAY: [1500], WAIT: [0] });
    expect(answer.OUT).toBe(42);
    expect(performance.now() - started).toBeGreaterThan(1400);
  });

  it('does not cut a generate_stream answer that lasts longer than the request timeout', async () => {
    const { client } = await serve({ http: { headerTimeoutMs: 300, requestTimeoutMs: 600 } });
    const started = performance.now();
    const events: number[] = [];
    for await (const event of client.generateStream('repeat_int32', {
      IN: [1, 2, 3, 4, 5, 6],
      DELAY: [300, 300, 300, 300, 300, 300],
      WAIT: [0],
    })) {
      events.push(event.OUT as number);
    }
    expect(events).toEqual([1, 2, 3, 4, 5, 6]);
    expect(performance.now() - started).toBeGreaterThan(1700);
  });
});

describe('--http-max-connections', () => {
  it('closes connections past the limit at once, logs it once, and serves again when they go', async () => {
    const lines: string[] = [];
    const logger = new Logger({ write: (line) => lines.push(line) });
    const { port, sockets } = await serve({
      logger,
      http: { maxConnections: 10, headerTimeoutMs: 20_000 },
    });
    const held = Array.from({ length: 10 }, () => rawSocket(port, HALF_HEADER));
    sockets.push(...held);
    await Promise.all(held.map((s) => s.connected));
    await sleep(100);
    const extra = Array.from({ length: 5 }, () => rawSocket(port, HALF_HEADER));
    sockets.push(...extra);
    for (const c of await Promise.all(extra.map((s) => s.closed))) {
      expect(c.afterMs).toBeLessThan(1000);
      expect(c.text).toBe('');
    }
    const refused = new HttpClient(`http://127.0.0.1:${port}`, { timeoutMs: 2000 });
    await expect(refused.isServerLive()).rejects.toBeInstanceOf(Error);
    await refused.close();
    const logged = lines.filter((l) => l.includes('Refused'));
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain('10 connections are open (--http-max-connections)');
    for (const s of held) s.socket.destroy();
    await Promise.all(held.map((s) => s.closed));
    await sleep(50);
    const client = new HttpClient(`http://127.0.0.1:${port}`);
    try {
      expect(await client.isServerLive()).toBe(true);
    } finally {
      await client.close();
    }
  });
});

describe('--http-keepalive-timeout-ms', () => {
  it('closes a keep-alive connection that stays idle after its answer', async () => {
    const { port, sockets } = await serve({ http: { keepAliveTimeoutMs: 200 } });
    const s = rawSocket(port, 'GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    sockets.push(s);
    await s.connected;
    expect(await waitFor(() => s.received().startsWith('HTTP/1.1 200'), 2000)).toBe(true);
    const answeredAt = performance.now();
    await s.closed;
    // node:http adds one second to the advertised time before it closes the socket itself.
    expect(performance.now() - answeredAt).toBeLessThan(2500);
  });
});

describe('malformed requests', () => {
  it('answers a request line that cannot be parsed with a JSON 400 and closes', async () => {
    const { port, sockets } = await serve({});
    const s = rawSocket(port, 'HELLO THERE\r\n\r\n');
    sockets.push(s);
    const closed = await s.closed;
    expect(closed.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(closed.text).toContain('{"error":"Malformed HTTP request: ');
  });

  it('answers headers over the size limit with a JSON 431', async () => {
    const { port, sockets } = await serve({});
    const s = rawSocket(port, `GET /v2 HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    sockets.push(s);
    const closed = await s.closed;
    expect(closed.text).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(closed.text).toContain('Request headers exceed the maximum of 16384 bytes');
  });
});
