/**
 * The Redis response cache (`--cache-config redis,host=H,port=P,...`) on node-redis v5. Entries
 * are one binary string per key in the entry-codec form (GET / SET with optional PX expiry);
 * commands issued in the same tick leave in one socket write (node-redis pipelines them). Redis
 * down or slow never fails a request: a lookup that errors, or gets no reply within
 * `waitTimeoutMs`, is a miss; inserts are fire-and-forget. A circuit breaker stops calling Redis
 * for a cool-down after repeated failures, the client reconnects by itself, warnings are
 * rate-limited. Lookup deadlines share one timer (PendingLookups), never one per request.
 */
import { createClient, RESP_TYPES } from 'redis';
import type { Clock } from '../../common/index.js';
import {
  Logger,
  RateLimitedLog,
  realTimerFactory,
  systemClock,
  type TimerFactory,
} from '../../common/index.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { decodeEntry, encodeEntry } from './entry-codec.js';
import { PendingLookups } from './pending-lookups.js';
import type { RedisCacheOptions } from './redis-cache-options.js';
import {
  type CacheEntry,
  emptyCacheStats,
  type ResponseCache,
  type ResponseCacheStats,
} from './response-cache.js';

/** The node-redis commands this cache uses, with binary replies. */
export interface RedisBinaryClient {
  /** Whether the connection is up and authenticated. */
  readonly isReady: boolean;
  /** Whether connect() was called and close() was not. */
  readonly isOpen: boolean;
  get(key: string): Promise<Buffer | null>;
  set(key: string, value: Buffer, options?: { expiration: { type: 'PX'; value: number } }): Promise<unknown>;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** Runtime dependencies of a RedisCache. */
export interface RedisCacheContext {
  /** Server log (warnings are rate-limited); default a stderr logger. */
  logger?: Logger;
  /** Time source; default the process clock. */
  clock?: Clock;
  /** Timer for lookup deadlines; default real timers. */
  timers?: TimerFactory;
}

/**
 * Most time close() waits for commands already sent to be answered, ms. A paused or stalled Redis
 * answers nothing: past this the connections are dropped (inserts are fire-and-forget and every
 * lookup is already settled as a miss), so shutting down never waits on Redis.
 */
export const REDIS_CLOSE_WAIT_MS = 1000;

/** Delay before reconnect attempt `retries` (0-based), in ms: 50, 100, 200, ... up to 2000. */
function reconnectDelayMs(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 6), 2000);
}

/** Response cache in Redis. */
export class RedisCache implements ResponseCache {
  readonly name = 'redis';
  /** `host:port`, for messages. */
  readonly address: string;
  /** The connections (one unless `poolSize` > 1); exposed for benchmarks and tests. */
  readonly clients: readonly RedisBinaryClient[];
  private readonly keyPrefix: string;
  private readonly ttlMs: number;
  private readonly breaker: CircuitBreaker;
  private readonly log: RateLimitedLog;
  private readonly logger: Logger;
  private readonly pending: PendingLookups;
  private readonly counters: ResponseCacheStats;
  private readonly flushWaiters: (() => void)[] = [];
  private readonly drainWaiters: (() => void)[] = [];
  private nextClient = 0;
  private insertsInFlight = 0;
  /** GET and SET commands sent and not yet answered (a lookup past its deadline still counts). */
  private commandsInFlight = 0;
  private closed = false;

  constructor(options: RedisCacheOptions, context: RedisCacheContext = {}) {
    const clock = context.clock ?? systemClock;
    this.logger = context.logger ?? new Logger();
    this.address = `${options.host}:${options.port}`;
    this.keyPrefix = options.keyPrefix ?? 'nereid:rc:';
    this.ttlMs = options.ttlMs ?? 0;
    this.breaker = new CircuitBreaker(clock, {
      failureThreshold: options.breakerThreshold ?? 3,
      cooldownMs: options.breakerCooldownMs ?? 200,
    });
    this.log = new RateLimitedLog(this.logger, clock, 5000);
    this.pending = new PendingLookups(
      this,
      clock,
      context.timers ?? realTimerFactory,
      options.waitTimeoutMs ?? 100,
    );
    this.counters = emptyCacheStats();
    const clients: RedisBinaryClient[] = [];
    for (let i = 0; i < Math.max(1, options.poolSize ?? 1); i++) clients.push(this.createClient(options));
    this.clients = clients;
  }

  /** Starts connecting every client; resolves when all are ready or after `timeoutMs`, with whether they are. */
  async connect(timeoutMs = 2000): Promise<boolean> {
    for (const c of this.clients) {
      if (!c.isOpen) c.connect().catch(this.onClientError);
    }
    const deadline = Date.now() + timeoutMs;
    while (!this.clients.every((c) => c.isReady) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return this.clients.every((c) => c.isReady);
  }

  lookup(key: string): CacheEntry | null | Promise<CacheEntry | null> {
    this.counters.lookups++;
    if (this.closed || !this.breaker.allow()) {
      this.counters.misses++;
      return null;
    }
    const client = this.pickClient();
    if (!client.isReady) {
      this.counters.misses++;
      this.fail('lookup', 'not connected');
      return null;
    }
    const op = this.pending.add();
    this.commandsInFlight++;
    client.get(this.keyPrefix + key).then(
      (reply) => {
        this.commandSettled();
        op.settle(reply);
      },
      (err: Error) => {
        this.commandSettled();
        op.settleError(err);
      },
    );
    return op.promise;
  }

  insert(key: string, entry: CacheEntry): boolean {
    if (this.closed || !this.breaker.allow()) return false;
    const client = this.pickClient();
    if (!client.isReady) {
      this.fail('insert', 'not connected');
      return false;
    }
    const value = encodeEntry(entry);
    const sent =
      this.ttlMs > 0
        ? client.set(this.keyPrefix + key, value, { expiration: { type: 'PX', value: this.ttlMs } })
        : client.set(this.keyPrefix + key, value);
    this.insertsInFlight++;
    this.commandsInFlight++;
    sent.then(this.onInsertDone, this.onInsertError);
    this.counters.inserts++;
    return true;
  }

  stats(): ResponseCacheStats {
    return { ...this.counters };
  }

  flush(): Promise<void> {
    if (this.insertsInFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.flushWaiters.push(resolve));
  }

  /**
   * Settles the lookups still waiting as misses, waits at most REDIS_CLOSE_WAIT_MS for the commands
   * already sent, then closes the connections: gracefully when nothing is outstanding, else by
   * dropping them (node-redis's close() would wait for replies a paused Redis never sends).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending.close();
    const drained = await this.drained(REDIS_CLOSE_WAIT_MS);
    for (const c of this.clients) {
      if (!c.isOpen) continue;
      if (drained && c.isReady) await c.close().catch(() => c.destroy());
      else c.destroy();
    }
  }

  /** Resolves true once no command is outstanding, or false after `timeoutMs`. */
  private drained(timeoutMs: number): Promise<boolean> {
    if (this.commandsInFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const at = this.drainWaiters.indexOf(onDrained);
        if (at !== -1) this.drainWaiters.splice(at, 1);
        resolve(false);
      }, timeoutMs);
      const onDrained = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.drainWaiters.push(onDrained);
    });
  }

  /** One GET or SET was answered or failed. */
  private commandSettled(): void {
    if (--this.commandsInFlight > 0) return;
    const waiters = this.drainWaiters.splice(0);
    for (const w of waiters) w();
  }

  /** @internal A lookup's reply arrived in time (PendingLookups calls this). */
  onLookupReply(reply: Buffer | null): CacheEntry | null {
    this.breaker.onSuccess();
    if (reply === null) {
      this.counters.misses++;
      return null;
    }
    try {
      const entry = decodeEntry(reply);
      this.counters.hits++;
      return entry;
    } catch (err) {
      this.counters.misses++;
      this.counters.errors++;
      this.log.warn(`Redis cache at ${this.address} returned an unreadable entry: ${(err as Error).message}`);
      return null;
    }
  }

  /** @internal A lookup failed or timed out (PendingLookups calls this). */
  onLookupFailure(reason: string): void {
    this.counters.misses++;
    this.fail('lookup', reason);
  }

  private createClient(options: RedisCacheOptions): RedisBinaryClient {
    const tls = options.tls ?? null;
    const socket = {
      host: options.host,
      port: options.port,
      connectTimeout: options.connectTimeoutMs ? options.connectTimeoutMs : undefined,
      socketTimeout: options.socketTimeoutMs ? options.socketTimeoutMs : undefined,
      reconnectStrategy: reconnectDelayMs,
      ...(tls === null ? {} : { tls: true as const, ...tls }),
    };
    const client = createClient({
      socket,
      username: options.username,
      password: options.password,
      database: options.db ?? 0,
      disableOfflineQueue: true,
      commandOptions: { typeMapping: { [RESP_TYPES.BLOB_STRING]: Buffer } },
    }) as unknown as RedisBinaryClient;
    client.on('error', this.onClientError);
    return client;
  }

  private pickClient(): RedisBinaryClient {
    const clients = this.clients;
    if (clients.length === 1) return clients[0]!;
    this.nextClient = (this.nextClient + 1) % clients.length;
    return clients[this.nextClient]!;
  }

  private fail(what: string, reason: string): void {
    this.counters.errors++;
    const opened = this.breaker.onFailure();
    this.log.warn(
      `Redis cache at ${this.address}: ${what} failed (${reason}); serving requests as cache misses${opened ? ', pausing Redis calls' : ''}`,
    );
  }

  private readonly onClientError = (err: Error): void => {
    if (this.closed) return;
    this.log.warn(`Redis cache connection to ${this.address} failed: ${err.message}; reconnecting`);
  };

  private readonly onInsertDone = (): void => {
    this.breaker.onSuccess();
    this.insertSettled();
  };

  private readonly onInsertError = (err: Error): void => {
    this.fail('insert', err.message);
    this.insertSettled();
  };

  private insertSettled(): void {
    this.commandSettled();
    if (--this.insertsInFlight > 0) return;
    const waiters = this.flushWaiters.splice(0);
    for (const w of waiters) w();
  }
}
