/**
 * Reads tritonserver's `--metrics-config KEY=VALUE` settings into PrometheusObserver options.
 * It knows the keys and their values only; the CLI owns the flag and its error reporting.
 */
import { invalidArg } from '../../common/index.js';
import type { PrometheusObserverOptions } from './prometheus-observer.js';

/** The `--metrics-config` keys Nereid accepts. */
export const METRICS_CONFIG_KEYS: readonly string[] = Object.freeze([
  'counter_latencies',
  'histogram_latencies',
  'summary_latencies',
]);

function parseBoolean(key: string, text: string): boolean {
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw invalidArg(
    'ERR_BAD_METRICS_CONFIG',
    `--metrics-config ${key} takes true or false: received '${text}'`,
  );
}

/**
 * Parses `--metrics-config` entries (`histogram_latencies=false`, ...). `summary_latencies=true`
 * is refused: Nereid has histograms instead of summaries.
 * @throws ServerError INVALID_ARG `ERR_BAD_METRICS_CONFIG` for an unknown key or bad value
 */
export function parseMetricsConfig(entries: readonly string[]): PrometheusObserverOptions {
  const options: PrometheusObserverOptions = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) {
      throw invalidArg('ERR_BAD_METRICS_CONFIG', `--metrics-config takes KEY=VALUE: received '${entry}'`);
    }
    const key = entry.slice(0, eq);
    const value = entry.slice(eq + 1);
    switch (key) {
      case 'counter_latencies':
        options.counterLatencies = parseBoolean(key, value);
        break;
      case 'histogram_latencies':
        options.histogramLatencies = parseBoolean(key, value);
        break;
      case 'summary_latencies':
        if (parseBoolean(key, value)) {
          throw invalidArg(
            'ERR_BAD_METRICS_CONFIG',
            '--metrics-config summary_latencies=true is not supported: use the latency histograms (on by default)',
          );
        }
        break;
      default:
        throw invalidArg(
          'ERR_BAD_METRICS_CONFIG',
          `Unknown --metrics-config key '${key}': allowed keys are ${METRICS_CONFIG_KEYS.join(', ')}`,
        );
    }
  }
  return options;
}
