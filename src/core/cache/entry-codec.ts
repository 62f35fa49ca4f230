/**
 * The compact binary form of a CacheEntry (what Redis stores and what size limits count), its
 * decoder, and the compaction the local cache applies so an entry owns its bytes. It knows
 * nothing about keys or stores.
 *
 *   entry    := "NRC" u8(version=1) u32(responseCount) response*
 *   response := u8(flags: 1 final, 2 has outputs) u8(0) u16(paramCount) u32(outputCount) param* output*
 *   param    := u16(nameLen) name u8(kind: 0 string, 1 number, 2 bool, 3 bigint) value
 *               (string: u32 len + utf8; number: f64; bool: u8; bigint: i64)
 *   output   := u16(nameLen) name u8(datatype index) u8(rank) f64(dim)*rank f64(dataLen) pad-to-8 data
 * All integers little-endian; tensor data starts 8-byte aligned so decoded views need no copy.
 */
import { ServerError, Status } from '../../common/index.js';
import type { Parameters, ParameterValue, Tensor } from '../../protocol/index.js';
import { DATATYPES, type DataType } from '../../protocol/index.js';
import { type CachedResponse, CacheEntry } from './response-cache.js';

const MAGIC0 = 0x4e; // N
const MAGIC1 = 0x52; // R
const MAGIC2 = 0x43; // C
/** Version byte of the encoding; bump it (and the key domain) when the layout changes. */
export const ENTRY_FORMAT_VERSION = 1;

const FLAG_FINAL = 1;
const FLAG_OUTPUTS = 2;

const DATATYPE_INDEX: ReadonlyMap<string, number> = new Map(DATATYPES.map((d, i) => [d, i]));

function align8(n: number): number {
  return (n + 7) & ~7;
}

function paramSize(value: ParameterValue): number {
  if (typeof value === 'string') return 1 + 4 + Buffer.byteLength(value, 'utf8');
  if (typeof value === 'boolean') return 1 + 1;
  return 1 + 8;
}

/** Encoded size in bytes of `responses` (the CacheEntry's `byteSize`). */
export function measureResponses(responses: readonly CachedResponse[]): number {
  let n = 8;
  for (const r of responses) {
    n += 8;
    if (r.parameters !== null) {
      for (const name in r.parameters)
        n += 2 + Buffer.byteLength(name, 'utf8') + paramSize(r.parameters[name]!);
    }
    if (r.outputs === null) continue;
    for (const t of r.outputs) {
      n += 2 + Buffer.byteLength(t.name, 'utf8') + 2 + 8 * t.shape.length + 8;
      n = align8(n) + t.data.byteLength;
    }
  }
  return n;
}

/** A CacheEntry over `responses` (no copy), sized by its encoded form. */
export function buildEntry(responses: readonly CachedResponse[]): CacheEntry {
  return new CacheEntry(responses, measureResponses(responses));
}

/**
 * A copy of `entry` whose tensors live in one fresh buffer it owns (so it neither pins a larger
 * batch buffer nor sees later writes to a reused one). Shapes are copied too.
 */
export function compactEntry(entry: CacheEntry): CacheEntry {
  let total = 0;
  for (const r of entry.responses) {
    if (r.outputs !== null) for (const t of r.outputs) total = align8(total) + t.data.byteLength;
  }
  const store = new Uint8Array(total);
  let offset = 0;
  const responses: CachedResponse[] = new Array(entry.responses.length);
  for (let i = 0; i < entry.responses.length; i++) {
    const r = entry.responses[i]!;
    let outputs: Tensor[] | null = null;
    if (r.outputs !== null) {
      outputs = new Array(r.outputs.length);
      for (let j = 0; j < r.outputs.length; j++) {
        const t = r.outputs[j]!;
        offset = align8(offset);
        store.set(t.data, offset);
        const data = store.subarray(offset, offset + t.data.byteLength);
        offset += t.data.byteLength;
        outputs[j] = { name: t.name, datatype: t.datatype, shape: t.shape.slice(), data };
      }
    }
    const parameters = r.parameters === null ? null : { ...r.parameters };
    responses[i] = { outputs, parameters, final: r.final };
  }
  return new CacheEntry(responses, entry.byteSize);
}

/** The binary form of `entry` (exactly `entry.byteSize` bytes). */
export function encodeEntry(entry: CacheEntry): Buffer {
  const buf = Buffer.alloc(entry.byteSize);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf[0] = MAGIC0;
  buf[1] = MAGIC1;
  buf[2] = MAGIC2;
  buf[3] = ENTRY_FORMAT_VERSION;
  view.setUint32(4, entry.responses.length, true);
  let o = 8;
  for (const r of entry.responses) {
    buf[o] = (r.final ? FLAG_FINAL : 0) | (r.outputs !== null ? FLAG_OUTPUTS : 0);
    buf[o + 1] = 0;
    const names = r.parameters === null ? [] : Object.keys(r.parameters);
    view.setUint16(o + 2, names.length, true);
    view.setUint32(o + 4, r.outputs === null ? 0 : r.outputs.length, true);
    o += 8;
    for (const name of names) o = writeParam(buf, view, o, name, r.parameters![name]!);
    if (r.outputs === null) continue;
    for (const t of r.outputs) {
      o = writeName(buf, view, o, t.name);
      if (t.shape.length > 255) throw corrupt(`tensor '${t.name}' has rank ${t.shape.length} > 255`);
      buf[o] = DATATYPE_INDEX.get(t.datatype)!;
      buf[o + 1] = t.shape.length;
      o += 2;
      for (let d = 0; d < t.shape.length; d++, o += 8) view.setFloat64(o, t.shape[d]!, true);
      view.setFloat64(o, t.data.byteLength, true);
      o = align8(o + 8);
      buf.set(t.data, o);
      o += t.data.byteLength;
    }
  }
  if (o !== buf.length) throw corrupt(`encoded ${o} bytes, measured ${buf.length}`);
  return buf;
}

function writeName(buf: Buffer, view: DataView, o: number, name: string): number {
  const written = buf.write(name, o + 2, 'utf8');
  if (written > 0xffff) throw corrupt(`name of ${written} bytes exceeds 65535`);
  view.setUint16(o, written, true);
  return o + 2 + written;
}

function writeParam(buf: Buffer, view: DataView, o: number, name: string, value: ParameterValue): number {
  let p = writeName(buf, view, o, name);
  if (typeof value === 'string') {
    buf[p] = 0;
    const written = buf.write(value, p + 5, 'utf8');
    view.setUint32(p + 1, written, true);
    return p + 5 + written;
  }
  if (typeof value === 'number') {
    buf[p] = 1;
    view.setFloat64(p + 1, value, true);
  } else if (typeof value === 'boolean') {
    buf[p] = 2;
    buf[p + 1] = value ? 1 : 0;
    return p + 2;
  } else {
    buf[p] = 3;
    view.setBigInt64(p + 1, value, true);
  }
  p += 9;
  return p;
}

function corrupt(detail: string): ServerError {
  return new ServerError(Status.INTERNAL, 'ERR_CACHE_ENTRY', `Cache entry is corrupt: ${detail}`);
}

/**
 * Decodes an entry. Tensor data are views into `bytes` (copied once first when `bytes` is not
 * 8-byte aligned), so the caller must not reuse `bytes`.
 * @throws ServerError INTERNAL `ERR_CACHE_ENTRY` when the bytes are not a valid entry
 */
export function decodeEntry(bytes: Uint8Array): CacheEntry {
  let b = bytes;
  if (b.byteOffset % 8 !== 0) b = new Uint8Array(bytes);
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < 8 || buf[0] !== MAGIC0 || buf[1] !== MAGIC1 || buf[2] !== MAGIC2) {
    throw corrupt('bad magic');
  }
  if (buf[3] !== ENTRY_FORMAT_VERSION) {
    throw corrupt(`format version ${buf[3]}, expected ${ENTRY_FORMAT_VERSION}`);
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = view.getUint32(4, true);
  const responses: CachedResponse[] = new Array(count);
  let o = 8;
  try {
    for (let i = 0; i < count; i++) {
      const flags = buf[o]!;
      const paramCount = view.getUint16(o + 2, true);
      const outputCount = view.getUint32(o + 4, true);
      o += 8;
      let parameters: Parameters | null = null;
      if (paramCount > 0) parameters = {};
      for (let p = 0; p < paramCount; p++) o = readParam(buf, view, o, parameters!);
      let outputs: Tensor[] | null = null;
      if ((flags & FLAG_OUTPUTS) !== 0) {
        outputs = new Array(outputCount);
        for (let j = 0; j < outputCount; j++) {
          const nameLen = view.getUint16(o, true);
          const name = buf.toString('utf8', o + 2, o + 2 + nameLen);
          o += 2 + nameLen;
          const datatype = DATATYPES[buf[o]!] as DataType | undefined;
          if (datatype === undefined) throw corrupt(`unknown datatype index ${buf[o]}`);
          const rank = buf[o + 1]!;
          o += 2;
          const shape: number[] = new Array(rank);
          for (let d = 0; d < rank; d++, o += 8) shape[d] = view.getFloat64(o, true);
          const length = view.getFloat64(o, true);
          o = align8(o + 8);
          if (o + length > buf.length) throw corrupt(`tensor '${name}' overruns the entry`);
          outputs[j] = { name, datatype, shape, data: b.subarray(o, o + length) };
          o += length;
        }
      }
      responses[i] = { outputs, parameters, final: (flags & FLAG_FINAL) !== 0 };
    }
  } catch (err) {
    if (err instanceof ServerError) throw err;
    throw corrupt((err as Error).message);
  }
  if (o !== buf.length) throw corrupt(`${buf.length - o} trailing bytes`);
  return new CacheEntry(responses, buf.length);
}

function readParam(buf: Buffer, view: DataView, o: number, into: Parameters): number {
  const nameLen = view.getUint16(o, true);
  const name = buf.toString('utf8', o + 2, o + 2 + nameLen);
  let p = o + 2 + nameLen;
  const kind = buf[p];
  if (kind === 0) {
    const len = view.getUint32(p + 1, true);
    into[name] = buf.toString('utf8', p + 5, p + 5 + len);
    return p + 5 + len;
  }
  if (kind === 1) into[name] = view.getFloat64(p + 1, true);
  else if (kind === 2) {
    into[name] = buf[p + 1] === 1;
    return p + 2;
  } else if (kind === 3) into[name] = view.getBigInt64(p + 1, true);
  else throw corrupt(`unknown parameter kind ${kind}`);
  p += 9;
  return p;
}
