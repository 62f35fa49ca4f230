/**
 * The KServe v2 / Triton gRPC client on @grpc/grpc-js with the project's own .proto files:
 * every GRPCInferenceService RPC the server has (health, metadata, config, statistics,
 * repository, unary ModelInfer) as promises, and ModelStreamInfer as an InferStream. Message
 * limits are raised to 2 GB like Triton's clients; keepalive, compression and TLS (a CA and a
 * client certificate for mutual TLS) are channel options. Answers come back in the same plain
 * forms as the HTTP client's.
 */
import * as grpc from '@grpc/grpc-js';
import {
  loadProtos,
  MAX_GRPC_MESSAGE_BYTES,
  type ModelConfigMessage,
  type ModelInferResponseMessage,
  modelConfigFromMessage,
} from '../protocol/grpc/index.js';
import type {
  ClientTlsOptions,
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
import { decodeGrpcInferResponse, encodeGrpcInferRequest } from './grpc-infer-codec.js';
import { grpcCallError, InferStream, type StreamOptions } from './grpc-infer-stream.js';
import type { InferInput } from './infer-input.js';
import type { CallOptions, InferOptions } from './infer-options.js';
import type { InferResult } from './infer-result.js';
import {
  cancelledError,
  type InferenceServerError,
  invalidInput,
  timeoutError,
} from './inference-server-error.js';
import {
  type CudaSharedMemoryStatus,
  regionList,
  type SystemSharedMemoryStatus,
} from './shared-memory-status.js';

/** Options of a GrpcClient (tritonclient's KeepAliveOptions names in brackets). */
export interface GrpcClientOptions {
  /** Channel credentials; default insecure (plain TCP), or TLS from `tls`. */
  credentials?: grpc.ChannelCredentials;
  /** TLS settings (CA, client certificate for mutual TLS); default none: plain TCP. Not with `credentials`. */
  tls?: ClientTlsOptions;
  /** Ping interval on an idle connection in milliseconds [keepalive_time_ms]; default off. */
  keepAliveTimeMs?: number;
  /** How long to wait for a ping ack in milliseconds [keepalive_timeout_ms]; default 20000. */
  keepAliveTimeoutMs?: number;
  /** Ping even without active calls [keepalive_permit_without_calls]; default false. */
  keepAlivePermitWithoutCalls?: boolean;
  /** Pings allowed without data [http2_max_pings_without_data]; default 2. */
  http2MaxPingsWithoutData?: number;
  /** Largest message sent or received in bytes; default 2147483647 (Triton's INT32_MAX). */
  maxMessageBytes?: number;
  /** Compression of every message sent on the channel; default none. */
  compression?: 'gzip' | 'deflate';
  /** Default client-side deadline of every unary call in milliseconds; default none. */
  timeoutMs?: number;
  /** Metadata sent with every call; default none. */
  headers?: Record<string, string>;
  /** Extra grpc-js channel options, applied last; default none. */
  channelOptions?: grpc.ChannelOptions;
}

type ServiceClient = grpc.Client & Record<string, (...args: any[]) => any>;

const COMPRESSION_ALGORITHM = { deflate: 1, gzip: 2 } as const;

function plain(value: unknown): any {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  const out: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== null && v !== undefined) out[key] = plain(v);
  }
  return out;
}

function pem(value: string | Uint8Array | undefined): Buffer | null {
  return value === undefined ? null : Buffer.from(value);
}

/** The channel's credentials: `credentials`, TLS from `tls`, or insecure. */
function channelCredentials(options: GrpcClientOptions): grpc.ChannelCredentials {
  const tls = options.tls;
  if (tls === undefined) return options.credentials ?? grpc.credentials.createInsecure();
  if (options.credentials !== undefined) {
    throw invalidInput('GrpcClient takes either credentials or tls, not both');
  }
  return grpc.credentials.createSsl(pem(tls.caPem), pem(tls.keyPem), pem(tls.certPem));
}

/** A KServe v2 / Triton gRPC client on one grpc-js channel. */
export class GrpcClient {
  private readonly client: ServiceClient;
  private readonly timeoutMs: number | undefined;
  private readonly headers: Record<string, string>;

  /** `address` is `host:port` (a `grpc://` or `http://` prefix is dropped). */
  constructor(address: string, options: GrpcClientOptions = {}) {
    const target = address.replace(/^(grpc|http):\/\//, '');
    const maxBytes = options.maxMessageBytes ?? MAX_GRPC_MESSAGE_BYTES;
    const channel: grpc.ChannelOptions = {
      'grpc.max_send_message_length': maxBytes,
      'grpc.max_receive_message_length': maxBytes,
      'grpc.keepalive_timeout_ms': options.keepAliveTimeoutMs ?? 20_000,
      'grpc.keepalive_permit_without_calls': options.keepAlivePermitWithoutCalls === true ? 1 : 0,
      'grpc.http2.max_pings_without_data': options.http2MaxPingsWithoutData ?? 2,
      // No channelz service is read from the client; its bookkeeping costs CPU on every call.
      'grpc.enable_channelz': 0,
    };
    if (options.keepAliveTimeMs !== undefined) channel['grpc.keepalive_time_ms'] = options.keepAliveTimeMs;
    if (options.compression !== undefined) {
      channel['grpc.default_compression_algorithm'] = COMPRESSION_ALGORITHM[options.compression];
    }
    if (options.tls?.serverName !== undefined) {
      channel['grpc.ssl_target_name_override'] = options.tls.serverName;
      channel['grpc.default_authority'] = options.tls.serverName;
    }
    Object.assign(channel, options.channelOptions);
    const { InferenceClient } = loadProtos();
    const credentials = channelCredentials(options);
    this.client = new InferenceClient(target, credentials, channel) as unknown as ServiceClient;
    this.timeoutMs = options.timeoutMs;
    this.headers = { ...options.headers };
  }

  /** Whether the server is live (ServerLive). */
  async isServerLive(options: CallOptions = {}): Promise<boolean> {
    const res = await this.unary<{ live: boolean }>('ServerLive', {}, options, 'Server liveness check');
    return res.live === true;
  }

  /** Whether the server is ready (ServerReady). */
  async isServerReady(options: CallOptions = {}): Promise<boolean> {
    const res = await this.unary<{ ready: boolean }>('ServerReady', {}, options, 'Server readiness check');
    return res.ready === true;
  }

  /** Whether a model (version) is ready (ModelReady). */
  async isModelReady(model: string, version = '', options: CallOptions = {}): Promise<boolean> {
    const request = { name: model, version };
    const res = await this.unary<{ ready: boolean }>('ModelReady', request, options, 'Model readiness check');
    return res.ready === true;
  }

  /** Server metadata (ServerMetadata). */
  async serverMetadata(options: CallOptions = {}): Promise<ServerMetadata> {
    return plain(await this.unary('ServerMetadata', {}, options, 'Server metadata request'));
  }

  /** Model metadata (ModelMetadata), shapes as numbers. */
  async modelMetadata(model: string, version = '', options: CallOptions = {}): Promise<ModelMetadata> {
    const request = { name: model, version };
    return plain(await this.unary('ModelMetadata', request, options, 'Model metadata request'));
  }

  /** Model configuration in Triton's JSON form (ModelConfig). */
  async modelConfig(model: string, version = '', options: CallOptions = {}): Promise<ModelConfigJson> {
    const request = { name: model, version };
    const res = await this.unary<{ config: ModelConfigMessage | null }>(
      'ModelConfig',
      request,
      options,
      'Model config request',
    );
    return modelConfigFromMessage(res.config ?? {}) as ModelConfigJson;
  }

  /** Statistics of one model (version), or of all models when `model` is '' (ModelStatistics). */
  async modelStatistics(
    model = '',
    version = '',
    options: CallOptions = {},
  ): Promise<ModelStatisticsResponse> {
    const request = { name: model, version };
    return plain(await this.unary('ModelStatistics', request, options, 'Model statistics request'));
  }

  /** The repository index (RepositoryIndex); `version` is left out when empty. */
  async repositoryIndex(options: RepositoryIndexOptions & CallOptions = {}): Promise<RepositoryIndexEntry[]> {
    const request = { repository_name: '', ready: options.ready === true };
    const res = await this.unary<{ models: RepositoryIndexEntry[] }>(
      'RepositoryIndex',
      request,
      options,
      'Repository index request',
    );
    return res.models.map((m) => {
      const entry: RepositoryIndexEntry = { name: m.name, state: m.state, reason: m.reason };
      if (m.version !== '' && m.version !== undefined) entry.version = m.version;
      return entry;
    });
  }

  /** Loads or reloads a model (RepositoryModelLoad), optionally with a config and files. */
  async loadModel(model: string, options: LoadModelOptions & CallOptions = {}): Promise<void> {
    const parameters: Record<string, object> = {};
    if (options.config !== undefined) {
      const config = typeof options.config === 'string' ? options.config : JSON.stringify(options.config);
      parameters.config = { string_param: config };
    }
    for (const path in options.files) parameters[`file:${path}`] = { bytes_param: options.files[path] };
    const request = { repository_name: '', model_name: model, parameters };
    await this.unary('RepositoryModelLoad', request, options, `Load of model '${model}'`);
  }

  /** Unloads a model (RepositoryModelUnload). */
  async unloadModel(model: string, options: UnloadModelOptions & CallOptions = {}): Promise<void> {
    const parameters = { unload_dependents: { bool_param: options.unloadDependents === true } };
    const request = { repository_name: '', model_name: model, parameters };
    await this.unary('RepositoryModelUnload', request, options, `Unload of model '${model}'`);
  }

  /** Registers system shared-memory region `name` over `byteSize` bytes of object `key` at `offsetBytes`. */
  async registerSystemSharedMemory(
    name: string,
    key: string,
    byteSize: number,
    offsetBytes = 0,
    options: CallOptions = {},
  ): Promise<void> {
    const request = { name, key, offset: offsetBytes, byte_size: byteSize };
    await this.unary(
      'SystemSharedMemoryRegister',
      request,
      options,
      `Registration of shared memory '${name}'`,
    );
  }

  /** Unregisters system region `name`, or every system region when `name` is ''. */
  async unregisterSystemSharedMemory(name = '', options: CallOptions = {}): Promise<void> {
    await this.unary('SystemSharedMemoryUnregister', { name }, options, 'Shared memory unregistration');
  }

  /** Status of system region `name`, or of all system regions when `name` is ''. */
  async getSystemSharedMemoryStatus(
    name = '',
    options: CallOptions = {},
  ): Promise<SystemSharedMemoryStatus[]> {
    const res = await this.unary<{ regions?: Record<string, SystemSharedMemoryStatus> }>(
      'SystemSharedMemoryStatus',
      { name },
      options,
      'Shared memory status request',
    );
    return regionList(plain(res.regions) as Record<string, SystemSharedMemoryStatus> | undefined);
  }

  /** Unregisters CUDA region `name` (or all): succeeds on Nereid, which never has any. */
  async unregisterCudaSharedMemory(name = '', options: CallOptions = {}): Promise<void> {
    await this.unary('CudaSharedMemoryUnregister', { name }, options, 'CUDA shared memory unregistration');
  }

  /** Status of CUDA region `name`, or of all CUDA regions when `name` is ''. */
  async getCudaSharedMemoryStatus(name = '', options: CallOptions = {}): Promise<CudaSharedMemoryStatus[]> {
    const res = await this.unary<{ regions?: Record<string, CudaSharedMemoryStatus> }>(
      'CudaSharedMemoryStatus',
      { name },
      options,
      'CUDA shared memory status request',
    );
    return regionList(plain(res.regions) as Record<string, CudaSharedMemoryStatus> | undefined);
  }

  /** Runs one inference (ModelInfer). `json` and `compression` call options do not apply to gRPC. */
  async infer(
    model: string,
    inputs: readonly InferInput[],
    options: InferOptions = {},
  ): Promise<InferResult> {
    if (options.json === true) throw invalidInput('Option json is HTTP only: gRPC always sends raw tensors');
    const request = encodeGrpcInferRequest(model, inputs, options);
    const res = await this.unary<ModelInferResponseMessage>(
      'ModelInfer',
      request,
      options,
      `Inference on model '${model}'`,
    );
    return decodeGrpcInferResponse(res);
  }

  /** Opens a ModelStreamInfer stream (sequences, decoupled models); see InferStream. */
  stream(options: StreamOptions = {}): InferStream {
    if (options.signal?.aborted === true) throw cancelledError('Inference stream');
    const metadata = this.metadata(options.headers);
    if (options.tritonGrpcError === true) metadata.set('triton_grpc_error', 'true');
    const timeoutMs = options.timeoutMs ?? 0;
    const callOptions: grpc.CallOptions = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
    const call = this.client.ModelStreamInfer!(metadata, callOptions);
    return new InferStream(call, options);
  }

  /** The trace setting in force, global or a model's (TraceSetting with no settings). */
  async getTraceSettings(options: TraceSettingsOptions & CallOptions = {}): Promise<TraceSettings> {
    const request = { settings: {}, model_name: options.model ?? '' };
    return traceSettingsOf(await this.unary('TraceSetting', request, options, 'Trace setting request'));
  }

  /**
   * Changes the trace setting, global or a model's (TraceSetting with `settings`, each value a
   * list of strings, an empty list clearing it, as Triton's clients send); answers the setting now
   * in force.
   */
  async updateTraceSettings(
    settings: TraceSettingsUpdate,
    options: TraceSettingsOptions & CallOptions = {},
  ): Promise<TraceSettings> {
    const values: Record<string, { value: string[] }> = {};
    for (const [key, value] of Object.entries(settings)) {
      values[key] = {
        value: value === null ? [] : typeof value === 'object' ? [...value] : [String(value)],
      };
    }
    const request = { settings: values, model_name: options.model ?? '' };
    return traceSettingsOf(await this.unary('TraceSetting', request, options, 'Trace setting update'));
  }

  /** The server log's settings (LogSettings with no settings). */
  async getLogSettings(options: CallOptions = {}): Promise<LogSettings> {
    return logSettingsOf(await this.unary('LogSettings', { settings: {} }, options, 'Log setting request'));
  }

  /** Changes the server log's settings (LogSettings); answers every setting now in force. */
  async updateLogSettings(settings: LogSettingsUpdate, options: CallOptions = {}): Promise<LogSettings> {
    const values: Record<string, object> = {};
    for (const [key, value] of Object.entries(settings)) {
      if (typeof value === 'boolean') values[key] = { bool_param: value };
      else if (typeof value === 'number') values[key] = { uint32_param: value };
      else if (typeof value === 'string') values[key] = { string_param: value };
    }
    const answer = await this.unary('LogSettings', { settings: values }, options, 'Log setting update');
    return logSettingsOf(answer);
  }

  /** Closes the channel; calls in flight fail with UNAVAILABLE or CANCELLED. */
  close(): void {
    this.client.close();
  }

  private metadata(headers: Record<string, string> | undefined): grpc.Metadata {
    const metadata = new grpc.Metadata();
    for (const key in this.headers) metadata.set(key, this.headers[key]!);
    if (headers !== undefined) for (const key in headers) metadata.set(key, headers[key]!);
    return metadata;
  }

  private unary<T = unknown>(
    method: string,
    request: object,
    options: CallOptions,
    what: string,
  ): Promise<T> {
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.reject(cancelledError(what, signal.reason));
    const timeoutMs = options.timeoutMs ?? this.timeoutMs ?? 0;
    const callOptions: grpc.CallOptions = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
    const metadata = this.metadata(options.headers);
    return new Promise<T>((resolve, reject) => {
      let onAbort: (() => void) | undefined;
      const call = this.client[method]!(
        request,
        metadata,
        callOptions,
        (err: grpc.ServiceError | null, response: T) => {
          if (onAbort !== undefined) signal!.removeEventListener('abort', onAbort);
          if (err === null) resolve(response);
          else reject(unaryError(err, what, signal, timeoutMs));
        },
      ) as grpc.ClientUnaryCall;
      if (signal !== undefined) {
        onAbort = () => call.cancel();
        signal.addEventListener('abort', onAbort, { once: true });
      }
    });
  }
}

/** A TraceSettingResponse in the HTTP form: `trace_level` a list, the others strings. */
function traceSettingsOf(answer: unknown): TraceSettings {
  const settings = (answer as { settings?: Record<string, { value?: string[] }> }).settings ?? {};
  const out: TraceSettings = {};
  for (const [key, v] of Object.entries(settings)) {
    const values = v.value ?? [];
    out[key] = key === 'trace_level' ? values : (values[0] ?? '');
  }
  return out;
}

/** A LogSettingsResponse in the HTTP form. */
function logSettingsOf(answer: unknown): LogSettings {
  type Value = {
    parameter_choice?: string;
    bool_param?: boolean;
    uint32_param?: number;
    string_param?: string;
  };
  const settings = (answer as { settings?: Record<string, Value> }).settings ?? {};
  const out: Record<string, string | number | boolean> = {};
  for (const [key, v] of Object.entries(settings)) {
    out[key] =
      v.parameter_choice === 'bool_param'
        ? v.bool_param === true
        : v.parameter_choice === 'uint32_param'
          ? (v.uint32_param ?? 0)
          : (v.string_param ?? '');
  }
  return out as unknown as LogSettings;
}

function unaryError(
  err: grpc.ServiceError,
  what: string,
  signal: AbortSignal | undefined,
  timeoutMs: number,
): InferenceServerError {
  if (signal?.aborted === true && err.code === grpc.status.CANCELLED)
    return cancelledError(what, err, err.code);
  if (timeoutMs > 0 && err.code === grpc.status.DEADLINE_EXCEEDED)
    return timeoutError(what, timeoutMs, err, err.code);
  return grpcCallError(err);
}
