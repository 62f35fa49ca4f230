/**
 * Converts feeds between the element types of a source and its variant: when a float16 variant
 * takes float16 inputs (`--fp16-io`), the float32 rows are rounded to float16 bits so both models
 * see the same values. Only float32 → float16 is needed; other types pass through unchanged.
 */
import { float32ToFloat16Bits } from '../onnx/index.js';
import type { ModelIo, WireTensor } from './measure-protocol.js';

/** `feeds` with each float32 tensor converted to float16 where `inputs` declares float16 */
export function adaptFeeds(feeds: readonly WireTensor[], inputs: readonly ModelIo[]): WireTensor[] {
  return feeds.map((t) => {
    const want = inputs.find((i) => i.name === t.name)?.type;
    if (want !== 'float16' || t.type !== 'float32') return t;
    const src = t.data as Float32Array;
    const bits = new Uint16Array(src.length);
    for (let i = 0; i < src.length; i++) bits[i] = float32ToFloat16Bits(src[i]!);
    return { name: t.name, type: 'float16', dims: t.dims, data: bits };
  });
}
