/**
 * The settings of the Redis response cache: the options object RedisCache takes, and the
 * resolver that turns `--cache-config redis,<key>=<value>` settings (Triton's redis_cache keys
 * plus Nereid's `tls`, `ttl_ms`, `key_prefix`) into it. It validates and reads TLS files; it does
 * not connect.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { invalidArg } from '../../common/index.js';

/** TLS material for the Redis connection. */
export interface RedisTlsOptions {
  /** PEM CA certificates to trust (default: the system's). */
  ca?: string[];
  /** PEM client certificate. */
  cert?: string;
  /** PEM client key. */
  key?: string;
  /** Server name for SNI and certificate checks; default the host. */
  servername?: string;
}

/** Options of a RedisCache. */
export interface RedisCacheOptions {
  /** Redis host. */
  host: string;
  /** Redis port. */
  port: number;
  /** ACL user name; default none (Redis's `default` user). */
  username?: string;
  /** Password; default none. */
  password?: string;
  /** Database number; default 0. */
  db?: number;
  /** TLS settings, or null for plain TCP; default null. */
  tls?: RedisTlsOptions | null;
  /** Connection timeout in ms (0 = the client's default of 5000); default 0. */
  connectTimeoutMs?: number;
  /** Idle socket timeout in ms (0 = none); default 0. */
  socketTimeoutMs?: number;
  /** Connections, commands spread round-robin; default 1. */
  poolSize?: number;
  /** Longest wait for a lookup's reply in ms before it is served as a miss; default 100. */
  waitTimeoutMs?: number;
  /** Expiry of stored entries in ms (0 = never); default 0. */
  ttlMs?: number;
  /** Prefix of every key; default 'nereid:rc:'. */
  keyPrefix?: string;
  /** Consecutive failures that stop using Redis for a cool-down; default 3. */
  breakerThreshold?: number;
  /** First cool-down after the breaker opens, in ms (doubles up to 5000); default 200. */
  breakerCooldownMs?: number;
}

/** Settings `--cache-config redis,...` accepts. */
export const REDIS_SETTING_KEYS: readonly string[] = [
  'host',
  'port',
  'user',
  'username',
  'password',
  'db',
  'connect_timeout',
  'socket_timeout',
  'pool_size',
  'wait_timeout',
  'cert',
  'key',
  'cacert',
  'cacert_dir',
  'sni',
  'tls',
  'ttl_ms',
  'key_prefix',
];

function integer(settings: ReadonlyMap<string, string>, key: string, min: number, fallback: number): number {
  const text = settings.get(key);
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min) {
    throw invalidArg(
      'ERR_CACHE_CONFIG',
      `Redis cache setting '${key}' must be an integer >= ${min}: received '${text}'`,
    );
  }
  return Number(text);
}

function readPem(key: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw invalidArg(
      'ERR_CACHE_CONFIG',
      `Cannot read Redis cache setting '${key}' file '${path}': ${(err as Error).message}`,
    );
  }
}

function resolveTls(settings: ReadonlyMap<string, string>): RedisTlsOptions | null {
  const flag = settings.get('tls');
  if (flag !== undefined && !['true', 'false', '1', '0'].includes(flag)) {
    throw invalidArg('ERR_CACHE_CONFIG', `Redis cache setting 'tls' takes true or false: received '${flag}'`);
  }
  const files = ['cert', 'key', 'cacert', 'cacert_dir', 'sni'].some((k) => settings.has(k));
  if (!files && flag !== 'true' && flag !== '1') return null;
  const tls: RedisTlsOptions = {};
  const ca: string[] = [];
  const cacert = settings.get('cacert');
  if (cacert !== undefined) ca.push(readPem('cacert', cacert));
  const dir = settings.get('cacert_dir');
  if (dir !== undefined) {
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => /\.(pem|crt)$/.test(n));
    } catch (err) {
      throw invalidArg(
        'ERR_CACHE_CONFIG',
        `Cannot read Redis cache setting 'cacert_dir' directory '${dir}': ${(err as Error).message}`,
      );
    }
    for (const n of names.sort()) ca.push(readPem('cacert_dir', join(dir, n)));
  }
  if (ca.length > 0) tls.ca = ca;
  const cert = settings.get('cert');
  if (cert !== undefined) tls.cert = readPem('cert', cert);
  const key = settings.get('key');
  if (key !== undefined) tls.key = readPem('key', key);
  const sni = settings.get('sni');
  if (sni !== undefined) tls.servername = sni;
  return tls;
}

/**
 * Resolves `--cache-config redis,...` settings. `host` and `port` are required (as in Triton).
 * @throws ServerError INVALID_ARG `ERR_CACHE_CONFIG` naming the setting and the received value
 */
export function resolveRedisCacheOptions(settings: ReadonlyMap<string, string>): RedisCacheOptions {
  const host = settings.get('host');
  if (host === undefined || host === '') {
    throw invalidArg('ERR_CACHE_CONFIG', "Redis cache needs 'host' (--cache-config redis,host=HOST)");
  }
  if (!settings.has('port')) {
    throw invalidArg('ERR_CACHE_CONFIG', "Redis cache needs 'port' (--cache-config redis,port=PORT)");
  }
  const port = integer(settings, 'port', 1, 0);
  if (port > 65535) {
    throw invalidArg('ERR_CACHE_CONFIG', `Redis cache setting 'port' must be <= 65535: received ${port}`);
  }
  const username = settings.get('username') ?? settings.get('user');
  const options: RedisCacheOptions = {
    host,
    port,
    db: integer(settings, 'db', 0, 0),
    tls: resolveTls(settings),
    connectTimeoutMs: integer(settings, 'connect_timeout', 0, 0),
    socketTimeoutMs: integer(settings, 'socket_timeout', 0, 0),
    poolSize: integer(settings, 'pool_size', 1, 1),
    waitTimeoutMs: integer(settings, 'wait_timeout', 1, 100),
    ttlMs: integer(settings, 'ttl_ms', 0, 0),
    keyPrefix: settings.get('key_prefix') ?? 'nereid:rc:',
  };
  if (username !== undefined && username !== '' && username !== 'default') options.username = username;
  const password = settings.get('password');
  if (password !== undefined && password !== '') options.password = password;
  return options;
}
