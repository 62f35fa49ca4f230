/**
 * The KServe v2 HTTP client on an undici keep-alive connection Pool: health, metadata, config,
 * statistics, repository, inference (binary tensors by default, JSON on request, gzip/deflate)
 * and the generate / generate_stream extension (an async iterator over SSE events), over HTTP or
 * HTTPS (with a CA and a client certificate for mutual TLS), with the
 * URIs Triton's Python client uses. Every failure rejects with an InferenceServerError carrying
 * the HTTP status and the server's `{"error"}` text. Body encoding is in http-infer-codec.ts.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { Pool } from 'undici';
import { Status } from '../common/index.js';
import { CallSignal } from './call-signal.js';
import type {
  ClientTlsOptions,
  GenerateEvent,
  LoadModelOptions,
  LogSettings,
  LogSettingsUpdate,
  ModelConfigJson,
  ModelMetadata,
  ModelStatisticsResponse,
  RepositoryIndexEntry,
  RepositoryIndexOptions,
  ServerMetadata,
  TraceSettings,
  TraceSettingsOptions,
  TraceSettingsUpdate,
  UnloadModelOptions,
} from './client-types.js';
import { decodeAnswerBody, errorFromAnswer, type HttpAnswer, headerValue } from './http-answer.js';
import { decodeHttpInferResponse, encodeHttpInferRequest } from './http-infer-codec.js';
import type { InferInput } from './infer-input.js';
import type { CallOptions, InferOptions } from './infer-options.js';
import type { InferResult } from './infer-result.js';
import {
  badResponse,
  ClientErrorCode,
  InferenceServerError,
  invalidInput,
} from './inference-server-error.js';
import type { CudaSharedMemoryStatus, SystemSharedMemoryStatus } from './shared-memory-status.js';
import { readSseData } from './sse-events.js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);

/** Options of an HttpClient. */
export interface HttpClientOptions {
  /** Most connections the pool opens to the server; default 16. */
  connections?: number;
  /** How long an idle keep-alive connection is kept, in milliseconds; default 30000. */
  keepAliveTimeoutMs?: number;
  /** TCP connect timeout in milliseconds; default 10000. */
  connectTimeoutMs?: number;
  /** Default client-side deadline of every call in milliseconds; default none. */
  timeoutMs?: number;
  /** Headers sent with every request (e.g. authorization); default none. */
  headers?: Record<string, string>;
  /** TLS settings of an `https://` URL (CA, client certificate); default the public CAs, no client certificate. */
  tls?: ClientTlsOptions;
}

/** Bodies up to this size are sent as one buffer (one write); larger ones as chunks, uncopied. */
const CONCAT_LIMIT_BYTES = 64 * 1024;

type RequestBody = Parameters<Pool['request']>[0]['body'];

function concat(chunks: readonly Uint8Array[], total: number): Uint8Array {
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
}

function modelPath(model: string, version: string | undefined): string {
  const base = `/v2/models/${encodeURIComponent(model)}`;
  return version === undefined || version === '' ? base : `${base}/versions/${encodeURIComponent(version)}`;
}

function tracePath(model: string | undefined): string {
  return model === undefined || model === '' ? '/v2/trace/setting' : `${modelPath(model, '')}/trace/setting`;
}

function shmPath(kind: 'system' | 'cuda', region: string): string {
  const base = kind === 'system' ? '/v2/systemsharedmemory' : '/v2/cudasharedmemory';
  return region === '' ? base : `${base}/region/${encodeURIComponent(region)}`;
}

/** A KServe v2 / Triton HTTP client with a keep-alive connection pool. */
export class HttpClient {
  private readonly pool: Pool;
  private readonly basePath: string;
  private readonly defaultHeaders: Record<string, string>;
  private readonly timeoutMs: number | undefined;

  /** `url` is `http://host:port[/prefix]`, `https://host:port[/prefix]` or `host:port`. */
  constructor(url: string, options: HttpClientOptions = {}) {
    const parsed = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`);
    this.basePath = parsed.pathname.replace(/\/+$/, '');
    const tls = options.tls;
    if (tls !== undefined && parsed.protocol !== 'https:') {
      throw invalidInput(`TLS options need an https:// URL: received '${parsed.origin}'`);
    }
    this.pool = new Pool(parsed.origin, {
      connections: options.connections ?? 16,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      connect: {
        timeout: options.connectTimeoutMs ?? 10_000,
        ...(tls === undefined
          ? {}
          : { ca: tls.caPem, cert: tls.certPem, key: tls.keyPem, servername: tls.serverName }),
      },
      pipelining: 1,
    });
    this.defaultHeaders = { ...options.headers };
    this.timeoutMs = options.timeoutMs;
  }

  /** Whether the server is live (`GET v2/health/live` answers 200). */
  async isServerLive(options: CallOptions = {}): Promise<boolean> {
    return (
      (await this.exchange('GET', '/v2/health/live', null, null, options, 'Server liveness check'))
        .statusCode === 200
    );
  }

  /** Whether the server is ready (`GET v2/health/ready` answers 200). */
  async isServerReady(options: CallOptions = {}): Promise<boolean> {
    return (
      (await this.exchange('GET', '/v2/health/ready', null, null, options, 'Server readiness check'))
        .statusCode === 200
    );
  }

  /** Whether a model (version) is ready (`GET v2/models/{m}[/versions/{v}]/ready` answers 200). */
  async isModelReady(model: string, version = '', options: CallOptions = {}): Promise<boolean> {
    const answer = await this.exchange(
      'GET',
      `${modelPath(model, version)}/ready`,
      null,
      null,
      options,
      'Model readiness check',
    );
    return answer.statusCode === 200;
  }

  /** Server metadata (`GET v2`). */
  serverMetadata(options: CallOptions = {}): Promise<ServerMetadata> {
    return this.json('GET', '/v2', null, options, 'Server metadata request') as Promise<ServerMetadata>;
  }

  /** Model metadata (`GET v2/models/{m}[/versions/{v}]`). */
  modelMetadata(model: string, version = '', options: CallOptions = {}): Promise<ModelMetadata> {
    return this.json(
      'GET',
      modelPath(model, version),
      null,
      options,
      'Model metadata request',
    ) as Promise<ModelMetadata>;
  }

  /** Model configuration in Triton's JSON form (`GET v2/models/{m}[/versions/{v}]/config`). */
  modelConfig(model: string, version = '', options: CallOptions = {}): Promise<ModelConfigJson> {
    return this.json('GET', `${modelPath(model, version)}/config`, null, options, 'Model config request');
  }

  /** Statistics of one model (version), or of all models when `model` is '' (`GET v2/models[/{m}]/stats`). */
  modelStatistics(model = '', version = '', options: CallOptions = {}): Promise<ModelStatisticsResponse> {
    const path = model === '' ? '/v2/models/stats' : `${modelPath(model, version)}/stats`;
    return this.json(
      'GET',
      path,
      null,
      options,
      'Model statistics request',
    ) as Promise<ModelStatisticsResponse>;
  }

  /** The repository index (`POST v2/repository/index`). */
  repositoryIndex(options: RepositoryIndexOptions & CallOptions = {}): Promise<RepositoryIndexEntry[]> {
    const body = options.ready === undefined ? '' : JSON.stringify({ ready: options.ready });
    return this.json('POST', '/v2/repository/index', body, options, 'Repository index request') as Promise<
      RepositoryIndexEntry[]
    >;
  }

  /** Loads or reloads a model (`POST v2/repository/models/{m}/load`), optionally with a config and files. */
  async loadModel(model: string, options: LoadModelOptions & CallOptions = {}): Promise<void> {
    const parameters: Record<string, string> = {};
    if (options.config !== undefined) {
      parameters.config =
        typeof options.config === 'string' ? options.config : JSON.stringify(options.config);
    }
    for (const path in options.files) {
      parameters[`file:${path}`] = Buffer.from(options.files[path]!).toString('base64');
    }
    const body = Object.keys(parameters).length === 0 ? '' : JSON.stringify({ parameters });
    const path = `/v2/repository/models/${encodeURIComponent(model)}/load`;
    await this.checked('POST', path, body, options, `Load of model '${model}'`);
  }

  /** Unloads a model (`POST v2/repository/models/{m}/unload`). */
  async unloadModel(model: string, options: UnloadModelOptions & CallOptions = {}): Promise<void> {
    const body = JSON.stringify({ parameters: { unload_dependents: options.unloadDependents === true } });
    const path = `/v2/repository/models/${encodeURIComponent(model)}/unload`;
    await this.checked('POST', path, body, options, `Unload of model '${model}'`);
  }

  /** Registers system shared-memory region `name` (`POST v2/systemsharedmemory/region/{r}/register`). */
  async registerSystemSharedMemory(
    name: string,
    key: string,
    byteSize: number,
    offsetBytes = 0,
    options: CallOptions = {},
  ): Promise<void> {
    const body = JSON.stringify({ key, offset: offsetBytes, byte_size: byteSize });
    const path = `/v2/systemsharedmemory/region/${encodeURIComponent(name)}/register`;
    await this.checked('POST', path, body, options, `Registration of shared memory '${name}'`);
  }

  /** Unregisters system region `name`, or all when '' (`POST v2/systemsharedmemory[/region/{r}]/unregister`). */
  async unregisterSystemSharedMemory(name = '', options: CallOptions = {}): Promise<void> {
    await this.checked(
      'POST',
      `${shmPath('system', name)}/unregister`,
      '',
      options,
      'Shared memory unregistration',
    );
  }

  /** Status of system region `name`, or of all when '' (`GET v2/systemsharedmemory[/region/{r}]/status`). */
  getSystemSharedMemoryStatus(name = '', options: CallOptions = {}): Promise<SystemSharedMemoryStatus[]> {
    return this.json(
      'GET',
      `${shmPath('system', name)}/status`,
      null,
      options,
      'Shared memory status request',
    );
  }

  /** Unregisters CUDA region `name` (or all): succeeds on Nereid, which never has any. */
  async unregisterCudaSharedMemory(name = '', options: CallOptions = {}): Promise<void> {
    const path = `${shmPath('cuda', name)}/unregister`;
    await this.checked('POST', path, '', options, 'CUDA shared memory unregistration');
  }

  /** Status of CUDA region `name`, or of all when '' (`GET v2/cudasharedmemory[/region/{r}]/status`). */
  getCudaSharedMemoryStatus(name = '', options: CallOptions = {}): Promise<CudaSharedMemoryStatus[]> {
    return this.json(
      'GET',
      `${shmPath('cuda', name)}/status`,
      null,
      options,
      'CUDA shared memory status request',
    );
  }

  /** Runs one inference (`POST v2/models/{m}[/versions/{v}]/infer`). */
  async infer(
    model: string,
    inputs: readonly InferInput[],
    options: InferOptions = {},
  ): Promise<InferResult> {
    const what = `Inference on model '${model}'`;
    const call = new CallSignal(options, this.timeoutMs);
    call.throwIfAborted(what);
    const encoded = encodeHttpInferRequest(inputs, options);
    const headers: Record<string, string> = {
      ...this.defaultHeaders,
      ...options.headers,
      'content-type': encoded.headerLength === undefined ? 'application/json' : 'application/octet-stream',
    };
    if (encoded.headerLength !== undefined)
      headers['inference-header-content-length'] = String(encoded.headerLength);
    let body: Uint8Array | Uint8Array[];
    const compression = options.compression;
    if (compression !== undefined) {
      const plain = concat(encoded.chunks, encoded.contentLength);
      body = await (compression === 'gzip' ? gzip(plain) : deflate(plain));
      headers['content-encoding'] = compression;
      headers['accept-encoding'] = compression;
    } else if (encoded.chunks.length === 1 || encoded.contentLength <= CONCAT_LIMIT_BYTES) {
      body = concat(encoded.chunks, encoded.contentLength);
    } else {
      body = encoded.chunks;
    }
    headers['content-length'] = String(Array.isArray(body) ? encoded.contentLength : body.length);
    const path = `${modelPath(model, options.modelVersion)}/infer`;
    const answer = await this.send('POST', path, headers, body, call, what);
    if (answer.statusCode !== 200) throw errorFromAnswer(answer);
    const length = headerValue(answer.headers, 'inference-header-content-length');
    return decodeHttpInferResponse(answer.body, length === undefined ? undefined : Number(length));
  }

  /** One generate call (`POST v2/models/{m}[/versions/{v}]/generate`): the JSON answer. */
  generate(
    model: string,
    request: Record<string, unknown>,
    options: CallOptions & { modelVersion?: string } = {},
  ): Promise<GenerateEvent> {
    const path = `${modelPath(model, options.modelVersion)}/generate`;
    return this.json('POST', path, JSON.stringify(request), options, `Generate on model '${model}'`);
  }

  /**
   * A streaming generate call (`POST .../generate_stream`): yields each SSE event's JSON object; an
   * `{"error"}` event throws an InferenceServerError. Breaking out of the loop closes the stream.
   */
  async *generateStream(
    model: string,
    request: Record<string, unknown>,
    options: CallOptions & { modelVersion?: string } = {},
  ): AsyncGenerator<GenerateEvent, void, undefined> {
    const what = `Streaming generate on model '${model}'`;
    const call = new CallSignal(options, this.timeoutMs);
    call.throwIfAborted(what);
    const headers = {
      ...this.defaultHeaders,
      ...options.headers,
      'content-type': 'application/json',
      accept: 'text/event-stream',
    };
    const path = `${this.basePath}${modelPath(model, options.modelVersion)}/generate_stream`;
    let res: Awaited<ReturnType<Pool['request']>>;
    try {
      res = await this.pool.request({
        method: 'POST',
        path,
        headers,
        body: JSON.stringify(request),
        signal: call.signal,
      });
    } catch (err) {
      throw call.errorFor(what, err);
    }
    try {
      if (res.statusCode !== 200) {
        const body = new Uint8Array(await res.body.arrayBuffer());
        throw errorFromAnswer({ statusCode: res.statusCode, headers: res.headers, body });
      }
      for await (const data of readSseData(res.body)) {
        let event: unknown;
        try {
          event = JSON.parse(data);
        } catch (err) {
          throw badResponse(`Malformed generate_stream event: ${(err as Error).message}`, err);
        }
        if (event === null || typeof event !== 'object')
          throw badResponse(`Malformed generate_stream event: ${data}`);
        const error = (event as { error?: unknown }).error;
        if (error !== undefined) {
          throw new InferenceServerError(Status.INTERNAL, ClientErrorCode.SERVER_RESPONSE, String(error), {
            httpStatus: res.statusCode,
          });
        }
        yield event as GenerateEvent;
      }
    } catch (err) {
      throw err instanceof InferenceServerError ? err : call.errorFor(what, err);
    } finally {
      if (!res.body.destroyed) res.body.destroy();
    }
  }

  /** The trace setting in force, global or a model's (`GET v2[/models/{m}]/trace/setting`). */
  getTraceSettings(options: TraceSettingsOptions & CallOptions = {}): Promise<TraceSettings> {
    return this.json('GET', tracePath(options.model), null, options, 'Trace setting request');
  }

  /**
   * Changes the trace setting, global or a model's (`POST v2[/models/{m}]/trace/setting`), with the
   * JSON Triton's clients send (`{"trace_level": ["TIMESTAMPS"], "trace_rate": "1000"}`); answers
   * the setting now in force.
   */
  updateTraceSettings(
    settings: TraceSettingsUpdate,
    options: TraceSettingsOptions & CallOptions = {},
  ): Promise<TraceSettings> {
    const body: Record<string, string | readonly string[] | null> = {};
    for (const [key, value] of Object.entries(settings)) {
      body[key] = typeof value === 'number' ? String(value) : value;
    }
    return this.json('POST', tracePath(options.model), JSON.stringify(body), options, 'Trace setting update');
  }

  /** The server log's settings (`GET v2/logging`). */
  getLogSettings(options: CallOptions = {}): Promise<LogSettings> {
    return this.json('GET', '/v2/logging', null, options, 'Log setting request');
  }

  /** Changes the server log's settings (`POST v2/logging`); answers every setting now in force. */
  updateLogSettings(settings: LogSettingsUpdate, options: CallOptions = {}): Promise<LogSettings> {
    return this.json('POST', '/v2/logging', JSON.stringify(settings), options, 'Log setting update');
  }

  /** Closes the pool after in-flight requests finish. */
  async close(): Promise<void> {
    await this.pool.close();
  }

  private async json(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    options: CallOptions,
    what: string,
  ): Promise<any> {
    const answer = await this.checked(method, path, body, options, what);
    try {
      return JSON.parse(Buffer.from(answer.body).toString('utf8'));
    } catch (err) {
      throw badResponse(`${what}: the answer is not JSON (${(err as Error).message})`, err);
    }
  }

  private async checked(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    options: CallOptions,
    what: string,
  ): Promise<HttpAnswer> {
    const contentType = body === null ? null : 'application/json';
    const answer = await this.exchange(method, path, body, contentType, options, what);
    if (answer.statusCode !== 200) throw errorFromAnswer(answer);
    return answer;
  }

  private exchange(
    method: 'GET' | 'POST',
    path: string,
    body: string | null,
    contentType: string | null,
    options: CallOptions,
    what: string,
  ): Promise<HttpAnswer> {
    const call = new CallSignal(options, this.timeoutMs);
    call.throwIfAborted(what);
    const headers: Record<string, string> = { ...this.defaultHeaders, ...options.headers };
    if (contentType !== null) headers['content-type'] = contentType;
    return this.send(method, path, headers, body, call, what);
  }

  private async send(
    method: 'GET' | 'POST',
    path: string,
    headers: Record<string, string>,
    body: string | Uint8Array | Uint8Array[] | null,
    call: CallSignal,
    what: string,
  ): Promise<HttpAnswer> {
    try {
      // undici sends any iterable of chunks (uncopied) at run time; its types list only single bodies.
      const payload = body as RequestBody;
      const res = await this.pool.request({
        method,
        path: this.basePath + path,
        headers,
        body: payload,
        signal: call.signal,
      });
      const data = new Uint8Array(await res.body.arrayBuffer());
      const decoded = await decodeAnswerBody(data, headerValue(res.headers, 'content-encoding'));
      return { statusCode: res.statusCode, headers: res.headers, body: decoded };
    } catch (err) {
      throw call.errorFor(what, err);
    }
  }
}
