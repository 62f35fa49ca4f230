/**
 * BinaryHeaderCache: remembers the decoded JSON header of binary-tensor HTTP requests, keyed by
 * the header's exact bytes, so a client that sends the same header again and again (every
 * KServe v2 client with binary tensors does: only the binary part changes) skips UTF-8
 * validation, JSON.parse and the field checks. What is cached is only what the header alone
 * decides (names, datatypes, shapes, sizes, parameters, requested outputs), frozen; everything
 * that depends on the body (sizes left, BYTES element counts) is checked again per request by
 * the caller. Headers with JSON `data` or shared-memory inputs are never cached.
 */
import type { Parameters } from './tensor.js';

/** One binary input as the header describes it. */
export interface BinaryInputSpec {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  /** Elements the shape holds. */
  readonly elementCount: number;
  readonly parameters: Parameters;
  /** `binary_data_size`: bytes of this input in the body. */
  readonly byteSize: number;
}

/** Headers longer than this are not cached (real binary headers are a few hundred bytes). */
export const MAX_CACHED_HEADER_BYTES = 4096;
/** Entries kept; the oldest goes when a new one would exceed it. */
export const MAX_CACHED_HEADERS = 64;

/** A bounded map from exact header bytes to their decoded header `T`. */
export class BinaryHeaderCache<T> {
  private readonly entries = new Map<string, T>();
  /** The bytes of the header find() or remember() saw last, and its template. */
  private lastBytes: Buffer | null = null;
  private lastTemplate: T | undefined = undefined;

  /**
   * The template stored for `body[0, headerBytes)`, or undefined. The header seen last is checked
   * first by comparing bytes (a client sends the same header again and again), which builds no
   * key string; others are looked up by key.
   */
  find(body: Uint8Array, headerBytes: number): T | undefined {
    const last = this.lastBytes;
    if (last !== null && last.length === headerBytes && last.compare(body, 0, headerBytes) === 0) {
      return this.lastTemplate;
    }
    const key = this.keyOf(body, headerBytes);
    if (key === null) return undefined;
    const template = this.entries.get(key);
    if (template !== undefined) this.setLast(body, headerBytes, template);
    return template;
  }

  /** Stores `template` (frozen by the caller) for `body[0, headerBytes)` unless it is too long. */
  remember(body: Uint8Array, headerBytes: number, template: T): void {
    const key = this.keyOf(body, headerBytes);
    if (key === null) return;
    this.set(key, template);
    this.setLast(body, headerBytes, template);
  }

  private setLast(body: Uint8Array, headerBytes: number, template: T): void {
    this.lastBytes = Buffer.from(body.subarray(0, headerBytes));
    this.lastTemplate = template;
  }

  /**
   * The key of `body[0, headerBytes)`: its bytes as a one-byte string (each byte one char), or
   * null when the header is too long to cache.
   */
  keyOf(body: Uint8Array, headerBytes: number): string | null {
    if (headerBytes > MAX_CACHED_HEADER_BYTES) return null;
    return Buffer.from(body.buffer, body.byteOffset, headerBytes).toString('latin1');
  }

  /** The template stored under `key`, or undefined. */
  get(key: string): T | undefined {
    return this.entries.get(key);
  }

  /** Stores a template (frozen by the caller) under `key`, evicting the oldest entry when full. */
  set(key: string, template: T): void {
    if (this.entries.size >= MAX_CACHED_HEADERS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, template);
  }

  /** Entries held (tests and diagnostics). */
  get size(): number {
    return this.entries.size;
  }
}
