/**
 * TensorNameCodec: tensor names to and from UTF-8 for the worker protocol, with the few names a
 * model has remembered both ways. Every execution packs and unpacks the same handful of names
 * (`INPUT0`, `OUTPUT0`, ...) on both threads; without the cache each costs a TextEncoder or
 * TextDecoder call into C++ and, on the side that uses the name as an object key (onnxruntime's
 * feeds), a string-table lookup, which together showed as ~7 % of a tiny model's worker thread. A
 * decoded name from the cache is the same string object each time, already internalized.
 *
 * Bounded: once MAX_CACHED_NAMES names are cached, others are encoded and decoded as they come.
 */

/** Names cached per direction (a model's inputs and outputs; past this, no caching). */
export const MAX_CACHED_NAMES = 64;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encodes and decodes tensor names; one per thread (see `tensorNames`). */
export class TensorNameCodec {
  private readonly encoded = new Map<string, Uint8Array>();
  private readonly decodedBytes: Uint8Array[] = [];
  private readonly decodedNames: string[] = [];

  /** The UTF-8 bytes of `name` (do not modify them). */
  encode(name: string): Uint8Array {
    let bytes = this.encoded.get(name);
    if (bytes === undefined) {
      bytes = encoder.encode(name);
      if (this.encoded.size < MAX_CACHED_NAMES) this.encoded.set(name, bytes);
    }
    return bytes;
  }

  /** The name whose UTF-8 bytes are `bytes[at, at + length)`. */
  decode(bytes: Uint8Array, at: number, length: number): string {
    const cached = this.decodedBytes;
    search: for (let i = 0; i < cached.length; i++) {
      const candidate = cached[i]!;
      if (candidate.length !== length) continue;
      for (let k = 0; k < length; k++) if (candidate[k] !== bytes[at + k]) continue search;
      return this.decodedNames[i]!;
    }
    const name = decoder.decode(bytes.subarray(at, at + length));
    if (cached.length < MAX_CACHED_NAMES) {
      cached.push(bytes.slice(at, at + length));
      this.decodedNames.push(name);
    }
    return name;
  }
}

/** This thread's codec (each worker thread loads its own copy of this module). */
export const tensorNames = new TensorNameCodec();
