/**
 * Stitching per-sequence state tensors into one batched tensor along a batch axis, and splitting
 * a batched state output back per sequence. Real models do not always put the batch first:
 * Silero VAD's state is [2, batch, 128] (axis 1). With axis a and a per-sequence shape S:
 *
 *   batched shape = S[0..a) ++ [rows] ++ S[a..)
 *   outer = prod(S[0..a)), inner = prod(S[a..)) * element bytes
 *   batched[o][row] (inner bytes)  <->  sequence row's bytes at o * inner
 *
 * Fixed-size datatypes only (BYTES state is refused at load).
 */

/** Shape of `rows` sequences of shape `perSequence` stitched along `axis`. */
export function batchedStateShape(perSequence: readonly number[], axis: number, rows: number): number[] {
  return [...perSequence.slice(0, axis), rows, ...perSequence.slice(axis)];
}

/** Per-sequence shape of a batched state shape: the `axis` dim removed. */
export function sequenceStateShape(batched: readonly number[], axis: number): number[] {
  return [...batched.slice(0, axis), ...batched.slice(axis + 1)];
}

function product(shape: readonly number[], from: number, to: number): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/**
 * Stitches equally shaped per-sequence states (`parts[row]`, each of shape `perSequence`) along
 * `axis` into one new buffer.
 */
export function stitchStates(
  parts: readonly Uint8Array[],
  perSequence: readonly number[],
  axis: number,
  elementBytes: number,
): Uint8Array {
  const rows = parts.length;
  const outer = product(perSequence, 0, axis);
  const inner = product(perSequence, axis, perSequence.length) * elementBytes;
  const out = new Uint8Array(outer * rows * inner);
  if (outer === 1) {
    for (let r = 0; r < rows; r++) out.set(parts[r]!, r * inner);
    return out;
  }
  for (let o = 0; o < outer; o++) {
    const from = o * inner;
    const base = o * rows * inner;
    for (let r = 0; r < rows; r++) out.set(parts[r]!.subarray(from, from + inner), base + r * inner);
  }
  return out;
}

/**
 * Copies row `row` of a batched state (`data` of shape `batched`, batch dim at `axis`) into a new
 * per-sequence buffer (a copy, so it outlives the worker's output buffer).
 */
export function extractState(
  data: Uint8Array,
  batched: readonly number[],
  axis: number,
  row: number,
  elementBytes: number,
): Uint8Array {
  const rows = batched[axis]!;
  const outer = product(batched, 0, axis);
  const inner = product(batched, axis + 1, batched.length) * elementBytes;
  const out = new Uint8Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    const from = (o * rows + row) * inner;
    out.set(data.subarray(from, from + inner), o * inner);
  }
  return out;
}
