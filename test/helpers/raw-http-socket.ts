/**
 * Raw TCP clients for the HTTP hardening tests: a socket that sends exactly the bytes given (half
 * a header, a header and part of a body) and records what the server answered and when it closed
 * the connection. The project's client is used for everything a well-behaved client does.
 */
import { connect, type Socket } from 'node:net';

/** A raw connection and what became of it. */
export interface RawSocket {
  /** The socket. */
  socket: Socket;
  /** Resolves once connected (rejects if the connection fails). */
  connected: Promise<void>;
  /** Resolves when the connection closes: everything the server sent and ms since the connect call. */
  closed: Promise<{ text: string; afterMs: number }>;
  /** Text received so far. */
  received(): string;
}

/** Connects to 127.0.0.1:`port` and writes `bytes` once connected. */
export function rawSocket(port: number, bytes: string | Buffer = ''): RawSocket {
  const started = performance.now();
  const socket = connect(port, '127.0.0.1');
  let text = '';
  socket.on('data', (d) => {
    text += d.toString('latin1');
  });
  socket.on('error', () => {});
  const connected = new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      if (bytes.length > 0) socket.write(bytes);
      resolve();
    });
    socket.once('close', () => reject(new Error('closed before connecting')));
  });
  connected.catch(() => {});
  const closed = new Promise<{ text: string; afterMs: number }>((resolve) => {
    socket.once('close', () => resolve({ text, afterMs: performance.now() - started }));
  });
  return { socket, connected, closed, received: () => text };
}

/** The start of an infer request whose header never ends. */
export const HALF_HEADER = 'POST /v2/models/simple/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty';

/** The whole header of a `simple` infer request declaring `contentLength` body bytes. */
export function inferHeader(contentLength: number, extra = ''): string {
  return `POST /v2/models/simple/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n${extra}\r\n`;
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `condition()` holds (checked every 10 ms) or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) return false;
    await sleep(10);
  }
  return true;
}
