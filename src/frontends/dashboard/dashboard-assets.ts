/**
 * The dashboard's files: a fixed allow-list of URL paths, each mapped to one file shipped in the
 * package (the page, its script and style next to this module in `page/`, and the Chart.js
 * bundle from node_modules), read once into memory when the dashboard is created. No part of a
 * request path ever reaches the filesystem: a path is a key of this table or it is not served.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findChartJsFile, internal } from '../../common/index.js';

/** One served file. */
export interface DashboardAsset {
  /** The file's bytes. */
  readonly body: Buffer;
  /** Its Content-Type. */
  readonly contentType: string;
}

/**
 * The page's Content-Security-Policy: scripts, styles and connections to this origin only, no
 * inline script or style, no plugins, no framing, no form posts.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** URL path → file in `page/`, with its Content-Type (the chart library is added separately). */
const PAGE_FILES: readonly [string, string, string][] = [
  ['/dashboard/', 'index.html', 'text/html; charset=utf-8'],
  ['/dashboard/dashboard.js', 'dashboard.js', 'text/javascript; charset=utf-8'],
  ['/dashboard/dashboard.css', 'dashboard.css', 'text/css; charset=utf-8'],
];

/** URL path of the Chart.js bundle. */
export const CHART_JS_PATH = '/dashboard/chart.umd.min.js';

/**
 * Reads every dashboard file into memory, by URL path.
 * @throws ServerError INTERNAL (ERR_DASHBOARD_ASSET) when a file is missing from the install
 */
export function loadDashboardAssets(): ReadonlyMap<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const [path, file, contentType] of PAGE_FILES) {
    assets.set(path, { body: readAsset(new URL(`./page/${file}`, import.meta.url), file), contentType });
  }
  const chart = findChartJsFile();
  if (chart.file === null) {
    throw internal(
      'ERR_DASHBOARD_ASSET',
      'Cannot serve the dashboard: the chart library "chart.js" is not installed (run "npm install chart.js", or turn the dashboard off with --dashboard=false)',
    );
  }
  assets.set(CHART_JS_PATH, {
    body: readAsset(chart.file, 'chart.umd.min.js'),
    contentType: 'text/javascript; charset=utf-8',
  });
  return assets;
}

function readAsset(location: URL | string, name: string): Buffer {
  try {
    return readFileSync(typeof location === 'string' ? location : fileURLToPath(location));
  } catch (err) {
    throw internal(
      'ERR_DASHBOARD_ASSET',
      `Cannot serve the dashboard: its file '${name}' is missing from the installed package (turn the dashboard off with --dashboard=false)`,
      err,
    );
  }
}
