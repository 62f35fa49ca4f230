/**
 * The binary-tensor request the A/B benchmarks send to a bundled example model: `simple` (two
 * INT32 [1,16] inputs, 128 bytes of tensor data) or `text_orientation` (one FP32 [1,3,48,192]
 * input, 110 592 bytes, a real model's run of ~1.5 ms). Other models are refused by name.
 */
import { binaryRequest } from './binary-request.js';

/** Models benchRequest knows. */
export const BENCH_MODELS = ['simple', 'text_orientation'] as const;

/** The request body and headers for `model`; throws for a model it does not know. */
export function benchRequest(model: string): ReturnType<typeof binaryRequest> {
  if (model === 'simple') {
    const a = new Int32Array(16).map((_, i) => i);
    const b = new Int32Array(16).fill(1);
    return binaryRequest([
      { name: 'INPUT0', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(a.buffer) },
      { name: 'INPUT1', datatype: 'INT32', shape: [1, 16], data: new Uint8Array(b.buffer) },
    ]);
  }
  if (model === 'text_orientation') {
    const pixels = new Float32Array(3 * 48 * 192).map((_, i) => Math.sin(i * 0.01));
    return binaryRequest([
      { name: 'x', datatype: 'FP32', shape: [1, 3, 48, 192], data: new Uint8Array(pixels.buffer) },
    ]);
  }
  throw new Error(`No benchmark request for model "${model}": use one of ${BENCH_MODELS.join(', ')}`);
}
