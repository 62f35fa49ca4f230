/**
 * Unit: HttpConnectionGuard and clientErrorAnswer. What a connection-level failure is answered
 * with, and the log of refused connections: one line at once, then at most one per window with
 * the count (time is faked, nothing sleeps).
 */
import { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '../../../../src/common/logger.js';
import {
  clientErrorAnswer,
  DROP_LOG_WINDOW_MS,
  HttpConnectionGuard,
} from '../../../../src/frontends/http/http-connection-guard.js';
import { resolveHttpLimits } from '../../../../src/frontends/http/http-limits.js';

const limits = resolveHttpLimits(
  { headerTimeoutMs: 1000, requestTimeoutMs: 9000, maxConnections: 3 },
  1024 * 1024,
);
const error = (code: string, reason?: string) => Object.assign(new Error(code), { code, reason });

describe('clientErrorAnswer', () => {
  it('answers a request timeout before the headers with 408 naming the header timeout', () => {
    const answer = clientErrorAnswer(error('ERR_HTTP_REQUEST_TIMEOUT'), false, limits);
    expect(answer?.status).toBe(408);
    expect(answer?.error.code).toBe('ERR_HTTP_REQUEST_TIMEOUT');
    expect(answer?.error.message).toBe(
      'Request headers not received within 1000 ms (--http-header-timeout-ms)',
    );
  });

  it('answers a request timeout after the headers with 408 naming the request timeout', () => {
    const answer = clientErrorAnswer(error('ERR_HTTP_REQUEST_TIMEOUT'), true, limits);
    expect(answer?.error.message).toBe(
      'Request not received in full within 9000 ms (--http-request-timeout-ms)',
    );
  });

  it('answers parse errors with 400 and oversized headers with 431', () => {
    const bad = clientErrorAnswer(error('HPE_INVALID_METHOD', 'Invalid method encountered'), false, limits);
    expect(bad?.status).toBe(400);
    expect(bad?.error.message).toBe('Malformed HTTP request: Invalid method encountered');
    expect(clientErrorAnswer(error('HPE_HEADER_OVERFLOW'), false, limits)?.status).toBe(431);
  });

  it('closes without an answer on resets and TLS failures', () => {
    expect(clientErrorAnswer(error('ECONNRESET'), false, limits)).toBeNull();
    expect(clientErrorAnswer(error('ERR_SSL_NO_SHARED_CIPHER'), false, limits)).toBeNull();
  });
});

describe('HttpConnectionGuard refused-connection log', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('logs the first refused connection at once, then one line per window with the count', () => {
    const lines: string[] = [];
    const server = new EventEmitter() as unknown as Server;
    const guard = new HttpConnectionGuard(server, limits, new Logger({ write: (l) => lines.push(l) }));
    server.emit('drop', { remoteAddress: '10.0.0.7', remotePort: 4242 });
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(
      'Refused an HTTP connection from 10.0.0.7:4242: 3 connections are open (--http-max-connections)',
    );
    for (let i = 0; i < 500; i++) server.emit('drop', {});
    expect(lines).toHaveLength(1);
    vi.advanceTimersByTime(DROP_LOG_WINDOW_MS);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('Refused 500 more HTTP connections in the last 10 s');
    vi.advanceTimersByTime(DROP_LOG_WINDOW_MS);
    expect(lines).toHaveLength(2);
    server.emit('drop', {});
    expect(lines).toHaveLength(3);
    guard.close();
  });
});
