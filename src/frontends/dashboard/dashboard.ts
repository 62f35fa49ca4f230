/**
 * The live dashboard served on the HTTP port: `GET /dashboard/` and its files from memory
 * (dashboard-assets.ts), `GET /dashboard/events` as a server-sent-events stream (dashboard-feed.ts),
 * `/dashboard` redirected to `/dashboard/` so the page's relative URLs resolve. It answers only
 * the dashboard's paths; routing, methods and access restrictions are the HTTP frontend's.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TimerFactory } from '../../common/index.js';
import { invalidArg, unavailable } from '../../common/index.js';
import type { InferenceServer } from '../../core/index.js';
import { DASHBOARD_CSP, type DashboardAsset, loadDashboardAssets } from './dashboard-assets.js';
import { DashboardFeed } from './dashboard-feed.js';
import { DashboardSampler, type LatencyHistograms } from './dashboard-sampler.js';

/**
 * Checks the options a Dashboard is created with (its constructor runs this; the CLI runs it
 * before any model loads).
 * @throws ServerError INVALID_ARG naming the flag and the received value
 */
export function checkDashboardOptions(options: DashboardOptions): void {
  const max = options.maxSubscribers;
  if (max !== undefined && !(Number.isSafeInteger(max) && max >= 1)) {
    throw invalidArg('ERR_BAD_DASHBOARD_OPTION', `--dashboard-max-clients must be >= 1: received ${max}`);
  }
}

/** Options of the dashboard (the `--dashboard*` flags). */
export interface DashboardOptions {
  /** Most open event streams (pages); one more gets 503 [--dashboard-max-clients]; default 16. */
  maxSubscribers?: number;
  /** Time between frames in ms; default 1000. */
  intervalMs?: number;
  /** Most bytes queued on one stream before it is dropped; default 1 MiB. */
  maxUnsentBytes?: number;
  /** Latency histograms for p50/p99 and LLM token totals (the metrics observer); default none (percentiles and token figures absent). */
  latency?: LatencyHistograms | null;
  /** Timer maker; default setTimeout-based. */
  timerFactory?: TimerFactory;
}

/** Path of the event stream. */
export const DASHBOARD_EVENTS_PATH = '/dashboard/events';

/** Headers of every dashboard file. */
const FILE_HEADERS = {
  'Content-Security-Policy': DASHBOARD_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-cache',
};

/** The dashboard of one HTTP frontend. */
export class Dashboard {
  /** The event fan-out. */
  readonly feed: DashboardFeed;
  /** What the frames are read from. */
  readonly sampler: DashboardSampler;
  private readonly assets: ReadonlyMap<string, DashboardAsset>;

  constructor(
    server: InferenceServer,
    connections: { readonly openConnections: number },
    options: DashboardOptions = {},
  ) {
    checkDashboardOptions(options);
    this.assets = loadDashboardAssets();
    this.sampler = new DashboardSampler(server, { latency: options.latency ?? null, connections });
    this.feed = new DashboardFeed(this.sampler, {
      clock: server.clock,
      timerFactory: options.timerFactory,
      maxSubscribers: options.maxSubscribers,
      intervalMs: options.intervalMs,
      maxUnsentBytes: options.maxUnsentBytes,
    });
  }

  /**
   * Answers a GET under `/dashboard`: a file of the allow-list, the event stream, the redirect,
   * or 404. `closing` refuses new streams (the server is draining).
   * @throws ServerError UNAVAILABLE (ERR_DASHBOARD_CLIENTS) when the streams are at their bound
   */
  handle(req: IncomingMessage, res: ServerResponse, closing: boolean): void {
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (path === DASHBOARD_EVENTS_PATH) {
      this.openStream(res, closing);
      return;
    }
    if (path === '/dashboard') {
      res.writeHead(308, { Location: 'dashboard/', 'Content-Length': 0 });
      res.end();
      return;
    }
    const asset = this.assets.get(path);
    if (asset === undefined) {
      const text = Buffer.from(JSON.stringify({ error: 'Not Found' }));
      res.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': text.length });
      res.end(text);
      return;
    }
    res.writeHead(200, {
      ...FILE_HEADERS,
      'Content-Type': asset.contentType,
      'Content-Length': asset.body.length,
    });
    res.end(asset.body);
  }

  /** Ends every open stream (the frontend is closing). */
  close(): void {
    this.feed.close();
  }

  private openStream(res: ServerResponse, closing: boolean): void {
    if (closing) throw unavailable('ERR_DASHBOARD_CLIENTS', 'The server is shutting down', 1);
    if (!this.feed.hasRoom) {
      throw unavailable(
        'ERR_DASHBOARD_CLIENTS',
        `Too many open dashboards: ${this.feed.subscriberCount} streams are open (--dashboard-max-clients ${this.feed.maxSubscribers})`,
        5,
      );
    }
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'X-Accel-Buffering': 'no',
    });
    res.socket?.setNoDelay(true);
    this.feed.subscribe(res);
  }
}
