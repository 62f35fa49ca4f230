/** Unit: the HTTP frontend's bounds: defaults, the open-file-limit default of connections, checks. */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  defaultMaxConnections,
  MAX_CONNECTIONS_CAP,
  openFileLimit,
  resolveHttpLimits,
} from '../../../../src/frontends/http/http-limits.js';

const MIB = 1024 * 1024;

describe('resolveHttpLimits', () => {
  it('defaults to Apache-like header, Node request and load-balancer keep-alive timeouts and 4 x the input size in flight', () => {
    const limits = resolveHttpLimits({}, 64 * MIB);
    expect(limits.headerTimeoutMs).toBe(DEFAULT_HEADER_TIMEOUT_MS);
    expect(DEFAULT_HEADER_TIMEOUT_MS).toBe(20_000);
    expect(limits.requestTimeoutMs).toBe(DEFAULT_REQUEST_TIMEOUT_MS);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(300_000);
    expect(limits.keepAliveTimeoutMs).toBe(DEFAULT_KEEPALIVE_TIMEOUT_MS);
    expect(DEFAULT_KEEPALIVE_TIMEOUT_MS).toBe(65_000);
    expect(limits.maxInflightBytes).toBe(256 * MIB);
    expect(limits.maxConnections).toBe(defaultMaxConnections());
    expect(limits.timeoutCheckIntervalMs).toBe(1000);
  });

  it('defaults connections to half the open-file limit, at most the cap', () => {
    const limit = openFileLimit();
    expect(limit).not.toBeNull();
    expect(defaultMaxConnections()).toBe(Math.min(MAX_CONNECTIONS_CAP, Math.floor(limit! / 2)));
  });

  it('takes 0 for connections and in-flight bytes as the default, and 0 timeouts as none', () => {
    const limits = resolveHttpLimits(
      { maxConnections: 0, maxInflightBytes: 0, headerTimeoutMs: 0, requestTimeoutMs: 0 },
      MIB,
    );
    expect(limits.maxConnections).toBe(defaultMaxConnections());
    expect(limits.maxInflightBytes).toBe(4 * MIB);
    expect(limits.headerTimeoutMs).toBe(0);
    expect(limits.requestTimeoutMs).toBe(0);
  });

  it('checks the timeouts a quarter of the shorter one apart, between 25 ms and 1 s', () => {
    expect(
      resolveHttpLimits({ headerTimeoutMs: 600, requestTimeoutMs: 5000 }, MIB).timeoutCheckIntervalMs,
    ).toBe(150);
    expect(
      resolveHttpLimits({ headerTimeoutMs: 0, requestTimeoutMs: 2000 }, MIB).timeoutCheckIntervalMs,
    ).toBe(500);
    expect(resolveHttpLimits({ headerTimeoutMs: 40, requestTimeoutMs: 50 }, MIB).timeoutCheckIntervalMs).toBe(
      25,
    );
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(() => resolveHttpLimits({ headerTimeoutMs: 5000, requestTimeoutMs: 1000 }, MIB)).toThrow(
      '--http-header-timeout-ms must be <= --http-request-timeout-ms: received 5000 > 1000',
    );
  });

  it('refuses negative values and an in-flight bound below one body', () => {
    expect(() => resolveHttpLimits({ keepAliveTimeoutMs: -1 }, MIB)).toThrow(
      '--http-keepalive-timeout-ms must be a non-negative integer: received -1',
    );
    expect(() => resolveHttpLimits({ maxInflightBytes: MIB - 1 }, MIB)).toThrow(
      `--http-max-inflight-bytes must be >= --http-max-input-size: received ${MIB - 1} < ${MIB}`,
    );
  });
});
