/**
 * SseWriter against a real node:http server and a raw TCP client: a client that reads slowly gets
 * every event in order (the writer waits for the socket to drain, nothing is dropped); a client
 * that stops reading is cut off once it is more than maxUnsentBytes behind, and the writer stops.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SSE_CONTENT_TYPE, SseWriter } from '../../../../src/frontends/http/sse-writer.js';

const open: { server: Server; sockets: Socket[] }[] = [];

afterEach(async () => {
  for (const { server, sockets } of open.splice(0)) {
    for (const s of sockets) s.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A server whose one response is handed to `onResponse`, and a raw client that sent the request. */
async function exchange(onResponse: (res: ServerResponse) => void): Promise<Socket> {
  const server = createServer((_req, res) => onResponse(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const socket = connect(port, '127.0.0.1');
  open.push({ server, sockets: [socket] });
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write('GET /stream HTTP/1.1\r\nHost: x\r\n\r\n');
  return socket;
}

/** Event `i` of the test streams: its index and a filler of `bytes` characters. */
function eventJson(i: number, bytes: number): string {
  return JSON.stringify({ i, fill: 'x'.repeat(bytes) });
}

/** Writes `count` events of ~`bytes` each, `perTurn` per event-loop turn; resolves when done or stopped. */
function produce(writer: SseWriter, count: number, bytes: number, perTurn: number): Promise<number> {
  return new Promise((resolve) => {
    let i = 0;
    const step = (): void => {
      for (let k = 0; k < perTurn && i < count; k++) {
        if (writer.isEnded) {
          resolve(i);
          return;
        }
        writer.event(eventJson(i++, bytes));
      }
      if (i < count) setImmediate(step);
      else resolve(i);
    };
    step();
  });
}

describe('SseWriter', () => {
  it('SseWriter gives a client that reads slowly every event, in order, holding events while the socket drains', async () => {
    const count = 400;
    const bytes = 20_000; // 8 MB in all, far more than the socket buffers take while the client sleeps
    let overflowed = false;
    let atEnd = { socketBuffered: -1, unsent: -1 };
    let finished!: () => void;
    const produced = new Promise<void>((resolve) => (finished = resolve));
    const socket = await exchange((res) => {
      const writer = new SseWriter(res, {
        maxUnsentBytes: 64 * 1024 * 1024,
        onOverflow: () => (overflowed = true),
      });
      void produce(writer, count, bytes, 8).then(() => {
        atEnd = { socketBuffered: res.writableLength, unsent: writer.unsentBytes };
        writer.end();
        finished();
      });
    });
    socket.pause(); // the client reads nothing until every event was produced
    await produced;
    // The events wait in the writer, not in the socket's buffer, once the socket is full.
    expect(atEnd.unsent).toBeGreaterThan(2 * 1024 * 1024);
    expect(atEnd.socketBuffered).toBeLessThan(1024 * 1024);
    let text = '';
    socket.setEncoding('utf8');
    const ended = new Promise<void>((resolve) => socket.on('end', resolve));
    socket.on('data', (chunk: string) => {
      text += chunk;
      socket.pause();
      setTimeout(() => socket.resume(), 1);
      if (text.endsWith('\r\n0\r\n\r\n')) socket.end();
    });
    socket.resume();
    await ended;
    expect(text.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(text.toLowerCase()).toContain(`content-type: ${SSE_CONTENT_TYPE}`);
    const indexes = [...text.matchAll(/data: \{"i":(\d+),"fill":"x+"\}\n\n/g)].map((m) => Number(m[1]));
    expect(indexes).toEqual(Array.from({ length: count }, (_, i) => i));
    expect(overflowed).toBe(false);
  }, 30_000);

  it('SseWriter cuts off a client that stopped reading once it is maxUnsentBytes behind, and writes nothing more', async () => {
    const limit = 1024 * 1024;
    let overflowBytes = -1;
    let writer: SseWriter | null = null;
    let produced = -1;
    const socketReady = exchange((res) => {
      writer = new SseWriter(res, { maxUnsentBytes: limit, onOverflow: (n) => (overflowBytes = n) });
      // Up to 200 MB: far more than the kernel's socket buffers on both ends.
      void produce(writer, 10_000, 20_000, 4).then((n) => (produced = n));
    });
    const socket = await socketReady;
    socket.pause(); // never reads
    await expect.poll(() => produced, { timeout: 20_000, interval: 20 }).toBeGreaterThanOrEqual(0);
    expect(overflowBytes).toBeGreaterThan(limit);
    expect(writer!.isEnded).toBe(true);
    // It stopped long before the 10 000 events: the limit plus what the socket buffers held.
    expect(produced).toBeLessThan(10_000);
    const unsentAfter = writer!.unsentBytes;
    writer!.event(eventJson(-1, 10));
    writer!.flush();
    expect(writer!.unsentBytes).toBe(unsentAfter);
  }, 30_000);
});
