/**
 * Builds HTTP inference request bodies for the protocol tests: a JSON header followed by binary
 * parts, with the matching Inference-Header-Content-Length.
 */

/** A request body and its header length. */
export interface BuiltBody {
  body: Uint8Array;
  headerLength: number;
}

/** Concatenates a JSON header (object or raw text) and binary parts. */
export function buildBody(header: unknown, parts: readonly Uint8Array[] = []): BuiltBody {
  const text = typeof header === 'string' ? header : JSON.stringify(header);
  const json = new TextEncoder().encode(text);
  let total = json.length;
  for (const p of parts) total += p.length;
  const body = new Uint8Array(total);
  body.set(json, 0);
  let pos = json.length;
  for (const p of parts) {
    body.set(p, pos);
    pos += p.length;
  }
  return { body, headerLength: json.length };
}

/** The bytes of a typed array (a copy). */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

/** A JSON-only request body (no binary parts). */
export function jsonBody(header: unknown): Uint8Array {
  return new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
}
