/**
 * The arithmetic of int8 quantisation: symmetric per-channel int8 weights, asymmetric uint8
 * activation parameters from a calibrated range, int32 biases at the product scale, and the
 * min-max / percentile range of calibration samples. Pure functions on typed arrays; which
 * tensors get quantised is decided in int8-quantizer.ts.
 */

/**
 * Per-channel symmetric int8 weights: q = round(w / scale[c]), clamped to [-127, 127], or to
 * [-64, 64] with `reduceRange` (7 bits, onnxruntime.quantization's reduce_range: no u8×s8 pair
 * sum can saturate int16 on CPUs without VNNI).
 */
export interface PerChannelWeights {
  /** Quantised values, same layout as the input. */
  values: Int8Array;
  /** One scale per channel along the axis. */
  scales: Float32Array;
}

/** Quantises `w` (row-major, shape `dims`) per channel along `axis` */
export function quantizePerChannel(
  w: Float32Array,
  dims: readonly number[],
  axis: number,
  reduceRange = false,
): PerChannelWeights {
  const qMax = reduceRange ? 64 : 127;
  const channels = dims[axis]!;
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const maxAbs = new Float32Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    const v = Math.abs(w[i]!);
    if (v > maxAbs[c]!) maxAbs[c] = v;
  }
  const scales = new Float32Array(channels);
  for (let c = 0; c < channels; c++) scales[c] = maxAbs[c]! > 0 ? maxAbs[c]! / qMax : 1;
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner) % channels;
    values[i] = clamp(Math.round(w[i]! / scales[c]!), -qMax, qMax);
  }
  return { values, scales };
}

/** uint8 activation quantisation parameters. */
export interface ActivationParams {
  /** Step between adjacent quantised values. */
  scale: number;
  /** The uint8 value that represents 0.0. */
  zeroPoint: number;
}

/**
 * Asymmetric uint8 parameters covering [lo, hi] (the range is widened to include 0); with
 * `reduceRange` the values use [0, 127] (7 bits)
 */
export function activationParams(lo: number, hi: number, reduceRange = false): ActivationParams {
  const qMax = reduceRange ? 127 : 255;
  const min = Math.min(lo, 0);
  const max = Math.max(hi, 0);
  const scale = max > min ? (max - min) / qMax : 1;
  return { scale, zeroPoint: clamp(Math.round(-min / scale), 0, qMax) + 0 };
}

/** int32 bias for a quantised Conv/MatMul: round(b[c] / (inputScale * weightScales[c])) */
export function quantizeBias(
  bias: Float32Array,
  inputScale: number,
  weightScales: Float32Array,
): {
  values: Int32Array;
  scales: Float32Array;
} {
  const values = new Int32Array(bias.length);
  const scales = new Float32Array(bias.length);
  for (let c = 0; c < bias.length; c++) {
    const s = inputScale * weightScales[weightScales.length === 1 ? 0 : c]!;
    scales[c] = s;
    values[c] = clamp(Math.round(bias[c]! / s), -2147483647, 2147483647);
  }
  return { values, scales };
}

/** How calibration turns observed values into a range. */
export type CalibrationMethod = 'minmax' | 'percentile';

/** Running statistics of one tensor over calibration batches. */
export class RangeCollector {
  /** Smallest value seen. */
  min = Number.POSITIVE_INFINITY;
  /** Largest value seen. */
  max = Number.NEGATIVE_INFINITY;
  private readonly samples: number[] = [];
  private readonly maxSamples: number;

  /** `maxSamples` bounds the values kept for percentiles (default 200000). */
  constructor(maxSamples = 200_000) {
    this.maxSamples = maxSamples;
  }

  /** Adds a batch of observed values. */
  add(values: ArrayLike<number>): void {
    const stride = Math.max(1, Math.ceil(values.length / 20_000));
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      if (i % stride === 0 && this.samples.length < this.maxSamples) this.samples.push(v);
    }
  }

  /** The range: [min, max], or the `percentile` and `100 - percentile` quantiles of the samples. */
  range(method: CalibrationMethod, percentile = 99.99): [number, number] {
    if (method === 'minmax' || this.samples.length === 0) return [this.min, this.max];
    const sorted = Float64Array.from(this.samples).sort();
    const at = (p: number): number =>
      sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((p / 100) * (sorted.length - 1))))]!;
    return [at(100 - percentile), at(percentile)];
  }
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
