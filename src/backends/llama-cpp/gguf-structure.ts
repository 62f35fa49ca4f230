/**
 * Checks the structure of a GGUF file before node-llama-cpp reads it: every length, count and
 * offset of the header (magic, version, metadata key/values, tensor infos) must lie inside the
 * file, every tensor's data too, and the architecture must be one llama.cpp knows. node-llama-cpp's
 * own header reader trusts those numbers and hands them to `fs.read` and `Buffer.alloc`: a corrupt
 * length there aborts the whole process (a Node assertion) or allocates gigabytes. And llama.cpp's
 * own reasons reach only its log, which node-llama-cpp routes unreliably once several workers use
 * it. Run in the llama.cpp worker with blocking reads of at most 1 MiB; tensor data is never read.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** Bytes read from the file at a time. */
const CHUNK_BYTES = 1 << 20;
/** Most metadata entries or tensors a header may declare. */
const MAX_ENTRIES = 1 << 24;
/** Longest metadata key in bytes. */
const MAX_KEY_BYTES = 1 << 16;
/** Most dimensions of a tensor. */
const MAX_DIMS = 8;
/** Byte size of the fixed-size metadata value types (GGUF type ids 0..12; 8 string, 9 array). */
const VALUE_BYTES: Readonly<Record<number, number>> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const TYPE_U32 = 4;
const TYPE_STRING = 8;
const TYPE_ARRAY = 9;
/** GGUF's default alignment of the tensor data section. */
const DEFAULT_ALIGNMENT = 32;

/** What the check needs from llama.cpp: ggml type sizes and the architectures it supports. */
export interface GgufChecks {
  /** Bytes of `elements` elements of ggml type `type`, or -1 for an unknown type. */
  tensorBytes(type: number, elements: number): number;
  /** Whether llama.cpp can run `architecture`. */
  supportsArchitecture(architecture: string): boolean;
}

/** A structural problem, with the byte offset it was found at. */
class GgufCorrupt extends Error {}

/** Sequential reads over a file descriptor with bounds checks. */
class HeaderReader {
  readonly size: number;
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(CHUNK_BYTES);
  private bufferStart = 0;
  private bufferEnd = 0;
  /** Next byte to read. */
  position = 0;

  constructor(fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  /** Makes `n` (<= CHUNK_BYTES) bytes at `position` available in the buffer. */
  private ensure(n: number, what: string): number {
    if (this.position + n > this.size) {
      throw new GgufCorrupt(
        `${what} at byte ${this.position} runs past the end of the file (${this.size} bytes)`,
      );
    }
    if (this.position < this.bufferStart || this.position + n > this.bufferEnd) {
      const read = readSync(this.fd, this.buffer, 0, CHUNK_BYTES, this.position);
      this.bufferStart = this.position;
      this.bufferEnd = this.position + read;
      if (this.position + n > this.bufferEnd) throw new GgufCorrupt(`Short read at byte ${this.position}`);
    }
    return this.position - this.bufferStart;
  }

  u32(what: string): number {
    const at = this.ensure(4, what);
    this.position += 4;
    return this.buffer.readUInt32LE(at);
  }

  /** A u64 that must fit a safe integer (any real count or size does). */
  u64(what: string): number {
    const at = this.ensure(8, what);
    this.position += 8;
    const value = this.buffer.readBigUInt64LE(at);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new GgufCorrupt(`${what} is ${value}, not a plausible size`);
    return Number(value);
  }

  /** The u32 value of a metadata entry (general.alignment). */
  u32Value(what: string): number {
    return this.u32(what);
  }

  /** Skips `n` bytes, which must lie inside the file. */
  skip(n: number, what: string): void {
    if (n < 0 || this.position + n > this.size) {
      throw new GgufCorrupt(
        `${what} of ${n} bytes at byte ${this.position} runs past the end of the file (${this.size} bytes)`,
      );
    }
    this.position += n;
  }

  /** A GGUF string (u64 length + bytes), skipped unless it is short enough to be returned. */
  string(what: string, maxBytes = Number.MAX_SAFE_INTEGER): string {
    const length = this.u64(`${what} length`);
    if (length > maxBytes) throw new GgufCorrupt(`${what} has ${length} bytes (at most ${maxBytes})`);
    if (length <= 256) {
      const at = this.ensure(length, what);
      this.position += length;
      return this.buffer.toString('utf8', at, at + length);
    }
    this.skip(length, what);
    return '';
  }
}

function readValue(r: HeaderReader, type: number, what: string, depth: number): void {
  const fixed = VALUE_BYTES[type];
  if (fixed !== undefined) {
    r.skip(fixed, what);
    return;
  }
  if (type === TYPE_STRING) {
    r.string(what);
    return;
  }
  if (type !== TYPE_ARRAY || depth > 1) throw new GgufCorrupt(`${what} has unknown value type ${type}`);
  const elementType = r.u32(`${what} element type`);
  const count = r.u64(`${what} element count`);
  const elementBytes = VALUE_BYTES[elementType];
  if (elementBytes !== undefined) {
    if (count > (r.size - r.position) / elementBytes) {
      throw new GgufCorrupt(`${what} declares ${count} elements, more than the file holds`);
    }
    r.skip(count * elementBytes, what);
    return;
  }
  if (count > (r.size - r.position) / 8)
    throw new GgufCorrupt(`${what} declares ${count} elements, more than the file holds`);
  for (let i = 0; i < count; i++) readValue(r, elementType, `${what}[${i}]`, depth + 1);
}

/**
 * The structural problem of the GGUF file at `path` ("metadata value 12 ('tokenizer.ggml.tokens')
 * ... runs past the end of the file"), or null when it is well formed.
 */
export function findGgufCorruption(path: string, checks: GgufChecks): string | null {
  const fd = openSync(path, 'r');
  try {
    const r = new HeaderReader(fd, fstatSync(fd).size);
    const magic = r.u32('magic');
    if (magic !== 0x46554747) throw new GgufCorrupt('The file does not start with "GGUF"');
    const version = r.u32('version');
    if (version < 2 || version > 3)
      throw new GgufCorrupt(`GGUF version ${version} is not supported (2 or 3)`);
    const tensors = r.u64('tensor count');
    const entries = r.u64('metadata count');
    if (tensors > MAX_ENTRIES || entries > MAX_ENTRIES) {
      throw new GgufCorrupt(
        `The header declares ${tensors} tensors and ${entries} metadata entries, not plausible`,
      );
    }
    let alignment = DEFAULT_ALIGNMENT;
    let architecture = '';
    for (let i = 0; i < entries; i++) {
      const key = r.string(`metadata key ${i}`, MAX_KEY_BYTES);
      const type = r.u32(`metadata value type of '${key}'`);
      if (key === 'general.alignment' && type === TYPE_U32) {
        alignment = r.u32Value('general.alignment');
        if (alignment === 0 || (alignment & (alignment - 1)) !== 0) {
          throw new GgufCorrupt(`general.alignment is ${alignment}, not a power of two`);
        }
      } else if (key === 'general.architecture' && type === TYPE_STRING) {
        architecture = r.string('general.architecture', 256);
      } else {
        readValue(r, type, `metadata value ${i} ('${key}')`, 0);
      }
    }
    if (architecture !== '' && !checks.supportsArchitecture(architecture)) {
      throw new GgufCorrupt(`its architecture '${architecture}' is not supported by this llama.cpp build`);
    }
    const data: { name: string; offset: number; bytes: number }[] = [];
    for (let i = 0; i < tensors; i++) {
      const name = r.string(`tensor ${i} name`, MAX_KEY_BYTES);
      const dims = r.u32(`tensor '${name}' dimension count`);
      if (dims > MAX_DIMS)
        throw new GgufCorrupt(`tensor '${name}' has ${dims} dimensions (at most ${MAX_DIMS})`);
      let elements = 1;
      for (let d = 0; d < dims; d++) elements *= r.u64(`tensor '${name}' dimension ${d}`);
      const type = r.u32(`tensor '${name}' type`);
      const offset = r.u64(`tensor '${name}' data offset`);
      const bytes = checks.tensorBytes(type, elements);
      if (bytes < 0) throw new GgufCorrupt(`tensor '${name}' has unknown type ${type}`);
      data.push({ name, offset, bytes });
    }
    const dataStart = Math.ceil(r.position / alignment) * alignment;
    for (const t of data) {
      if (dataStart + t.offset + t.bytes > r.size) {
        throw new GgufCorrupt(
          `the data of tensor '${t.name}' (${t.bytes} bytes at byte ${dataStart + t.offset}) is not within the file (${r.size} bytes): the file is truncated or damaged`,
        );
      }
    }
    return null;
  } catch (err) {
    if (err instanceof GgufCorrupt) return err.message;
    throw err;
  } finally {
    closeSync(fd);
  }
}
