/**
 * Triton's restricted APIs: `--http-restricted-api=<apis>:<key>=<value>` and
 * `--grpc-restricted-protocol=<apis>:<key>=<value>` make every endpoint of the listed categories
 * answer only requests that carry header `<key>` with exactly `<value>` (gRPC: metadata
 * `triton-grpc-protocol-<key>`). This file parses the flags and checks a header value; which
 * route or RPC belongs to which category is each frontend's table.
 */
import { timingSafeEqual } from 'node:crypto';
import { invalidArg } from '../../common/index.js';

/** Triton's API categories, in the order its docs list them. */
export const API_CATEGORIES = [
  'health',
  'metadata',
  'inference',
  'shared-memory',
  'model-config',
  'model-repository',
  'statistics',
  'trace',
  'logging',
] as const;

/** One of API_CATEGORIES. */
export type ApiCategory = (typeof API_CATEGORIES)[number];

/** The header a restricted category requires. */
export interface Restriction {
  /** Header (HTTP) or metadata key (gRPC, with Triton's prefix) to look for, lower case. */
  readonly key: string;
  /** The value it must carry, as UTF-8 bytes (compared in constant time). */
  readonly value: Buffer;
  /** The error text for a request without it (Triton's wording). */
  readonly message: string;
}

/** The restrictions of one frontend by category; an absent category is open. */
export type Restrictions = ReadonlyMap<ApiCategory, Restriction>;

/** Prefix Triton puts before the key of a gRPC restriction. */
export const GRPC_RESTRICTION_PREFIX = 'triton-grpc-protocol-';

// RFC 9110 token characters: what a header name may hold.
const HEADER_TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Parses the values of `--http-restricted-api` (protocol 'http') or `--grpc-restricted-protocol`
 * ('grpc'), each `<api>[,<api>...]:<key>=<value>`. A category may appear in one value only.
 * @throws ServerError INVALID_ARG (ERR_RESTRICTED_API) naming the flag and what is wrong
 */
export function parseRestrictions(values: readonly string[], protocol: 'http' | 'grpc'): Restrictions {
  const flag = protocol === 'http' ? '--http-restricted-api' : '--grpc-restricted-protocol';
  const out = new Map<ApiCategory, Restriction>();
  for (const text of values) {
    const colon = text.indexOf(':');
    const eq = text.indexOf('=', colon + 1);
    if (colon <= 0 || eq === -1) {
      throw invalidArg(
        'ERR_RESTRICTED_API',
        `${flag} takes <api>[,<api>...]:<key>=<value>: received '${text}'`,
      );
    }
    const key = text
      .slice(colon + 1, eq)
      .trim()
      .toLowerCase();
    const value = text.slice(eq + 1);
    if (!HEADER_TOKEN.test(key)) {
      throw invalidArg('ERR_RESTRICTED_API', `${flag} key must be a header name: received '${key}'`);
    }
    if (value === '')
      throw invalidArg('ERR_RESTRICTED_API', `${flag} value for key '${key}' must not be empty`);
    const header = protocol === 'grpc' ? `${GRPC_RESTRICTION_PREFIX}${key}` : key;
    const what = protocol === 'grpc' ? 'protocol' : 'API';
    const restriction: Restriction = {
      key: header,
      value: Buffer.from(value, 'utf8'),
      message: `This ${what} is restricted, expecting header '${header}'`,
    };
    for (const raw of text.slice(0, colon).split(',')) {
      const api = raw.trim() as ApiCategory;
      if (!API_CATEGORIES.includes(api)) {
        throw invalidArg(
          'ERR_RESTRICTED_API',
          `${flag} names unknown API '${raw.trim()}': allowed ${API_CATEGORIES.join(', ')}`,
        );
      }
      if (out.has(api))
        throw invalidArg('ERR_RESTRICTED_API', `${flag} restricts API '${api}' more than once`);
      out.set(api, restriction);
    }
  }
  return out;
}

/** Whether `received` (a header value as node gives it) equals the restriction's value. */
export function carriesRestrictionValue(
  restriction: Restriction,
  received: string | string[] | undefined,
): boolean {
  const text = Array.isArray(received) ? received[0] : received;
  if (text === undefined) return false;
  const bytes = Buffer.from(text, 'utf8');
  return bytes.length === restriction.value.length && timingSafeEqual(bytes, restriction.value);
}
