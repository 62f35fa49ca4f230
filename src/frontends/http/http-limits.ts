/**
 * The connection and memory bounds of the HTTP frontend: their defaults (with the server each one
 * follows), validation, and the values node:http is given. It decides numbers only; the frontend
 * applies them and the guards answer what they cut.
 */
import { readFileSync } from 'node:fs';
import { invalidArg } from '../../common/index.js';

/**
 * Default time to receive a request's headers, from its first byte (or from the connection for a
 * new one): 20 s, Apache mod_reqtimeout's `header=20`. Node's and nginx's 60 s would let a client
 * that never finishes its headers hold one of the --http-max-connections slots three times longer.
 */
export const DEFAULT_HEADER_TIMEOUT_MS = 20_000;

/**
 * Default time to receive a whole request, headers and body: 300 s, Node's `requestTimeout`
 * (a 64 MiB body then needs 1.8 Mbit/s). It ends when the body is in: a slow model or a long
 * generate_stream answer is not cut by it.
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 300_000;

/**
 * Default idle time of a keep-alive connection: 65 s, above the 60 s idle timeout of common load
 * balancers (AWS ALB, GCP) so that the balancer, not the server, closes an idle connection.
 * Node's default is 5 s, nginx's 75 s.
 */
export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 65_000;

/** Most connections the default --http-max-connections allows, on a generous open-file limit. */
export const MAX_CONNECTIONS_CAP = 4096;

/** Open-file limit assumed where /proc/self/limits cannot be read (the usual soft limit). */
const FALLBACK_OPEN_FILE_LIMIT = 1024;

/** The resolved bounds of one HTTP frontend (0 = none, for the timeouts). */
export interface HttpLimits {
  /** Most time to receive the headers, ms. */
  readonly headerTimeoutMs: number;
  /** Most time to receive the whole request, ms. */
  readonly requestTimeoutMs: number;
  /** Idle time before a keep-alive connection is closed, ms. */
  readonly keepAliveTimeoutMs: number;
  /** Most open connections; more are closed at once. */
  readonly maxConnections: number;
  /** Most bytes of request bodies held at once. */
  readonly maxInflightBytes: number;
  /** How often node:http checks the two request timeouts, ms. */
  readonly timeoutCheckIntervalMs: number;
}

/** Caller's choice of the bounds (undefined = default). */
export interface HttpLimitsOptions {
  /** [--http-header-timeout-ms]; default DEFAULT_HEADER_TIMEOUT_MS; 0 = none. */
  headerTimeoutMs?: number;
  /** [--http-request-timeout-ms]; default DEFAULT_REQUEST_TIMEOUT_MS; 0 = none. */
  requestTimeoutMs?: number;
  /** [--http-keepalive-timeout-ms]; default DEFAULT_KEEPALIVE_TIMEOUT_MS. */
  keepAliveTimeoutMs?: number;
  /** [--http-max-connections]; default (and 0) defaultMaxConnections(). */
  maxConnections?: number;
  /** [--http-max-inflight-bytes]; default (and 0) 4 × `maxInputSizeBytes`. */
  maxInflightBytes?: number;
}

/** The soft open-file limit of this process, or null where it cannot be read (not Linux). */
export function openFileLimit(): number | null {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    if (line === null) return null;
    return line[1] === 'unlimited' ? Number.MAX_SAFE_INTEGER : Number(line[1]);
  } catch {
    return null;
  }
}

/**
 * The default of --http-max-connections: half the process's open-file limit (the other half stays
 * for gRPC, the metrics port, model files and workers), at most MAX_CONNECTIONS_CAP. Node raises
 * its soft limit to the hard one at startup, so this is usually the hard limit's half.
 */
export function defaultMaxConnections(): number {
  const limit = openFileLimit() ?? FALLBACK_OPEN_FILE_LIMIT;
  return Math.max(1, Math.min(MAX_CONNECTIONS_CAP, Math.floor(limit / 2)));
}

/** `value` when it is a non-negative integer; throws INVALID_ARG (ERR_BAD_HTTP_LIMIT) naming `flag`. */
export function nonNegative(flag: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw invalidArg('ERR_BAD_HTTP_LIMIT', `${flag} must be a non-negative integer: received ${value}`);
  }
  return value;
}

/** Validates and defaults the bounds; `maxInputSizeBytes` is --http-max-input-size. */
export function resolveHttpLimits(options: HttpLimitsOptions, maxInputSizeBytes: number): HttpLimits {
  const headerTimeoutMs = nonNegative(
    '--http-header-timeout-ms',
    options.headerTimeoutMs ?? DEFAULT_HEADER_TIMEOUT_MS,
  );
  const requestTimeoutMs = nonNegative(
    '--http-request-timeout-ms',
    options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  );
  if (headerTimeoutMs > 0 && requestTimeoutMs > 0 && headerTimeoutMs > requestTimeoutMs) {
    throw invalidArg(
      'ERR_BAD_HTTP_LIMIT',
      `--http-header-timeout-ms must be <= --http-request-timeout-ms: received ${headerTimeoutMs} > ${requestTimeoutMs}`,
    );
  }
  const keepAliveTimeoutMs = nonNegative(
    '--http-keepalive-timeout-ms',
    options.keepAliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
  );
  const maxConnections =
    nonNegative('--http-max-connections', options.maxConnections ?? 0) || defaultMaxConnections();
  const maxInflightBytes =
    nonNegative('--http-max-inflight-bytes', options.maxInflightBytes ?? 0) || 4 * maxInputSizeBytes;
  if (maxInflightBytes < maxInputSizeBytes) {
    throw invalidArg(
      'ERR_BAD_HTTP_LIMIT',
      `--http-max-inflight-bytes must be >= --http-max-input-size: received ${maxInflightBytes} < ${maxInputSizeBytes}`,
    );
  }
  // Node checks both timeouts on one interval (30 s by default); a quarter of the shorter one
  // keeps the overshoot small without walking the connection list often.
  const shortest = Math.min(headerTimeoutMs || requestTimeoutMs, requestTimeoutMs || headerTimeoutMs);
  const timeoutCheckIntervalMs =
    shortest === 0 ? 1000 : Math.max(25, Math.min(1000, Math.floor(shortest / 4)));
  return {
    headerTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs,
    maxConnections,
    maxInflightBytes,
    timeoutCheckIntervalMs,
  };
}
