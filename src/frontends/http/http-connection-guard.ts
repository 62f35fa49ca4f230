/**
 * What the HTTP frontend says when it cuts a connection rather than a request: a request that did
 * not arrive in time (408) or could not be parsed (400, 431) is answered as `{"error": "..."}` with
 * the flag that decided it before the connection closes, and connections refused past
 * --http-max-connections are logged, at most once per window with a count. TLS handshake failures
 * and resets are closed without a word (there is no HTTP to answer in). Nothing here runs per request.
 */
import { maxHeaderSize, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../common/index.js';
import { invalidArg, type ServerError } from '../../common/index.js';
import type { HttpLimits } from './http-limits.js';

/** Milliseconds between two log lines about refused connections. */
export const DROP_LOG_WINDOW_MS = 10_000;

/** Reason phrases of the statuses written here. */
const REASON: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** The response being written on a server socket, if any (node:http's own field). */
function responseOf(socket: Duplex): { headersSent: boolean } | null {
  return (socket as Socket & { _httpMessage?: { headersSent: boolean } | null })._httpMessage ?? null;
}

/** The HTTP status and error of a connection-level failure, or null to close without an answer. */
export function clientErrorAnswer(
  err: NodeJS.ErrnoException,
  headersReceived: boolean,
  limits: HttpLimits,
): { status: number; error: ServerError } | null {
  const code = err.code ?? '';
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    const message =
      !headersReceived && limits.headerTimeoutMs > 0
        ? `Request headers not received within ${limits.headerTimeoutMs} ms (--http-header-timeout-ms)`
        : `Request not received in full within ${limits.requestTimeoutMs} ms (--http-request-timeout-ms)`;
    return { status: 408, error: invalidArg('ERR_HTTP_REQUEST_TIMEOUT', message) };
  }
  if (code === 'HPE_HEADER_OVERFLOW') {
    return {
      status: 431,
      error: invalidArg(
        'ERR_HTTP_HEADERS_TOO_LARGE',
        `Request headers exceed the maximum of ${maxHeaderSize} bytes`,
      ),
    };
  }
  if (code.startsWith('HPE_')) {
    const reason = (err as { reason?: string }).reason ?? err.message;
    return { status: 400, error: invalidArg('ERR_HTTP_MALFORMED', `Malformed HTTP request: ${reason}`) };
  }
  return null;
}

/** Watches one HTTP(S) server's connections: answers clientError, logs refused connections. */
export class HttpConnectionGuard {
  private readonly limits: HttpLimits;
  private readonly logger: Logger;
  /** Connections refused since the last log line. */
  private dropped: number;
  /** The open log window's timer, or null when no connection was refused lately. */
  private window: NodeJS.Timeout | null;

  constructor(server: Server, limits: HttpLimits, logger: Logger) {
    this.limits = limits;
    this.logger = logger;
    this.dropped = 0;
    this.window = null;
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => this.onClientError(err, socket));
    server.on('drop', (peer?: Partial<AddressInfo> & { remoteAddress?: string; remotePort?: number }) =>
      this.onDrop(peer),
    );
  }

  /** Stops the log window (the server is closing). */
  close(): void {
    if (this.window !== null) clearTimeout(this.window);
    this.window = null;
    this.flush();
  }

  private onClientError(err: NodeJS.ErrnoException, socket: Duplex): void {
    const response = responseOf(socket);
    const answer =
      socket.writable && response?.headersSent !== true
        ? clientErrorAnswer(err, response !== null, this.limits)
        : null;
    if (answer === null) {
      socket.destroy();
      return;
    }
    const body = JSON.stringify({ error: answer.error.message });
    socket.write(
      `HTTP/1.1 ${answer.status} ${REASON[answer.status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    (socket as Socket).destroySoon();
  }

  private onDrop(peer: { remoteAddress?: string; remotePort?: number } | undefined): void {
    this.dropped++;
    if (this.window !== null) return;
    const from = peer?.remoteAddress === undefined ? '' : ` from ${peer.remoteAddress}:${peer.remotePort}`;
    this.logger.logWarning(
      `Refused an HTTP connection${from}: ${this.limits.maxConnections} connections are open (--http-max-connections)`,
    );
    this.dropped = 0;
    this.openWindow();
  }

  private openWindow(): void {
    this.window = setTimeout(() => {
      this.window = null;
      if (this.flush()) this.openWindow();
    }, DROP_LOG_WINDOW_MS);
    this.window.unref();
  }

  /** Logs the connections refused since the last line; returns whether there were any. */
  private flush(): boolean {
    if (this.dropped === 0) return false;
    this.logger.logWarning(
      `Refused ${this.dropped} more HTTP connections in the last ${DROP_LOG_WINDOW_MS / 1000} s: ${this.limits.maxConnections} connections were open (--http-max-connections)`,
    );
    this.dropped = 0;
    return true;
  }
}
