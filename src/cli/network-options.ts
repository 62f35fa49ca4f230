/**
 * The network settings of `nereid serve` read from its flags and checked before any model loads
 * (the HTTP bounds, the gRPC message limit, the TLS files of both), and the startup lines that
 * say where each frontend listens, over what and within which bounds. Wiring only: the frontends
 * apply the settings.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import type { Logger } from '../common/index.js';
import {
  checkServerTls,
  type GrpcFrontendOptions,
  type HttpFrontendOptions,
  type HttpLimits,
  resolveHttpLimits,
  resolveJsonDecodePool,
  resolveMaxReceiveBytes,
  type ServerTlsOptions,
} from '../frontends/index.js';
import { asFlagError, FlagError } from './cli-flags.js';
import type { ServeValues } from './serve-options.js';

/** What the flags say about the frontends' connections. */
export interface NetworkOptions {
  /** HTTP bounds and TLS, to spread into HttpFrontendOptions. */
  http: Pick<
    HttpFrontendOptions,
    | 'headerTimeoutMs'
    | 'requestTimeoutMs'
    | 'keepAliveTimeoutMs'
    | 'maxConnections'
    | 'maxInflightBytes'
    | 'jsonDecodeThreads'
    | 'jsonDecodeMinBytes'
    | 'jsonDecodeMaxBytes'
    | 'tls'
  >;
  /** gRPC message limit and TLS, to spread into GrpcFrontendOptions. */
  grpc: Pick<GrpcFrontendOptions, 'maxReceiveMessageBytes' | 'tls'>;
}

/** The flags that name PEM files. */
type PemFlag = `${'http' | 'grpc'}-${'server-cert' | 'server-key' | 'root-cert'}`;

/** Reads a PEM file named by flag `name` ('' when unset). */
function readPem(flags: ServeValues, name: PemFlag): Buffer | undefined {
  const file = flags[name];
  if (file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FlagError(`Cannot read --${name} '${file}': ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** The TLS settings of `--<p>-use-ssl[-mutual]` and the cert flags, or undefined for none. */
function serverTls(flags: ServeValues, p: 'http' | 'grpc', logger: Logger): ServerTlsOptions | undefined {
  const mutual = flags[`${p}-use-ssl-mutual`];
  const files = (['server-cert', 'server-key', 'root-cert'] as const).map((f) => `${p}-${f}` as const);
  if (!mutual && !flags[`${p}-use-ssl`]) {
    const set = files.filter((f) => flags[f] !== '');
    // Ignored as tritonserver ignores them, but said: a certificate given means TLS was meant.
    if (set.length > 0) logger.logWarning(`--${set.join(', --')} ignored: --${p}-use-ssl is not set`);
    return undefined;
  }
  const certPem = readPem(flags, `${p}-server-cert`);
  const keyPem = readPem(flags, `${p}-server-key`);
  const rootCertPem = readPem(flags, `${p}-root-cert`);
  const tls = { certPem: certPem ?? '', keyPem: keyPem ?? '', rootCertPem, mutual };
  asFlagError(() => checkServerTls(tls, p));
  return tls;
}

/** Reads and checks the network flags; throws FlagError naming the flag at fault. */
export function networkOptions(flags: ServeValues, logger: Logger): NetworkOptions {
  const http: NetworkOptions['http'] = {
    headerTimeoutMs: flags['http-header-timeout-ms'],
    requestTimeoutMs: flags['http-request-timeout-ms'],
    keepAliveTimeoutMs: flags['http-keepalive-timeout-ms'],
    maxConnections: flags['http-max-connections'],
    maxInflightBytes: flags['http-max-inflight-bytes'],
    jsonDecodeThreads: flags['http-json-decode-threads'],
    jsonDecodeMinBytes: flags['http-json-decode-min-bytes'],
    jsonDecodeMaxBytes: flags['http-json-decode-max-bytes'],
    tls: flags['allow-http'] ? serverTls(flags, 'http', logger) : undefined,
  };
  asFlagError(() => resolveHttpLimits(http, flags['http-max-input-size']));
  asFlagError(() => resolveJsonDecodePool(http, flags['http-max-input-size']));
  const maxReceive = flags['grpc-max-message-size'];
  asFlagError(() => resolveMaxReceiveBytes(maxReceive));
  return {
    http,
    grpc: {
      maxReceiveMessageBytes: maxReceive,
      tls: flags['allow-grpc'] ? serverTls(flags, 'grpc', logger) : undefined,
    },
  };
}

/** The addresses a wildcard bind accepts connections on, or null for a specific address. */
export function wildcardAddresses(address: string): string[] | null {
  const v6 = address === '::' || address === '[::]';
  if (address !== '0.0.0.0' && address !== '' && !v6) return null;
  const found: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' || v6) found.push(a.address);
  }
  return found;
}

/**
 * Logs, before tritonserver's "Started ..." line, how a frontend bound at `address` is reached:
 * on every interface (and how to keep it local) for a wildcard address, and `details`.
 */
export function logListening(
  logger: Logger,
  service: string,
  address: string,
  addressFlag: string,
  details: readonly string[],
): void {
  for (const line of details) logger.logInfo(`${service}: ${line}`);
  const every = wildcardAddresses(address);
  if (every !== null) {
    logger.logInfo(
      `${service} on ${address} accepts connections on every network interface (${every.join(', ')}); ${addressFlag}=127.0.0.1 keeps it on this host`,
    );
  }
}

/** The startup lines about the HTTP frontend's bounds and transport. */
export function httpDetails(
  limits: HttpLimits,
  tls: ServerTlsOptions | undefined,
  maxInputBytes: number,
): string[] {
  const transport =
    tls === undefined ? 'plain HTTP' : tls.mutual === true ? 'HTTPS, client certificates required' : 'HTTPS';
  return [
    transport,
    `headers within ${limits.headerTimeoutMs} ms, requests within ${limits.requestTimeoutMs} ms, keep-alive ${limits.keepAliveTimeoutMs} ms, at most ${limits.maxConnections} connections, bodies up to ${maxInputBytes} bytes and ${limits.maxInflightBytes} bytes in flight`,
  ];
}

/** The startup lines about the gRPC frontend's message limit and transport. */
export function grpcDetails(maxReceiveBytes: number, tls: ServerTlsOptions | undefined): string[] {
  const transport =
    tls === undefined ? 'plain HTTP/2' : tls.mutual === true ? 'TLS, client certificates required' : 'TLS';
  return [transport, `messages received up to ${maxReceiveBytes} bytes`];
}
