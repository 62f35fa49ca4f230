/**
 * The gRPC frontend: a grpc-js server serving inference.GRPCInferenceService and
 * grpc.health.v1.Health from the project's .proto files, with a bound on received messages
 * (--grpc-max-message-size, 64 MiB by default; Triton's 2 GB for sent ones), optional TLS and
 * mutual TLS (Triton's --grpc-use-ssl flags) and tritonserver's keepalive settings. Start and stop
 * mirror the HTTP frontend: close() stops accepting, lets open streams finish what they received,
 * then resolves. It holds no scheduling state; the RPCs themselves live in grpc-service-handlers.ts.
 */
import * as grpc from '@grpc/grpc-js';
import { invalidArg } from '../../common/index.js';
import type { InferenceServer } from '../../core/index.js';
import { loadProtos, MAX_GRPC_MESSAGE_BYTES } from '../../protocol/grpc/index.js';
import type { Restrictions } from '../access/index.js';
import { checkServerTls, type ServerTlsOptions } from '../server-tls.js';
import { restrictHandlers } from './grpc-restrictions.js';
import { healthServiceHandlers, inferenceServiceHandlers } from './grpc-service-handlers.js';
import type { GrpcStreamSession } from './grpc-stream-session.js';

/** `--grpc-infer-response-compression-level` values. */
export const GRPC_COMPRESSION_LEVELS = ['none', 'low', 'medium', 'high'] as const;

/** One of GRPC_COMPRESSION_LEVELS. */
export type GrpcCompressionLevel = (typeof GRPC_COMPRESSION_LEVELS)[number];

/**
 * Default of --grpc-max-message-size: 64 MiB, as --http-max-input-size. Triton accepts 2 GB, which
 * lets one request make the server buffer, copy and decode gigabytes on its main thread.
 */
export const DEFAULT_GRPC_MAX_RECEIVE_BYTES = 64 * 1024 * 1024;

/** gRPC frontend options (tritonserver's flag names in brackets). */
export interface GrpcFrontendOptions {
  /** Port [--grpc-port]; 0 picks a free one; default 8001. */
  port?: number;
  /** Address to bind [--grpc-address]; default '0.0.0.0'. */
  address?: string;
  /**
   * Compression of ModelInfer responses [--grpc-infer-response-compression-level]; default 'none'.
   * Accepted for compatibility: grpc-js servers cannot compress responses, so other levels log a
   * warning and responses stay uncompressed. Compressed requests are always accepted.
   */
  inferResponseCompressionLevel?: GrpcCompressionLevel;
  /** Interval between server keepalive pings in ms [--grpc-keepalive-time]; default 7200000. */
  keepaliveTimeMs?: number;
  /** Time to wait for a ping acknowledgement in ms [--grpc-keepalive-timeout]; default 20000. */
  keepaliveTimeoutMs?: number;
  /** Allow keepalive pings without calls [--grpc-keepalive-permit-without-calls]; default false. */
  keepalivePermitWithoutCalls?: boolean;
  /** Pings allowed without data frames [--grpc-http2-max-pings-without-data]; default 2. */
  http2MaxPingsWithoutData?: number;
  /** Categories that need a metadata key [--grpc-restricted-protocol]; default none (every RPC open). */
  restrictions?: Restrictions;
  /**
   * Largest message received, in bytes, after decompression [--grpc-max-message-size]; a larger
   * length prefix is refused with RESOURCE_EXHAUSTED before its body is buffered; default
   * DEFAULT_GRPC_MAX_RECEIVE_BYTES. Sent messages may be up to 2 GB, as Triton's.
   */
  maxReceiveMessageBytes?: number;
  /** Serve over TLS [--grpc-use-ssl, --grpc-use-ssl-mutual and the cert flags]; default none. */
  tls?: ServerTlsOptions;
}

/** Checks and defaults --grpc-max-message-size (1 to 2 GB - 1, the protobuf limit). */
export function resolveMaxReceiveBytes(bytes: number | undefined): number {
  const value = bytes ?? DEFAULT_GRPC_MAX_RECEIVE_BYTES;
  if (!Number.isSafeInteger(value) || value < 1 || value > MAX_GRPC_MESSAGE_BYTES) {
    throw invalidArg(
      'ERR_BAD_GRPC_LIMIT',
      `--grpc-max-message-size must be between 1 and ${MAX_GRPC_MESSAGE_BYTES}: received ${value}`,
    );
  }
  return value;
}

/**
 * Reads a --grpc-infer-response-compression-level value.
 * @throws ServerError INVALID_ARG (ERR_BAD_GRPC_OPTION) for a level not in GRPC_COMPRESSION_LEVELS
 */
export function parseGrpcCompressionLevel(text: string): GrpcCompressionLevel {
  const level = GRPC_COMPRESSION_LEVELS.find((l) => l === text);
  if (level !== undefined) return level;
  throw invalidArg(
    'ERR_BAD_GRPC_OPTION',
    `--grpc-infer-response-compression-level takes ${GRPC_COMPRESSION_LEVELS.join(', ')}: received '${text}'`,
  );
}

/**
 * Checks the options a GrpcFrontend is created with (the constructor runs this; the CLI runs it
 * before any model loads): a known compression level, keepalive values >= 0, the message limit.
 * @throws ServerError INVALID_ARG naming the flag and the received value
 */
export function checkGrpcFrontendOptions(options: GrpcFrontendOptions): void {
  parseGrpcCompressionLevel(options.inferResponseCompressionLevel ?? 'none');
  const counts: [string, number | undefined][] = [
    ['--grpc-keepalive-time', options.keepaliveTimeMs],
    ['--grpc-keepalive-timeout', options.keepaliveTimeoutMs],
    ['--grpc-http2-max-pings-without-data', options.http2MaxPingsWithoutData],
  ];
  for (const [flag, value] of counts) {
    if (value !== undefined && !(Number.isSafeInteger(value) && value >= 0)) {
      throw invalidArg('ERR_BAD_GRPC_OPTION', `${flag} must be an integer >= 0: received ${value}`);
    }
  }
  resolveMaxReceiveBytes(options.maxReceiveMessageBytes);
  if (options.tls !== undefined) checkServerTls(options.tls, 'grpc');
}

/** grpc-js server credentials for `tls` (insecure without it). */
function serverCredentials(tls: ServerTlsOptions | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  checkServerTls(tls, 'grpc');
  const root = tls.rootCertPem === undefined ? null : Buffer.from(tls.rootCertPem);
  return grpc.ServerCredentials.createSsl(
    root,
    [{ private_key: Buffer.from(tls.keyPem), cert_chain: Buffer.from(tls.certPem) }],
    tls.mutual === true,
  );
}

/** Where the frontend listens. */
export interface GrpcListenAddress {
  /** The bound address as given. */
  address: string;
  /** The bound port. */
  port: number;
}

/** The gRPC frontend. */
export class GrpcFrontend {
  private readonly grpcServer: grpc.Server;
  private readonly port: number;
  private readonly address: string;
  private readonly credentials: grpc.ServerCredentials;
  /** Largest message received, bytes. */
  readonly maxReceiveMessageBytes: number;
  private readonly sessions = new Set<GrpcStreamSession>();
  private readonly forgetSession = (session: GrpcStreamSession): void => {
    this.sessions.delete(session);
  };
  private closing = false;

  constructor(server: InferenceServer, options: GrpcFrontendOptions = {}) {
    checkGrpcFrontendOptions(options);
    this.port = options.port ?? 8001;
    this.address = options.address ?? '0.0.0.0';
    const maxReceive = resolveMaxReceiveBytes(options.maxReceiveMessageBytes);
    this.maxReceiveMessageBytes = maxReceive;
    this.credentials = serverCredentials(options.tls);
    const level = options.inferResponseCompressionLevel ?? 'none';
    if (level !== 'none') {
      server.logger.logWarning(
        `gRPC infer response compression level '${level}' is accepted but responses are sent uncompressed: @grpc/grpc-js servers cannot compress responses`,
      );
    }
    this.grpcServer = new grpc.Server({
      // grpc-js checks a message's 5-byte length prefix against this before reading its body.
      'grpc.max_receive_message_length': maxReceive,
      'grpc.max_send_message_length': MAX_GRPC_MESSAGE_BYTES,
      'grpc.keepalive_time_ms': options.keepaliveTimeMs ?? 7_200_000,
      'grpc.keepalive_timeout_ms': options.keepaliveTimeoutMs ?? 20_000,
      'grpc.keepalive_permit_without_calls': options.keepalivePermitWithoutCalls === true ? 1 : 0,
      'grpc.http2.max_pings_without_data': options.http2MaxPingsWithoutData ?? 2,
      // Nereid serves no channelz service; grpc-js's channelz bookkeeping cost ~5 % of the main
      // thread per call in a profile of ModelInfer at concurrency 16.
      'grpc.enable_channelz': 0,
    });
    const protos = loadProtos();
    const restrictions = options.restrictions ?? new Map();
    this.grpcServer.addService(
      protos.inferenceService,
      restrictHandlers(inferenceServiceHandlers(server, this), restrictions),
    );
    this.grpcServer.addService(
      protos.healthService,
      restrictHandlers(healthServiceHandlers(server), restrictions),
    );
  }

  /** Starts listening; resolves with the bound address and port. */
  listen(): Promise<GrpcListenAddress> {
    const host = this.address.includes(':') ? `[${this.address}]` : this.address;
    return new Promise((resolve, reject) => {
      this.grpcServer.bindAsync(`${host}:${this.port}`, this.credentials, (err, port) => {
        if (err !== null) reject(err);
        else resolve({ address: this.address, port });
      });
    });
  }

  /** Called by the ModelStreamInfer handler for every new stream. */
  onSessionOpen(session: GrpcStreamSession): void {
    if (this.closing) {
      session.drain();
      return;
    }
    session.onClosed = this.forgetSession;
    this.sessions.add(session);
  }

  /**
   * Stops accepting calls; unary calls in flight finish and open streams end once answered. A
   * connection that does not close within `graceMs` (a client holding a cancelled stream's HTTP/2
   * session open) is cut with forceShutdown, so shutdown never hangs on a client.
   */
  close(graceMs = 5000): Promise<void> {
    this.closing = true;
    for (const session of [...this.sessions]) session.drain();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.grpcServer.forceShutdown();
        resolve();
      }, graceMs);
      timer.unref();
      this.grpcServer.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
