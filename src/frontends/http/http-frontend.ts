/**
 * The KServe v2 HTTP/REST frontend on node:http (or node:https with TLS): routes Triton's endpoints
 * (and the OpenAI-compatible `/v1/` API, frontends/openai) to the core facade, reads bodies with a
 * size limit, an in-flight byte budget and compression, answers errors as `{"error": "..."}` with
 * Triton's status mapping, and cancels queued requests of clients that disconnect. Connections are
 * bounded in number and in the time a request may take to arrive (http-limits.ts); shutdown drains
 * them without resetting a request (http-drain.ts). The live dashboard (../dashboard/) is served
 * under `/dashboard` unless turned off. Large JSON inference bodies are decoded by a pool of worker
 * threads (json-decode-pool.ts). It holds no scheduling state.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { invalidArg, notFound } from '../../common/index.js';
import type { InferenceServer, Tracer } from '../../core/index.js';
import { modelConfigToJson } from '../../core/index.js';
import { carriesRestrictionValue, type Restriction, type Restrictions } from '../access/index.js';
import { Dashboard, type DashboardOptions } from '../dashboard/index.js';
import {
  handleOpenAiGeneration,
  handleOpenAiModel,
  handleOpenAiModels,
  OpenAiEndpoint,
  sendOpenAiError,
  sendOpenAiRefusal,
} from '../openai/index.js';
import { checkServerTls, type ServerTlsOptions } from '../server-tls.js';
import { collectBody } from './http-body.js';
import { HttpConnectionGuard } from './http-connection-guard.js';
import { drainHttpServer } from './http-drain.js';
import { handleGenerate } from './http-generate.js';
import { HttpInferExchange } from './http-infer-exchange.js';
import { type HttpLimits, type HttpLimitsOptions, resolveHttpLimits } from './http-limits.js';
import { handleLogging } from './http-logging.js';
import { readBodyOrAnswer, sendEmpty, sendError, sendErrorStatus, sendJson } from './http-reply.js';
import { handleRepositoryControl } from './http-repository.js';
import { matchRoute, ROUTE_CATEGORY, type Route, RouteKind } from './http-router.js';
import { handleSharedMemory } from './http-shared-memory.js';
import { sampleHttpRequest } from './http-trace.js';
import { handleTraceSetting } from './http-trace-setting.js';
import { InflightBytes } from './inflight-bytes.js';
import { parseJsonObject } from './json-body.js';
import { JsonDecodePool, type JsonDecodePoolOptions, resolveJsonDecodePool } from './json-decode-pool.js';

/**
 * HTTP frontend options (tritonserver's flag names in brackets; the bounds are HttpLimitsOptions,
 * the JSON decode pool's settings JsonDecodePoolOptions).
 */
export interface HttpFrontendOptions extends HttpLimitsOptions, JsonDecodePoolOptions {
  /** Port [--http-port]; 0 picks a free one; default 8000. */
  port?: number;
  /** Address to bind [--http-address]; default '0.0.0.0'. */
  address?: string;
  /** Largest accepted request body, also after decompression [--http-max-input-size]; default 64 MiB. */
  maxInputSizeBytes?: number;
  /** Categories that need a header [--http-restricted-api]; default none (every API open). */
  restrictions?: Restrictions;
  /** Serve HTTPS with these [--http-use-ssl and the --http-*-cert flags]; default none (plain HTTP). */
  tls?: ServerTlsOptions;
  /** The live dashboard at `/dashboard`, or false for none [--dashboard]; default on with its defaults. */
  dashboard?: DashboardOptions | false;
}

const kExchange = Symbol('nereid.exchange');
const kSockets = Symbol('nereid.sockets');
type TrackedSocket = Socket & {
  [kExchange]?: HttpInferExchange | null;
  /** The frontend's set of open connections, which the socket leaves when it closes. */
  [kSockets]?: Set<Socket>;
};

// Shared 'close' listener of every connection; `this` is the socket.
function onConnectionClose(this: TrackedSocket): void {
  this[kExchange]?.onClientGone();
  this[kSockets]!.delete(this);
}

/** node:http or node:https, with the timeouts of `limits` (one server per frontend). */
function createNodeServer(
  limits: HttpLimits,
  tls: ServerTlsOptions | undefined,
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): Server {
  const options: ServerOptions = {
    keepAlive: true,
    noDelay: true,
    headersTimeout: limits.headerTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: limits.timeoutCheckIntervalMs,
  };
  if (tls === undefined) return createServer(options, listener);
  const mutual = tls.mutual === true;
  const https = createHttpsServer(
    {
      ...options,
      cert: tls.certPem,
      key: tls.keyPem,
      ca: tls.rootCertPem,
      requestCert: mutual,
      rejectUnauthorized: mutual,
      // The handshake comes before any header: the header timeout bounds it too (node: 120 s).
      handshakeTimeout: limits.headerTimeoutMs || 120_000,
    },
    listener,
  );
  return https as unknown as Server;
}

/** The message of an unknown `/v1/` path. */
function unknownOpenAiPath(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return `Unknown OpenAI endpoint '${path.length > 80 ? `${path.slice(0, 80)}…` : path}': served are /v1/models, /v1/completions, /v1/chat/completions`;
}

/** The HTTP frontend. */
export class HttpFrontend {
  private readonly server: InferenceServer;
  /** The server's tracer (read once per inference request: `on` is all an untraced server checks). */
  private readonly tracer: Tracer;
  private readonly http: Server;
  private readonly port: number;
  private readonly address: string;
  private readonly maxInputSizeBytes: number;
  /** The restriction of each route kind (index = RouteKind), null where open. */
  private readonly restrictionByRoute: readonly (Restriction | null)[];
  /** The bounds in force. */
  readonly limits: HttpLimits;
  /** Whether the frontend serves HTTPS. */
  readonly tls: boolean;
  private readonly budget: InflightBytes;
  private readonly guard: HttpConnectionGuard;
  /** Open connections (TLS: those past the handshake), for the drain. */
  private readonly sockets = new Set<Socket>();
  private closing = false;
  /** The live dashboard, or null when turned off. */
  readonly dashboard: Dashboard | null;
  /** The threads that decode large JSON inference bodies, or null when all decode on the main thread. */
  readonly jsonDecodePool: JsonDecodePool | null;
  /** Smallest JSON part, bytes, whose tensor data the byte scanner reads (jsonScanMinBytes). */
  private readonly jsonScanMinBytes: number;

  constructor(server: InferenceServer, options: HttpFrontendOptions = {}) {
    this.server = server;
    this.tracer = server.tracer;
    this.port = options.port ?? 8000;
    this.address = options.address ?? '0.0.0.0';
    this.maxInputSizeBytes = options.maxInputSizeBytes ?? 64 * 1024 * 1024;
    const restrictions = options.restrictions ?? new Map();
    this.restrictionByRoute = ROUTE_CATEGORY.map((c) => (c === null ? null : (restrictions.get(c) ?? null)));
    this.limits = resolveHttpLimits(options, this.maxInputSizeBytes);
    this.budget = new InflightBytes(this.limits.maxInflightBytes);
    const decodeSettings = resolveJsonDecodePool(options, this.maxInputSizeBytes);
    this.jsonDecodePool = decodeSettings.threads === 0 ? null : new JsonDecodePool(decodeSettings);
    this.jsonScanMinBytes = decodeSettings.scanMinBytes;
    if (options.tls !== undefined) checkServerTls(options.tls, 'http');
    this.tls = options.tls !== undefined;
    this.http = createNodeServer(this.limits, options.tls, (req, res) => this.onRequest(req, res));
    this.http.maxConnections = this.limits.maxConnections;
    this.guard = new HttpConnectionGuard(this.http, this.limits, server.logger);
    this.dashboard = options.dashboard === false ? null : new Dashboard(server, this, options.dashboard);
    this.http.on(this.tls ? 'secureConnection' : 'connection', (socket: TrackedSocket) => {
      socket[kExchange] = null;
      socket[kSockets] = this.sockets;
      this.sockets.add(socket);
      socket.on('close', onConnectionClose);
    });
  }

  /** Bytes of request bodies held now (of limits.maxInflightBytes). */
  get heldBodyBytes(): number {
    return this.budget.heldBytes;
  }

  /** Open connections now (TLS: those past the handshake). */
  get openConnections(): number {
    return this.sockets.size;
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

  /**
   * Stops accepting connections; in-flight requests finish first. Requests on open connections
   * are answered with `Connection: close` from now on, and a connection is closed once it has
   * been quiet with nothing pending (http-drain.ts): a request already sent is answered, not reset.
   */
  async close(): Promise<void> {
    this.closing = true;
    // Event streams never finish on their own: end them so the drain can close their connections.
    this.dashboard?.close();
    await drainHttpServer(this.http, this.sockets);
    this.guard.close();
    await this.jsonDecodePool?.close();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    if (this.closing) res.shouldKeepAlive = false;
    const route = matchRoute(req.url ?? '/');
    if (route.kind === RouteKind.NOT_FOUND) {
      // OpenAI clients read OpenAI's error shape on their own paths.
      const url = req.url ?? '/';
      if (url.startsWith('/v1/'))
        sendOpenAiError(res, notFound('ERR_OPENAI_ENDPOINT', unknownOpenAiPath(url)));
      else sendErrorStatus(res, 404, 'Not Found');
      return;
    }
    if (!route.methods.includes(req.method ?? '')) {
      const allow = { Allow: route.methods.join(', ') };
      if (route.kind >= RouteKind.OPENAI_MODELS) sendOpenAiRefusal(res, 405, 'Method Not Allowed', allow);
      else sendErrorStatus(res, 405, 'Method Not Allowed', allow);
      return;
    }
    const restriction = this.restrictionByRoute[route.kind];
    if (restriction != null && !carriesRestrictionValue(restriction, req.headers[restriction.key])) {
      // The `/v1/` routes answer in OpenAI's shape, which their clients read.
      if (route.kind >= RouteKind.OPENAI_MODELS) sendOpenAiRefusal(res, 403, restriction.message);
      else sendErrorStatus(res, 403, restriction.message);
      return;
    }
    try {
      this.dispatch(route, req, res);
    } catch (err) {
      sendError(res, err);
    }
  }

  private dispatch(route: Route, req: IncomingMessage, res: ServerResponse): void {
    const server = this.server;
    switch (route.kind) {
      case RouteKind.HEALTH_LIVE:
        sendEmpty(res, server.isLive() ? 200 : 400);
        return;
      case RouteKind.HEALTH_READY:
        sendEmpty(res, server.isReady() ? 200 : 400);
        return;
      case RouteKind.SERVER_METADATA:
        sendJson(res, 200, server.serverMetadata());
        return;
      case RouteKind.MODEL_METADATA:
        sendJson(res, 200, server.modelMetadata(route.model, route.version));
        return;
      case RouteKind.MODEL_READY:
        if (server.isModelReady(route.model, route.version)) sendEmpty(res, 200);
        else sendErrorStatus(res, 400, 'Model version not ready');
        return;
      case RouteKind.MODEL_CONFIG:
        sendJson(res, 200, modelConfigToJson(server.modelConfig(route.model, route.version)));
        return;
      case RouteKind.MODEL_STATS:
        sendJson(res, 200, server.statistics(route.model, route.version));
        return;
      case RouteKind.ALL_STATS:
        sendJson(res, 200, server.statistics());
        return;
      case RouteKind.INFER:
        this.handleInfer(route, req, res);
        return;
      case RouteKind.REPOSITORY_INDEX:
        void this.handleRepositoryIndex(req, res);
        return;
      case RouteKind.GENERATE:
      case RouteKind.GENERATE_STREAM:
        void handleGenerate(
          server,
          req,
          res,
          route.model,
          route.version,
          route.kind === RouteKind.GENERATE_STREAM,
          this.maxInputSizeBytes,
          this.budget,
        );
        return;
      case RouteKind.REPOSITORY_LOAD:
      case RouteKind.REPOSITORY_UNLOAD:
        void handleRepositoryControl(server, route, req, res, this.maxInputSizeBytes, this.budget);
        return;
      case RouteKind.SYSTEM_SHM:
      case RouteKind.CUDA_SHM:
        void handleSharedMemory(server, route, req, res, this.maxInputSizeBytes, this.budget);
        return;
      case RouteKind.TRACE:
        void handleTraceSetting(server, route, req, res, this.maxInputSizeBytes, this.budget);
        return;
      case RouteKind.LOGGING:
        void handleLogging(server, req, res, this.maxInputSizeBytes, this.budget);
        return;
      case RouteKind.DASHBOARD:
        if (this.dashboard === null) sendErrorStatus(res, 404, 'Not Found');
        else this.dashboard.handle(req, res, this.closing);
        return;
      case RouteKind.OPENAI_MODELS:
        handleOpenAiModels(server, res);
        return;
      case RouteKind.OPENAI_MODEL:
        handleOpenAiModel(server, res, route.model);
        return;
      case RouteKind.OPENAI_COMPLETIONS:
      case RouteKind.OPENAI_CHAT_COMPLETIONS:
        void handleOpenAiGeneration(
          server,
          req,
          res,
          route.kind === RouteKind.OPENAI_CHAT_COMPLETIONS ? OpenAiEndpoint.CHAT : OpenAiEndpoint.COMPLETIONS,
          this.maxInputSizeBytes,
          this.budget,
        );
        return;
    }
  }

  private handleInfer(route: Route, req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as TrackedSocket;
    const tracer = this.tracer;
    const exchange = new HttpInferExchange(
      this.server,
      req,
      res,
      route.model,
      route.version,
      this.maxInputSizeBytes,
      this.budget,
      tracer.on === 0 ? null : sampleHttpRequest(tracer, route.model, req),
      this.jsonDecodePool,
      this.jsonScanMinBytes,
    );
    // The socket's close cancels this exchange until the next request on the connection replaces
    // it; a finished exchange ignores the cancel (onClientGone checks `finished`).
    socket[kExchange] = exchange;
    collectBody(req, this.maxInputSizeBytes, this.budget, exchange, this.jsonDecodePool);
  }

  private async handleRepositoryIndex(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBodyOrAnswer(req, res, this.maxInputSizeBytes, this.budget);
    if (body === null) return;
    try {
      let readyOnly = false;
      if (body.length > 0) {
        const ready = parseJsonObject(body, 'Repository index').ready;
        if (ready !== undefined && typeof ready !== 'boolean') {
          throw invalidArg(
            'ERR_BAD_JSON',
            `Repository index 'ready' must be a boolean: received ${JSON.stringify(ready)}`,
          );
        }
        readyOnly = ready === true;
      }
      sendJson(res, 200, this.server.repositoryIndex(readyOnly));
    } catch (err) {
      sendError(res, err);
    } finally {
      this.budget.release(body.length);
    }
  }
}
