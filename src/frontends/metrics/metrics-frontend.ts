/**
 * The metrics endpoint (`--metrics-port`, default 8002) on node:http: `GET /metrics` renders the
 * PrometheusObserver with the core's current queue lengths, in the Prometheus text format
 * (gzipped when the scraper accepts it). Any other path is 404 and any other method 405. It
 * counts nothing itself and never touches the inference path.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzip } from 'node:zlib';
import type { InferenceServer } from '../../core/index.js';
import type { PrometheusObserver } from './prometheus-observer.js';

/** Metrics endpoint options (tritonserver's flag names in brackets). */
export interface MetricsFrontendOptions {
  /** Port [--metrics-port]; 0 picks a free one; default 8002. */
  port?: number;
  /** Address to bind [--metrics-address]; default '0.0.0.0'. */
  address?: string;
}

/** Serves `GET /metrics`. */
export class MetricsFrontend {
  private readonly server: InferenceServer;
  private readonly observer: PrometheusObserver;
  private readonly http: Server;
  private readonly port: number;
  private readonly address: string;

  constructor(server: InferenceServer, observer: PrometheusObserver, options: MetricsFrontendOptions = {}) {
    this.server = server;
    this.observer = observer;
    this.port = options.port ?? 8002;
    this.address = options.address ?? '0.0.0.0';
    this.http = createServer({ keepAlive: true }, (req, res) => this.onRequest(req, res));
  }

  /** Starts listening; resolves with the bound address and port. */
  listen(): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(this.port, this.address, () => {
        this.http.off('error', reject);
        resolve(this.http.address() as AddressInfo);
      });
    });
  }

  /** Stops accepting scrapes and closes idle connections; resolves when the server is closed. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.http.close(() => resolve());
      this.http.closeIdleConnections();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path !== '/metrics') {
      sendError(res, 404, `Unknown path '${path}': metrics are served at /metrics`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      sendError(res, 405, `Method ${req.method} is not allowed on /metrics: allowed methods are GET, HEAD`);
      return;
    }
    const acceptsGzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    this.observer.render(this.server.pendingCounts()).then(
      (text) => sendText(res, req.method === 'HEAD', text, this.observer.contentType, acceptsGzip),
      (err: unknown) => sendError(res, 500, `Cannot render metrics: ${(err as Error).message}`),
    );
  }
}

function sendText(res: ServerResponse, headOnly: boolean, text: string, type: string, zip: boolean): void {
  const body = Buffer.from(text);
  if (!zip) {
    res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
    res.end(headOnly ? undefined : body);
    return;
  }
  gzip(body, (err, packed) => {
    if (err !== null) {
      res.writeHead(200, { 'Content-Type': type, 'Content-Length': body.length });
      res.end(headOnly ? undefined : body);
      return;
    }
    res.writeHead(200, { 'Content-Type': type, 'Content-Encoding': 'gzip', 'Content-Length': packed.length });
    res.end(headOnly ? undefined : packed);
  });
}

function sendError(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(JSON.stringify({ error: message }));
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length });
  res.end(body);
}
