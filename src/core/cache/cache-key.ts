/**
 * The response-cache key: SHA-256, truncated to 128 bits and written as 32 hex characters, over
 * the model name and version, every input's name, datatype, shape and bytes (sorted by name) and
 * the requested outputs with their classification counts. Unlike Triton (which hashes only names
 * and bytes), shape and datatype are part of the key, so the same bytes sent as [2,8] and [4,4]
 * never share an answer. It does not look anything up.
 *
 * Why SHA-256: the cache may be shared by many clients and servers (Redis), and a collision hands
 * one client another's answer. A fast non-cryptographic hash (xxHash, FNV) lets anyone who can send
 * requests craft collisions on purpose; SHA-256 does not, and Node runs it with the CPU's SHA
 * extensions (about 1.5 GB/s here), so hashing costs ~1-2 µs per small request. 128 bits keep the
 * accidental-collision odds negligible (2^-64 at 2^32 entries) with shorter Redis keys.
 */
import { createHash } from 'node:crypto';
import type { Tensor } from '../../protocol/index.js';
import type { RequestedOutput } from '../inference-request.js';

/** Domain string hashed first; changes whenever the key layout or the entry format changes. */
export const CACHE_KEY_DOMAIN = 'nereid-response-cache-v1';

/** Length of a key in characters (128 bits in hex). */
export const CACHE_KEY_LENGTH = 32;

const DOMAIN_BYTES = Buffer.from(`${CACHE_KEY_DOMAIN}\0`, 'latin1');

/** Scratch space for the metadata part of the hash; grows when a request needs more. */
let scratch = Buffer.alloc(4096);
let scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);

function ensureScratch(bytes: number): void {
  if (bytes <= scratch.length) return;
  let size = scratch.length;
  while (size < bytes) size *= 2;
  scratch = Buffer.alloc(size);
  scratchView = new DataView(scratch.buffer, scratch.byteOffset, scratch.byteLength);
}

/** Upper bound of the metadata bytes of one key (names counted as 3 bytes per UTF-16 unit). */
function metadataBound(
  model: string,
  version: string,
  inputs: readonly Tensor[],
  outputs: readonly RequestedOutput[] | null,
): number {
  let n = 16 + 3 * (model.length + version.length);
  for (const t of inputs) n += 24 + 3 * t.name.length + 8 * t.shape.length + 8;
  if (outputs !== null) for (const o of outputs) n += 16 + 3 * o.name.length;
  return n;
}

function writeString(o: number, s: string): number {
  const written = scratch.write(s, o + 4, 'utf8');
  scratchView.setUint32(o, written, true);
  return o + 4 + written;
}

function byName(a: Tensor, b: Tensor): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Inputs in name order (the input array itself when it is already sorted). */
function sortedInputs(inputs: readonly Tensor[]): readonly Tensor[] {
  for (let i = 1; i < inputs.length; i++) {
    if (inputs[i - 1]!.name > inputs[i]!.name) return inputs.slice().sort(byName);
  }
  return inputs;
}

/**
 * The cache key of a request for `model` `version` (the version that will answer, as a decimal
 * string) with `inputs` and the requested `outputs` (null = all outputs, raw). `salt` is what else
 * decides the answer that the inputs do not carry (a generation request's effective sampling
 * parameters, which may come from request parameters); '' when nothing does.
 */
export function cacheKey(
  model: string,
  version: string,
  inputs: readonly Tensor[],
  outputs: readonly RequestedOutput[] | null,
  salt = '',
): string {
  const sorted = sortedInputs(inputs);
  ensureScratch(metadataBound(model, version, sorted, outputs) + 4 + 3 * salt.length);
  // Metadata first (one update), lengths included so the byte stream parses one way only.
  let o = writeString(0, model);
  o = writeString(o, version);
  scratchView.setUint32(o, sorted.length, true);
  o += 4;
  for (const t of sorted) {
    o = writeString(o, t.name);
    o = writeString(o, t.datatype);
    scratchView.setUint32(o, t.shape.length, true);
    o += 4;
    for (let d = 0; d < t.shape.length; d++, o += 8) scratchView.setFloat64(o, t.shape[d]!, true);
    scratchView.setFloat64(o, t.data.byteLength, true);
    o += 8;
  }
  if (outputs === null) {
    scratchView.setUint32(o, 0xffffffff, true);
    o += 4;
  } else {
    scratchView.setUint32(o, outputs.length, true);
    o += 4;
    for (const out of outputs) {
      o = writeString(o, out.name);
      scratchView.setUint32(o, out.classCount, true);
      o += 4;
    }
  }
  // Without a salt the bytes hashed are the same as before salts existed (keys stay valid).
  if (salt !== '') o = writeString(o, salt);
  const hash = createHash('sha256');
  hash.update(DOMAIN_BYTES);
  hash.update(scratch.subarray(0, o));
  for (const t of sorted) hash.update(t.data);
  return hash.digest().toString('hex', 0, CACHE_KEY_LENGTH / 2);
}
