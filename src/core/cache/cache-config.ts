/**
 * Parses tritonserver's cache flags into one ResolvedCacheConfig: repeated
 * `--cache-config <impl>,<key>=<value>[,<key>=<value>...]` (settings of the same implementation
 * merge, as Triton's repeated `redis,host=..` `redis,port=..` do) and the deprecated
 * `--response-cache-byte-size N` (= `local,size=N`). It checks the form only; each
 * implementation's factory checks its own keys.
 */
import { invalidArg } from '../../common/index.js';

/** The cache the server should use, as parsed from the flags. */
export interface ResolvedCacheConfig {
  /** Implementation name (`local`, `redis`). */
  readonly name: string;
  /** Settings by key, in flag order. */
  readonly settings: ReadonlyMap<string, string>;
}

/**
 * Splits `impl,k=v,k=v` into its parts. A segment without `=` continues the previous value (so a
 * password may contain commas).
 */
function parseOne(value: string): { name: string; pairs: [string, string][] } {
  const comma = value.indexOf(',');
  if (comma <= 0) {
    throw invalidArg('ERR_CACHE_CONFIG', `--cache-config takes <cache>,<key>=<value>: received '${value}'`);
  }
  const name = value.slice(0, comma).trim();
  const pairs: [string, string][] = [];
  for (const segment of value.slice(comma + 1).split(',')) {
    const eq = segment.indexOf('=');
    if (eq === -1) {
      const last = pairs[pairs.length - 1];
      if (last === undefined) {
        throw invalidArg(
          'ERR_CACHE_CONFIG',
          `--cache-config takes <cache>,<key>=<value>: received '${value}'`,
        );
      }
      last[1] = `${last[1]},${segment}`;
      continue;
    }
    const key = segment.slice(0, eq).trim();
    if (key === '') {
      throw invalidArg('ERR_CACHE_CONFIG', `--cache-config has an empty key: received '${value}'`);
    }
    pairs.push([key, segment.slice(eq + 1)]);
  }
  return { name, pairs };
}

/**
 * The cache configured by `--cache-config` values and `--response-cache-byte-size` (0 = not
 * given), or null when neither configures one.
 * @throws ServerError INVALID_ARG `ERR_CACHE_CONFIG` for malformed values or two implementations
 */
export function parseCacheConfig(
  values: readonly string[],
  responseCacheByteSize = 0,
): ResolvedCacheConfig | null {
  let name = '';
  const settings = new Map<string, string>();
  for (const value of values) {
    const parsed = parseOne(value);
    name = pickImplementation(name, parsed.name);
    for (const [k, v] of parsed.pairs) settings.set(k, v);
  }
  if (responseCacheByteSize < 0 || !Number.isSafeInteger(responseCacheByteSize)) {
    throw invalidArg(
      'ERR_CACHE_CONFIG',
      `--response-cache-byte-size must be a non-negative integer: received ${responseCacheByteSize}`,
    );
  }
  if (responseCacheByteSize > 0) {
    name = pickImplementation(name, 'local');
    if (!settings.has('size')) settings.set('size', String(responseCacheByteSize));
  }
  if (name === '') return null;
  return { name, settings };
}

function pickImplementation(current: string, next: string): string {
  if (current !== '' && current !== next) {
    throw invalidArg(
      'ERR_CACHE_CONFIG',
      `Only one cache implementation may be configured: received '${current}' and '${next}'`,
    );
  }
  return next;
}
