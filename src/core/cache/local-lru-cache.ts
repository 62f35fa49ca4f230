/**
 * The in-process response cache (`--cache-config local,size=BYTES`): an LRU bounded by bytes,
 * a Map from key to node plus a doubly linked list in recency order, so lookup, insert and
 * eviction are O(1). Each entry is stored once, compacted into one buffer it owns; a hit returns
 * that same entry (no copy). Sizes count the entry's encoded form (entry-codec.ts).
 *
 *   head (most recent) <-> node <-> ... <-> node <-> tail (least recent, evicted first)
 */
import { invalidArg } from '../../common/index.js';
import { compactEntry } from './entry-codec.js';
import type { CacheEntry, ResponseCache, ResponseCacheStats } from './response-cache.js';

/** Options of a LocalLruCache. */
export interface LocalLruCacheOptions {
  /** Capacity in bytes of encoded entries (`size=`); must be > 0. */
  sizeBytes: number;
}

/** One cached entry in the recency list. */
class LruNode {
  readonly key: string;
  entry: CacheEntry;
  prev: LruNode | null;
  next: LruNode | null;

  constructor(key: string, entry: CacheEntry) {
    this.key = key;
    this.entry = entry;
    this.prev = null;
    this.next = null;
  }
}

/** Byte-bounded in-memory LRU cache. */
export class LocalLruCache implements ResponseCache {
  readonly name = 'local';
  /** Capacity in bytes. */
  readonly capacityBytes: number;
  private readonly nodes = new Map<string, LruNode>();
  private head: LruNode | null = null;
  private tail: LruNode | null = null;
  private usedBytes = 0;
  private lookups = 0;
  private hits = 0;
  private inserts = 0;
  private evictions = 0;

  constructor(options: LocalLruCacheOptions) {
    if (!Number.isSafeInteger(options.sizeBytes) || options.sizeBytes <= 0) {
      throw invalidArg(
        'ERR_CACHE_CONFIG',
        `Local cache size must be a positive integer of bytes: received ${options.sizeBytes}`,
      );
    }
    this.capacityBytes = options.sizeBytes;
  }

  lookup(key: string): CacheEntry | null {
    this.lookups++;
    const node = this.nodes.get(key);
    if (node === undefined) return null;
    this.hits++;
    if (node !== this.head) {
      this.unlink(node);
      this.pushFront(node);
    }
    return node.entry;
  }

  insert(key: string, entry: CacheEntry): boolean {
    if (entry.byteSize > this.capacityBytes) return false;
    const owned = compactEntry(entry);
    const existing = this.nodes.get(key);
    if (existing !== undefined) {
      this.usedBytes -= existing.entry.byteSize;
      existing.entry = owned;
      this.unlink(existing);
      this.pushFront(existing);
    } else {
      const node = new LruNode(key, owned);
      this.nodes.set(key, node);
      this.pushFront(node);
    }
    this.usedBytes += owned.byteSize;
    this.inserts++;
    while (this.usedBytes > this.capacityBytes) this.evictTail();
    return true;
  }

  /** Whether `key` is cached, without touching its recency. */
  has(key: string): boolean {
    return this.nodes.has(key);
  }

  /** Keys from most to least recently used (for tests and debugging). */
  keys(): string[] {
    const out: string[] = [];
    for (let n = this.head; n !== null; n = n.next) out.push(n.key);
    return out;
  }

  stats(): ResponseCacheStats {
    return {
      lookups: this.lookups,
      hits: this.hits,
      misses: this.lookups - this.hits,
      inserts: this.inserts,
      evictions: this.evictions,
      errors: 0,
      entries: this.nodes.size,
      bytes: this.usedBytes,
      capacityBytes: this.capacityBytes,
    };
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.nodes.clear();
    this.head = null;
    this.tail = null;
    this.usedBytes = 0;
    return Promise.resolve();
  }

  private evictTail(): void {
    const node = this.tail;
    if (node === null) return;
    this.unlink(node);
    this.nodes.delete(node.key);
    this.usedBytes -= node.entry.byteSize;
    this.evictions++;
  }

  private unlink(node: LruNode): void {
    if (node.prev !== null) node.prev.next = node.next;
    else this.head = node.next;
    if (node.next !== null) node.next.prev = node.prev;
    else this.tail = node.prev;
    node.prev = null;
    node.next = null;
  }

  private pushFront(node: LruNode): void {
    node.next = this.head;
    node.prev = null;
    if (this.head !== null) this.head.prev = node;
    this.head = node;
    if (this.tail === null) this.tail = node;
  }
}
