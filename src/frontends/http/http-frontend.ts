/**
 * The KServe v2 HTTP/REST frontend on node:http: routes Triton's endpoints (and the OpenAI-compatible
 * `/v1/` API, frontends/openai) to the core facade,
 * reads bodies with a size limit and compression, answers errors as `{"error": "..."}` with
 * Triton's status mapping, and cancels queued requests of clients that disconnect. It holds no
 * scheduling state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { invalidArg, notFound, unsupported } from '../../common/errors.js';
import { modelConfigToJson } from '../../config/index.js';
import type { InferenceServer } from '../../core/index.js';
import {
  handleOpenAiGeneration,
  handleOpenAiModel,
  handleOpenAiModels,
  OpenAiEndpoint,
  sendOpenAiError,
} from '../openai/index.js';
import { collectBody, decodeContent, pickResponseEncoding, readBody } from './http-body.js';
import { handleGenerate } from './http-generate.js';
import { HttpInferExchange } from './http-infer-exchange.js';
import { sendBodyError, sendEmpty, sendError, sendErrorStatus, sendJson } from './http-reply.js';
import { handleRepositoryControl } from './http-repository.js';
import { matchRoute, type Route, RouteKind } from './http-router.js';
import { handleSharedMemory } from './http-shared-memory.js';

/** HTTP frontend options (tritonserver's flag names in brackets). */
export interface HttpFrontendOptions {
  /** Port [--http-port]; 0 picks a free one; default 8000. */
  port?: number;
  /** Address to bind [--http-address]; default '0.0.0.0'. */
  address?: string;
  /** Largest accepted request body, also after decompression [--http-max-input-size]; default 64 MiB. */
  maxInputSizeBytes?: number;
}

const kExchange = Symbol('nereid.exchange');
type TrackedSocket = Socket & { [kExchange]?: HttpInferExchange | null };

/** The message of an unknown `/v1/` path. */
function unknownOpenAiPath(url: string): string {
  const q = url.indexOf('?');
  return `Unknown OpenAI endpoint '${q === -1 ? url : url.slice(0, q)}': served are /v1/models, /v1/completions, /v1/chat/completions`;
}

/** The HTTP frontend. */
export class HttpFrontend {
  private readonly server: InferenceServer;
  private readonly http: Server;
  private readonly port: number;
  private readonly address: string;
  private readonly maxInputSizeBytes: number;
  private closing = false;

  constructor(server: InferenceServer, options: HttpFrontendOptions = {}) {
    this.server = server;
    this.port = options.port ?? 8000;
    this.address = options.address ?? '0.0.0.0';
    this.maxInputSizeBytes = options.maxInputSizeBytes ?? 64 * 1024 * 1024;
    this.http = createServer({ keepAlive: true, noDelay: true, requestTimeout: 0 }, (req, res) =>
      this.onRequest(req, res),
    );
    this.http.keepAliveTimeout = 65_000;
    this.http.on('connection', (socket: TrackedSocket) => {
      socket[kExchange] = null;
      socket.on('close', () => socket[kExchange]?.onClientGone());
    });
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
   * Stops accepting connections; in-flight requests finish first. Keep-alive connections are
   * answered with `Connection: close` from now on and closed as soon as they are idle.
   */
  close(): Promise<void> {
    this.closing = true;
    return new Promise((resolve) => {
      const sweep = setInterval(() => this.http.closeIdleConnections(), 20);
      this.http.close(() => {
        clearInterval(sweep);
        resolve();
      });
      this.http.closeIdleConnections();
    });
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
      sendErrorStatus(res, 405, 'Method Not Allowed', { Allow: route.methods.join(', ') });
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
    const encoding = pickResponseEncoding(req.headers['accept-encoding']);
    switch (route.kind) {
      case RouteKind.HEALTH_LIVE:
        sendEmpty(res, server.isLive() ? 200 : 400);
        return;
      case RouteKind.HEALTH_READY:
        sendEmpty(res, server.isReady() ? 200 : 400);
        return;
      case RouteKind.SERVER_METADATA:
        sendJson(res, 200, server.serverMetadata(), encoding);
        return;
      case RouteKind.MODEL_METADATA:
        sendJson(res, 200, server.modelMetadata(route.model, route.version), encoding);
        return;
      case RouteKind.MODEL_READY:
        if (server.isModelReady(route.model, route.version)) sendEmpty(res, 200);
        else sendErrorStatus(res, 400, 'Model version not ready');
        return;
      case RouteKind.MODEL_CONFIG:
        sendJson(res, 200, modelConfigToJson(server.modelConfig(route.model, route.version)), encoding);
        return;
      case RouteKind.MODEL_STATS:
        sendJson(res, 200, server.statistics(route.model, route.version), encoding);
        return;
      case RouteKind.ALL_STATS:
        sendJson(res, 200, server.statistics(), encoding);
        return;
      case RouteKind.INFER:
        this.handleInfer(route, req, res);
        return;
      case RouteKind.REPOSITORY_INDEX:
        void this.handleRepositoryIndex(req, res, encoding);
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
        );
        return;
      case RouteKind.REPOSITORY_LOAD:
      case RouteKind.REPOSITORY_UNLOAD:
        void handleRepositoryControl(server, route, req, res, this.maxInputSizeBytes);
        return;
      case RouteKind.SYSTEM_SHM:
      case RouteKind.CUDA_SHM:
        void handleSharedMemory(server, route, req, res, this.maxInputSizeBytes);
        return;
      case RouteKind.TRACE:
        throw unsupported('ERR_UNSUPPORTED_ENDPOINT', 'The trace extension is not available on this server');
      case RouteKind.LOGGING:
        throw unsupported(
          'ERR_UNSUPPORTED_ENDPOINT',
          'The logging extension is not available on this server',
        );
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
        );
        return;
    }
  }

  private async readDecodedBody(req: IncomingMessage): Promise<Buffer> {
    const raw = await readBody(req, this.maxInputSizeBytes);
    return decodeContent(raw, req.headers['content-encoding'], this.maxInputSizeBytes);
  }

  private handleInfer(route: Route, req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket as TrackedSocket;
    const exchange = new HttpInferExchange(
      this.server,
      req,
      res,
      route.model,
      route.version,
      this.maxInputSizeBytes,
    );
    // The socket's close cancels this exchange until the next request on the connection replaces
    // it; a finished exchange ignores the cancel (onClientGone checks `finished`).
    socket[kExchange] = exchange;
    collectBody(req, this.maxInputSizeBytes, exchange);
  }

  private async handleRepositoryIndex(
    req: IncomingMessage,
    res: ServerResponse,
    encoding: 'gzip' | 'deflate' | null,
  ): Promise<void> {
    try {
      const body = await this.readDecodedBody(req);
      let readyOnly = false;
      if (body.length > 0) {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body.toString('utf8'));
        } catch (err) {
          throw invalidArg('ERR_BAD_JSON', `Failed to parse the request JSON: ${(err as Error).message}`);
        }
        if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
          throw invalidArg('ERR_BAD_JSON', 'Repository index request must be a JSON object');
        }
        const ready = (parsed as { ready?: unknown }).ready;
        if (ready !== undefined && typeof ready !== 'boolean') {
          throw invalidArg(
            'ERR_BAD_JSON',
            `Repository index 'ready' must be a boolean: received ${JSON.stringify(ready)}`,
          );
        }
        readyOnly = ready === true;
      }
      sendJson(res, 200, this.server.repositoryIndex(readyOnly), encoding);
    } catch (err) {
      sendBodyError(res, err);
    }
  }
}
