/**
 * A small seeded PRNG (mulberry32) for synthetic model weights: the same seed gives the same
 * numbers on every platform, so generated models are byte-for-byte reproducible. Not for
 * anything security-related.
 */

/** Deterministic uniform and normal random numbers from a 32-bit seed. */
export class SeededRandom {
  private state: number;

  /** Starts the sequence for `seed` (any integer; taken modulo 2^32). */
  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A uniform number in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A uniform number in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.next();
  }

  /** An integer in [low, high] (both inclusive). */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }

  /** A standard normal number (Box-Muller on two uniforms). */
  normal(): number {
    const u = 1 - this.next(); // (0, 1]: log(u) is finite
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** `count` uniform numbers in [-limit, limit) as a Float32Array. */
  uniformArray(count: number, limit: number): Float32Array {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = this.uniform(-limit, limit);
    return out;
  }
}
