/**
 * Finds the Chart.js UMD bundle in node_modules (the `chart.js` dependency), for the pages that
 * ship it: perf and tune HTML reports inline it, the dashboard serves it. It only locates the
 * file; what to do when it is missing is the caller's.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The Chart.js UMD files looked for, in order, inside the package's `dist/`. */
export const CHART_JS_FILES: readonly string[] = ['chart.umd.min.js', 'chart.umd.js'];

/** Where the Chart.js bundle was looked for and what was found. */
export interface ChartJsLocation {
  /** Absolute path of the bundle, or null when the package or both files are missing. */
  file: string | null;
  /** The package's `dist/` directory, or null when the package is not installed. */
  dist: string | null;
}

/** Locates the Chart.js UMD bundle from this module's node_modules. */
export function findChartJsFile(): ChartJsLocation {
  const require = createRequire(import.meta.url);
  let dist: string | null;
  try {
    dist = dirname(require.resolve('chart.js'));
  } catch {
    return { file: null, dist: null };
  }
  for (const name of CHART_JS_FILES) {
    const file = join(dist, name);
    if (existsSync(file)) return { file, dist };
  }
  return { file: null, dist };
}
