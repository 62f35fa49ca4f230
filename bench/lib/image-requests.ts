/**
 * The pseudo-image the JSON benchmarks send to text_orientation (FP32 [1,3,48,192], values with six
 * decimals), as a KServe v2 JSON body (543 KB) and as binary tensors (111 KB): bench:json serves
 * them, bench:receive-floor measures what receiving each costs a bare server.
 */
import { binaryRequest } from './binary-request.js';

/** A request's headers and body. */
export interface BenchRequest {
  headers: Record<string, string>;
  body: Uint8Array;
}

/** The same pseudo-image, as JSON and as binary. */
export function imageRequests(): { json: BenchRequest; binary: BenchRequest } {
  const values = new Float32Array(3 * 48 * 192).map((_, i) => Math.round(Math.sin(i) * 1e6) / 1e6);
  const shape = [1, 3, 48, 192];
  const json = Buffer.from(
    JSON.stringify({ inputs: [{ name: 'x', shape, datatype: 'FP32', data: Array.from(values) }] }),
  );
  return {
    json: { headers: { 'Content-Type': 'application/json' }, body: json },
    binary: binaryRequest([{ name: 'x', datatype: 'FP32', shape, data: new Uint8Array(values.buffer) }]),
  };
}
