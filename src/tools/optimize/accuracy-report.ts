/**
 * Accuracy of a variant against its source on the same inputs, per output: max and mean absolute
 * error, max relative error, cosine similarity and, for classifier outputs ([rows, classes] with
 * at least two classes), top-1 agreement. Batches are added one at a time; thresholds turn the
 * totals into a verdict. Running the models is the caller's business.
 */
import { float16BitsToFloat32 } from '../onnx/index.js';
import type { WireTensor } from './measure-protocol.js';

/** Accuracy of one output. */
export interface OutputAccuracy {
  /** Output name. */
  name: string;
  /** Largest |variant − source|. */
  maxAbsError: number;
  /** Mean |variant − source|. */
  meanAbsError: number;
  /** Largest |variant − source| / max(|source|, 1e-3). */
  maxRelError: number;
  /** Cosine similarity of the flattened outputs (1 = same direction). */
  cosine: number;
  /** Fraction of rows whose arg-max class agrees, for classifier outputs; null otherwise. */
  top1Agreement: number | null;
  /** Rows compared for top-1 (0 when not a classifier). */
  rows: number;
}

/** Accuracy of a variant: per output, and the verdict against the thresholds. */
export interface AccuracyReport {
  /** Per output, in session order. */
  outputs: OutputAccuracy[];
  /** Largest max-abs error over the outputs. */
  maxAbsError: number;
  /** Lowest top-1 agreement over classifier outputs; null without classifier outputs. */
  top1Agreement: number | null;
  /** Whether a threshold was crossed. */
  flagged: boolean;
  /** What was crossed, as sentences. */
  reasons: string[];
}

/** Limits a variant must stay within. */
export interface AccuracyThresholds {
  /** Largest acceptable max-abs error; default none. */
  maxAbsError?: number;
  /** Lowest acceptable top-1 agreement in [0, 1]; default none. */
  minTop1?: number;
}

interface Totals {
  maxAbs: number;
  sumAbs: number;
  count: number;
  maxRel: number;
  dot: number;
  normA: number;
  normB: number;
  agree: number;
  rows: number;
  classifier: boolean;
}

/** Accumulates source/variant output pairs batch by batch. */
export class AccuracyAccumulator {
  private readonly totals = new Map<string, Totals>();

  /** Adds one batch: outputs of the source and of the variant for the same inputs, matched by name. */
  add(source: readonly WireTensor[], variant: readonly WireTensor[]): void {
    for (const a of source) {
      const b = variant.find((t) => t.name === a.name);
      if (!b) continue;
      const x = asNumbers(a);
      const y = asNumbers(b);
      if (!x || !y) continue;
      let t = this.totals.get(a.name);
      if (!t) {
        const classifier = a.dims.length === 2 && a.dims[1]! >= 2;
        t = {
          maxAbs: 0,
          sumAbs: 0,
          count: 0,
          maxRel: 0,
          dot: 0,
          normA: 0,
          normB: 0,
          agree: 0,
          rows: 0,
          classifier,
        };
        this.totals.set(a.name, t);
      }
      const n = Math.min(x.length, y.length);
      for (let i = 0; i < n; i++) {
        const d = Math.abs(y[i]! - x[i]!);
        if (d > t.maxAbs || Number.isNaN(d)) t.maxAbs = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
        t.sumAbs += d;
        const rel = d / Math.max(Math.abs(x[i]!), 1e-3);
        if (rel > t.maxRel) t.maxRel = rel;
        t.dot += x[i]! * y[i]!;
        t.normA += x[i]! * x[i]!;
        t.normB += y[i]! * y[i]!;
      }
      t.count += n;
      if (t.classifier) {
        const classes = a.dims[1]!;
        for (let r = 0; r < a.dims[0]!; r++) {
          if (argMax(x, r * classes, classes) === argMax(y, r * classes, classes)) t.agree++;
          t.rows++;
        }
      }
    }
  }

  /** The report so far, judged against `thresholds`. */
  report(thresholds: AccuracyThresholds = {}): AccuracyReport {
    const outputs: OutputAccuracy[] = [...this.totals].map(([name, t]) => ({
      name,
      maxAbsError: t.maxAbs,
      meanAbsError: t.count > 0 ? t.sumAbs / t.count : 0,
      maxRelError: t.maxRel,
      cosine: t.normA > 0 && t.normB > 0 ? t.dot / Math.sqrt(t.normA * t.normB) : t.normA === t.normB ? 1 : 0,
      top1Agreement: t.classifier && t.rows > 0 ? t.agree / t.rows : null,
      rows: t.classifier ? t.rows : 0,
    }));
    const maxAbsError = outputs.reduce((m, o) => Math.max(m, o.maxAbsError), 0);
    const tops = outputs.map((o) => o.top1Agreement).filter((v): v is number => v !== null);
    const top1Agreement = tops.length > 0 ? Math.min(...tops) : null;
    const reasons: string[] = [];
    if (thresholds.maxAbsError !== undefined && !(maxAbsError <= thresholds.maxAbsError)) {
      reasons.push(
        `Max abs error ${maxAbsError.toExponential(3)} exceeds --max-abs-error ${thresholds.maxAbsError}`,
      );
    }
    if (thresholds.minTop1 !== undefined && top1Agreement !== null && top1Agreement < thresholds.minTop1) {
      reasons.push(
        `Top-1 agreement ${(top1Agreement * 100).toFixed(2)}% is below --min-top1 ${(thresholds.minTop1 * 100).toFixed(2)}%`,
      );
    }
    return { outputs, maxAbsError, top1Agreement, flagged: reasons.length > 0, reasons };
  }
}

function asNumbers(t: WireTensor): ArrayLike<number> | null {
  if (t.type === 'float16') return Float32Array.from(t.data as Uint16Array, float16BitsToFloat32);
  if (t.type === 'int64' || t.type === 'uint64') return Float64Array.from(t.data as BigInt64Array, Number);
  if (t.type === 'string' || t.type === '') return null;
  return t.data as ArrayLike<number>;
}

function argMax(v: ArrayLike<number>, offset: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[offset + i]! > v[offset + best]!) best = i;
  return best;
}
