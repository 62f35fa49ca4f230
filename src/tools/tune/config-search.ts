/**
 * The two search strategies over a SearchSpace, both driven by an `evaluate` callback that
 * measures a candidate and scores it (higher is better; null when it failed or broke a
 * constraint). Exhaustive measures every distinct candidate. Quick is Model Analyzer's quick
 * search as coordinate ascent: from the first value of every dimension it climbs one dimension
 * at a time, both ways, and stops climbing a dimension when the objective stops rising by the
 * minimum gain or a constraint breaks; passes repeat until one changes nothing.
 */
import { type Candidate, candidateKey } from './candidate.js';
import {
  candidateAt,
  DIMENSIONS,
  type Dimension,
  enumerateCandidates,
  type SearchPoint,
  type SearchSpace,
} from './search-space.js';

/** Measures and scores one candidate; called at most once per candidate key by the strategies. */
export type Evaluate = (candidate: Candidate) => Promise<number | null>;

/** Options of a search. */
export interface SearchLimits {
  /** A score must exceed the best by this many percent of it to replace it. */
  readonly minGainPct: number;
  /** Most distinct candidates evaluated. */
  readonly maxConfigs: number;
  /** Most passes over the dimensions (quick search); default 3. */
  readonly maxPasses?: number;
}

/** Whether `score` beats `best` by at least `minGainPct` percent (any score beats none). */
export function beats(score: number | null, best: number | null, minGainPct: number): boolean {
  if (score === null) return false;
  if (best === null) return true;
  return score > best + (Math.abs(best) * minGainPct) / 100;
}

/** Memoizes `evaluate` by candidate key and counts distinct candidates. */
class Scores {
  private readonly known = new Map<string, number | null>();

  constructor(private readonly evaluate: Evaluate) {}

  get size(): number {
    return this.known.size;
  }

  has(c: Candidate): boolean {
    return this.known.has(candidateKey(c));
  }

  async of(c: Candidate): Promise<number | null> {
    const key = candidateKey(c);
    if (!this.known.has(key)) this.known.set(key, await this.evaluate(c));
    return this.known.get(key)!;
  }
}

/** Measures every distinct candidate of `space` in order, up to `maxConfigs`. */
export async function exhaustiveSearch(
  space: SearchSpace,
  evaluate: Evaluate,
  limits: SearchLimits,
): Promise<void> {
  for (const c of enumerateCandidates(space).slice(0, limits.maxConfigs)) await evaluate(c);
}

function firstPoint(space: SearchSpace, fixed: Partial<SearchPoint>): SearchPoint | null {
  // The first value of every dimension (with `fixed` ones held), or the next point in enumeration order when it is no candidate.
  const free = DIMENSIONS.filter((d) => fixed[d] === undefined);
  const total = free.reduce((n, d) => n * space[d].length, 1);
  for (let i = 0; i < total; i++) {
    let rest = i;
    const point: Record<string, number> = { ...fixed };
    for (let d = free.length - 1; d >= 0; d--) {
      const dim = free[d]!;
      point[dim] = rest % space[dim].length;
      rest = Math.floor(rest / space[dim].length);
    }
    if (candidateAt(space, point as SearchPoint) !== null) return point as SearchPoint;
  }
  return null;
}

/** One climb from `start` over `dims`; resolves with the best point and score, or null when the budget ran out. */
async function climb(
  space: SearchSpace,
  scores: Scores,
  start: SearchPoint,
  dims: readonly Dimension[],
  limits: SearchLimits,
): Promise<{ point: SearchPoint; score: number | null } | null> {
  let best = start;
  let bestScore = await scores.of(candidateAt(space, best)!);
  for (let pass = 0; pass < (limits.maxPasses ?? 3); pass++) {
    let moved = false;
    for (const dim of dims) {
      for (const step of [1, -1]) {
        let previous = bestScore;
        for (let i = best[dim] + step; i >= 0 && i < space[dim].length; i += step) {
          const point: SearchPoint = { ...best, [dim]: i };
          const c = candidateAt(space, point);
          if (c === null || candidateKey(c) === candidateKey(candidateAt(space, best)!)) continue;
          if (!scores.has(c) && scores.size >= limits.maxConfigs) return null;
          const score = await scores.of(c);
          if (beats(score, bestScore, limits.minGainPct)) {
            best = point;
            bestScore = score;
            moved = true;
          } else if (bestScore !== null && !beats(score, previous, 0)) {
            // Stopped rising (or broke a constraint); a rise smaller than the minimum gain walks on,
            // as small steps can add up. Without any score yet the whole dimension is walked.
            break;
          }
          previous = score;
        }
      }
    }
    if (!moved) break;
  }
  return { point: best, score: bestScore };
}

/**
 * Climbs `space` as described in the file header, once for each dynamic batching setting (the
 * settings batching turns on only count together with it, so each side gets its own climb).
 * Moves to a point that is no candidate, or the same candidate, are passed over unmeasured.
 */
export async function quickSearch(
  space: SearchSpace,
  evaluate: Evaluate,
  limits: SearchLimits,
): Promise<void> {
  const scores = new Scores(evaluate);
  const dims = DIMENSIONS.filter((d) => d !== 'dynamicBatching');
  for (let side = 0; side < space.dynamicBatching.length; side++) {
    const start = firstPoint(space, { dynamicBatching: side });
    if (start === null) continue;
    if (!scores.has(candidateAt(space, start)!) && scores.size >= limits.maxConfigs) return;
    if ((await climb(space, scores, start, dims, limits)) === null) return;
  }
}
