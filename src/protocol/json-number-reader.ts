/**
 * Reads one JSON number straight from request body bytes, with exactly JSON's grammar
 * (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`: no `+`, no leading zeros, no `.5`, no `1.`,
 * no hex, no NaN/Infinity) and exactly the double JSON.parse gives for the same text. Used by the
 * tensor `data` scanner (json-span-to-wire.ts); not a general JSON parser.
 *
 * Why hand-written: no npm package parses JSON numbers from bytes into doubles without building
 * native code (simdjson's Node bindings are node-gyp addons) or going through a string per
 * number, which costs what JSON.parse costs (ADR 0024).
 */

/** 10^0 … 10^22: every one is an exact double, so one multiply or divide by it rounds once. */
const POW10 = [
  1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19,
  1e20, 1e21, 1e22,
];

/** Veltkamp's splitter for doubles (2^27 + 1): splits a double into two 26-bit halves. */
const SPLIT = 134217729;

/** Significant digits a double holds exactly as an integer (10^15 < 2^53). */
const EXACT_DIGITS = 15;

/** Significant digits the double-double path takes (10^19 < 2^64, two doubles hold it exactly). */
const MAX_DD_DIGITS = 19;

/**
 * Decimal exponents the double-double path takes: a few steps of 10^22 keep its error far below
 * the rounding check's margin, and the results stay clear of subnormals and overflow.
 */
const MIN_DD_EXPONENT = -110;
const MAX_DD_EXPONENT = 88;

/** Relative margin of the rounding check (2^-96): far above the double-double error (~2^-100). */
const ROUNDING_MARGIN = 2 ** -96;

const ASCII = new TextDecoder('latin1');

/**
 * Reads JSON numbers from bytes. One instance per scan (fields, not a result object per number).
 *
 * Each number ends in one of three ways: ≤15 significant digits and |exponent| ≤ 22 (Clinger's
 * fast path: one correctly rounded multiply or divide of exact doubles); ≤19 digits (a
 * double-double product or quotient, accepted only when a margin far above its error cannot change
 * the rounding); anything else (more digits, huge exponents, exact ties) through `Number()` of the
 * token's text, which is the same string-to-double V8's JSON.parse uses.
 */
export class JsonNumberReader {
  /** The value of the last number read. */
  value: number;
  /**
   * The first 15 and the next up to 4 significant digits, handed to exact() through fields:
   * doubles passed as arguments to a call that is not inlined are boxed (8 % of the read time).
   */
  private digitsHi: number;
  private digitsLo: number;

  constructor() {
    // Non-integral starting values give the fields a double representation from the start.
    this.value = 0.5;
    this.digitsHi = 0.5;
    this.digitsLo = 0.5;
  }

  /**
   * Reads the number starting at `bytes[pos]`; returns the index just after it, or -1 when the
   * bytes there are not a JSON number. The caller guarantees a non-numeric byte before the end of
   * `bytes` (the scanner's closing `]`), so no bounds are checked per byte.
   */
  read(bytes: Uint8Array, pos: number): number {
    const start = pos;
    let p = pos;
    let c = bytes[p]!;
    let negative = false;
    if (c === 0x2d) {
      negative = true;
      c = bytes[++p]!;
    }
    // Significant digits: `hi` holds the first 15, `lo` the next up to 4 (`loDigits` of them).
    let hi = 0;
    let lo = 0;
    let loDigits = 0;
    let digits = 0;
    let exponent = 0;
    let tooLong = false;
    if (c === 0x30) {
      c = bytes[++p]!;
      if (c >= 0x30 && c <= 0x39) return -1; // leading zero
    } else if (c >= 0x31 && c <= 0x39) {
      do {
        if (digits < EXACT_DIGITS) hi = hi * 10 + (c - 0x30);
        else if (digits < MAX_DD_DIGITS) {
          lo = lo * 10 + (c - 0x30);
          loDigits++;
        } else tooLong = true;
        digits++;
        c = bytes[++p]!;
      } while (c >= 0x30 && c <= 0x39);
      if (digits > MAX_DD_DIGITS) exponent = digits - MAX_DD_DIGITS;
    } else {
      return -1;
    }
    if (c === 0x2e) {
      c = bytes[++p]!;
      if (c < 0x30 || c > 0x39) return -1;
      do {
        if (digits === 0 && c === 0x30) {
          exponent--; // a zero before the first significant digit
        } else if (digits < MAX_DD_DIGITS) {
          if (digits < EXACT_DIGITS) hi = hi * 10 + (c - 0x30);
          else {
            lo = lo * 10 + (c - 0x30);
            loDigits++;
          }
          digits++;
          exponent--;
        } else {
          tooLong = true;
        }
        c = bytes[++p]!;
      } while (c >= 0x30 && c <= 0x39);
    }
    if (c === 0x65 || c === 0x45) {
      c = bytes[++p]!;
      let expNegative = false;
      if (c === 0x2d || c === 0x2b) {
        expNegative = c === 0x2d;
        c = bytes[++p]!;
      }
      if (c < 0x30 || c > 0x39) return -1;
      let e = 0;
      do {
        // Past 10^6 the value is 0 or Infinity whatever the digits: Number() decides.
        if (e < 1e6) e = e * 10 + (c - 0x30);
        c = bytes[++p]!;
      } while (c >= 0x30 && c <= 0x39);
      exponent += expNegative ? -e : e;
    }
    if (digits === 0) {
      this.value = negative ? -0 : 0;
      return p;
    }
    let v: number;
    this.digitsHi = hi;
    this.digitsLo = lo;
    if (tooLong || !this.exact(loDigits, exponent)) {
      v = Number(ASCII.decode(bytes.subarray(negative ? start + 1 : start, p)));
    } else {
      v = this.value;
    }
    this.value = negative ? -v : v;
    return p;
  }

  /**
   * Sets `value` to (digitsHi·10^loDigits + digitsLo)·10^exponent correctly rounded and returns
   * true, or false when it cannot prove the rounding (the caller then uses Number()). Locals
   * only: this runs once per 16–19-digit number, which is what float32 values printed by Python are.
   */
  private exact(loDigits: number, exponent: number): boolean {
    const hi = this.digitsHi;
    const lo = this.digitsLo;
    if (loDigits === 0 && exponent >= -22 && exponent <= 22) {
      // Clinger: both operands exact, so the one IEEE operation rounds correctly.
      this.value = exponent < 0 ? hi / POW10[-exponent]! : hi * POW10[exponent]!;
      return true;
    }
    if (exponent < MIN_DD_EXPONENT || exponent > MAX_DD_EXPONENT) return false;
    // The significand as an exact double-double h + l: hi·10^loDigits (≤ 64 bits, Dekker's exact
    // product) + lo. Both error terms are integers below 2^12, so their sum is exact.
    let h = hi;
    let l = 0;
    if (loDigits > 0) {
      const m = POW10[loDigits]!;
      const p = hi * m;
      let t = SPLIT * hi;
      const ah = t - (t - hi);
      const al = hi - ah;
      t = SPLIT * m;
      const bh = t - (t - m);
      const bl = m - bh;
      const pl = ah * bh - p + ah * bl + al * bh + al * bl;
      const s = p + lo;
      const bv = s - p;
      const err = p - (s - bv) + (lo - bv) + pl;
      h = s + err;
      l = err - (h - s);
    }
    let e = exponent;
    while (e !== 0) {
      // One step multiplies or divides h + l by an exact power of ten (relative error ~2^-104).
      const step = Math.max(-22, Math.min(22, e));
      e -= step;
      const d = POW10[step < 0 ? -step : step]!;
      let t = SPLIT * d;
      const dh = t - (t - d);
      const dl = d - dh;
      if (step < 0) {
        const q1 = h / d;
        t = SPLIT * q1;
        const qh = t - (t - q1);
        const ql = q1 - qh;
        const p = q1 * d;
        const pl = qh * dh - p + qh * dl + ql * dh + ql * dl;
        const q2 = (h - p - pl + l) / d;
        h = q1 + q2;
        l = q2 - (h - q1);
      } else {
        t = SPLIT * h;
        const hh = t - (t - h);
        const hl = h - hh;
        const p = h * d;
        const pl = hh * dh - p + hh * dl + hl * dh + hl * dl + l * d;
        h = p + pl;
        l = pl - (h - p);
      }
    }
    // Rounding is monotonic: if the value nudged down and up by far more than the double-double
    // error rounds to one double, the exact value rounds to it too. Ties and near-ties fail here.
    const margin = (h < 0 ? -h : h) * ROUNDING_MARGIN;
    const up = h + (l + margin);
    if (up !== h + (l - margin)) return false;
    this.value = up;
    return true;
  }
}
