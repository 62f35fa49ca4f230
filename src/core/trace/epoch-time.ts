/**
 * Wall-clock time of a core clock reading, for OpenTelemetry (which timestamps in Unix-epoch
 * HrTime). The system clock's zero is `performance.timeOrigin` (epoch ms); the sum is formed in
 * seconds and nanoseconds separately, since epoch nanoseconds exceed a double's exact range.
 */
import type { HrTime } from '@opentelemetry/api';

const ORIGIN_S = Math.floor(performance.timeOrigin / 1000);
const ORIGIN_NS = Math.round((performance.timeOrigin - ORIGIN_S * 1000) * 1e6);

/** `[seconds, nanoseconds]` since the Unix epoch of a systemClock.nowNs reading. */
export function clockToEpochHrTime(clockNs: number): HrTime {
  const total = ORIGIN_NS + Math.round(clockNs);
  const seconds = Math.floor(total / 1e9);
  return [ORIGIN_S + seconds, total - seconds * 1e9];
}
