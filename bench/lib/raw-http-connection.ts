/**
 * A lean closed-loop HTTP/1.1 keep-alive connection for the load generator: the whole request
 * (head and body) is encoded once and written with one `write` per request, and the answer is
 * read only far enough to find its status and Content-Length. Written by hand because a full
 * client (undici) spends more CPU per request than the servers it measures on a 2-core machine,
 * and a load generator that shares the cores with the server must cost as little as possible.
 * It handles exactly what the benchmarks send and receive: Content-Length framed answers.
 */
import { connect, type Socket } from 'node:net';

/** Told when an answer (or a failure) arrives. */
export interface RawConnectionListener {
  /** One request finished: its HTTP status, or 0 with `error` when the connection failed. */
  onAnswer(connection: RawHttpConnection, status: number, error: string): void;
}

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = 'content-length:';

/** Encodes a POST request once: the bytes every send writes. */
export function encodeRawRequest(
  host: string,
  path: string,
  headers: Record<string, string>,
  body: Uint8Array,
): Buffer {
  let head = `POST ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: keep-alive\r\nContent-Length: ${body.length}\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() !== 'content-length') head += `${name}: ${value}\r\n`;
  }
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), body]);
}

/** One connection with at most one request in flight. */
export class RawHttpConnection {
  private readonly socket: Socket;
  private readonly request: Buffer;
  private readonly listener: RawConnectionListener;
  /** Bytes of the answer received so far (usually one chunk). */
  private pending: Buffer | null = null;
  /** Total bytes of the answer being read, once its head is parsed (-1 before). */
  private expected = -1;
  private status = 0;
  private closed = false;

  constructor(port: number, host: string, request: Buffer, listener: RawConnectionListener) {
    this.request = request;
    this.listener = listener;
    this.socket = connect({ port, host, noDelay: true });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err.message));
    this.socket.on('close', () => this.fail('connection closed'));
  }

  /** Sends the request once more. */
  send(): void {
    if (!this.closed) this.socket.write(this.request);
  }

  /** Closes the connection. */
  close(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const data = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
    this.pending = null;
    if (this.expected < 0) {
      const end = data.indexOf(HEADER_END);
      if (end < 0) {
        this.pending = data;
        return;
      }
      const head = data.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const at = head.toLowerCase().indexOf(CONTENT_LENGTH);
      if (at < 0) {
        this.fail('answer without Content-Length');
        return;
      }
      const length = Number.parseInt(head.slice(at + CONTENT_LENGTH.length), 10);
      this.expected = end + HEADER_END.length + length;
    }
    if (data.length < this.expected) {
      this.pending = data;
      return;
    }
    // One request in flight: nothing can follow the answer.
    this.expected = -1;
    this.listener.onAnswer(this, this.status, '');
  }

  private fail(message: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.listener.onAnswer(this, 0, message);
  }
}
