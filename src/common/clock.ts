/**
 * Injectable time source. Production code reads time only through a Clock so that schedulers and
 * their tests agree on "now" (tests use ManualClock and never sleep). Timers live in timer.ts.
 */

/** A monotonic time source in nanoseconds, plus wall-clock milliseconds for timestamps. */
export interface Clock {
  /** Monotonic time in nanoseconds (arbitrary origin; use for durations). */
  nowNs(): number;
  /** Wall-clock time in milliseconds since the Unix epoch (use for timestamps). */
  wallMs(): number;
}

/** The process clock: `performance.now()` for durations, `Date.now()` for timestamps. */
export const systemClock: Clock = {
  nowNs: () => Math.round(performance.now() * 1e6),
  wallMs: () => Date.now(),
};

/**
 * `process.hrtime` minus the system clock's nowNs, in ns: a constant within a thread, since both
 * read the same monotonic clock (performance.now() is hrtime since the thread's time origin).
 * Read as the tightest of a few bracketed pairs: a single pair taken at module load can be off by
 * hundreds of µs (the first calls initialise lazily), which moved every worker-reported compute
 * stamp by as much.
 */
const HRTIME_OFFSET_NS = measureHrtimeOffsetNs();

function measureHrtimeOffsetNs(): number {
  let bestSpanNs = Number.POSITIVE_INFINITY;
  let offsetNs = 0;
  for (let i = 0; i < 8; i++) {
    const before = systemClock.nowNs();
    const hrtime = Number(process.hrtime.bigint());
    const after = systemClock.nowNs();
    if (after - before < bestSpanNs) {
      bestSpanNs = after - before;
      offsetNs = hrtime - Math.round((before + after) / 2);
    }
  }
  return offsetNs;
}

/**
 * A `process.hrtime` reading in ns (what worker threads and child processes stamp, one clock for
 * the whole machine) on the system clock's time line (systemClock.nowNs of this thread).
 */
export function hrtimeToClockNs(hrtimeNs: number): number {
  return hrtimeNs - HRTIME_OFFSET_NS;
}

/** A system clock reading in ns (systemClock.nowNs) as a `process.hrtime` reading in ns. */
export function clockToHrtimeNs(clockNs: number): number {
  return clockNs + HRTIME_OFFSET_NS;
}

/** A clock that moves only when told to; for tests. */
export class ManualClock implements Clock {
  /** Current monotonic time in nanoseconds. */
  ns: number;
  /** Wall-clock origin in milliseconds. */
  private readonly wallOriginMs: number;

  constructor(startNs = 0, wallOriginMs = 1_700_000_000_000) {
    this.ns = startNs;
    this.wallOriginMs = wallOriginMs;
  }

  nowNs(): number {
    return this.ns;
  }

  wallMs(): number {
    return this.wallOriginMs + Math.floor(this.ns / 1e6);
  }

  /** Moves time forward by `us` microseconds. */
  advanceUs(us: number): void {
    this.ns += us * 1000;
  }
}
