/**
 * Test helpers that speak KServe v2 HTTP by hand (the protocol as a client writes it): JSON
 * requests, binary-tensor requests with Inference-Header-Content-Length, and parsing of binary
 * responses. Deliberately independent of the server's own codecs, so tests check the wire.
 */

/** A tensor for a binary request: raw little-endian bytes. */
export interface BinaryInput {
  name: string;
  datatype: string;
  shape: number[];
  data: Uint8Array;
}

/** Bytes of a typed array. */
export function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** BYTES wire form of strings. */
export function bytesTensor(values: (string | Uint8Array)[]): Uint8Array {
  const parts = values.map((v) => (typeof v === 'string' ? new TextEncoder().encode(v) : v));
  const out = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const p of parts) {
    dv.setUint32(off, p.length, true);
    out.set(p, off + 4);
    off += 4 + p.length;
  }
  return out;
}

/** Builds a binary-tensor request body. */
export function binaryRequest(
  inputs: BinaryInput[],
  extra: Record<string, unknown> = {},
): { body: Uint8Array; headerLength: number } {
  const header = {
    ...extra,
    inputs: inputs.map((i) => ({
      name: i.name,
      datatype: i.datatype,
      shape: i.shape,
      parameters: { binary_data_size: i.data.length },
    })),
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const body = new Uint8Array(json.length + inputs.reduce((n, i) => n + i.data.length, 0));
  body.set(json, 0);
  let off = json.length;
  for (const i of inputs) {
    body.set(i.data, off);
    off += i.data.length;
  }
  return { body, headerLength: json.length };
}

/** A parsed response: JSON header plus the binary part of each binary output. */
export interface ParsedResponse {
  status: number;
  json: any;
  binary: Map<string, Uint8Array>;
  headers: Headers;
}

/** Reads a (possibly binary) infer response. */
export async function readResponse(res: Response): Promise<ParsedResponse> {
  const buf = new Uint8Array(await res.arrayBuffer());
  const hl = res.headers.get('inference-header-content-length');
  const headerLength = hl === null ? buf.length : Number(hl);
  const text = new TextDecoder().decode(buf.subarray(0, headerLength));
  const json = text === '' ? null : JSON.parse(text);
  const binary = new Map<string, Uint8Array>();
  let off = headerLength;
  for (const out of json?.outputs ?? []) {
    const size = out.parameters?.binary_data_size;
    if (size === undefined) continue;
    binary.set(out.name, buf.subarray(off, off + size));
    off += size;
  }
  return { status: res.status, json, binary, headers: res.headers };
}

/** POSTs a JSON infer request. */
export async function inferJson(
  baseUrl: string,
  model: string,
  body: unknown,
  version = '',
): Promise<ParsedResponse> {
  const path = version === '' ? `/v2/models/${model}/infer` : `/v2/models/${model}/versions/${version}/infer`;
  const res = await fetch(baseUrl + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return readResponse(res);
}

/** POSTs a binary infer request. */
export async function inferBinary(
  baseUrl: string,
  model: string,
  inputs: BinaryInput[],
  extra: Record<string, unknown> = {},
): Promise<ParsedResponse> {
  const { body, headerLength } = binaryRequest(inputs, extra);
  const res = await fetch(`${baseUrl}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: {
      'inference-header-content-length': String(headerLength),
      'content-type': 'application/octet-stream',
    },
    body,
  });
  return readResponse(res);
}

/** INT32 inputs of Triton's `simple` example for batch `rows`. */
export function simpleInputs(rows = 1, base = 0): { a: Int32Array; b: Int32Array } {
  const a = new Int32Array(16 * rows);
  const b = new Int32Array(16 * rows);
  for (let i = 0; i < a.length; i++) {
    a[i] = i + base;
    b[i] = 1 + (i % 3);
  }
  return { a, b };
}
