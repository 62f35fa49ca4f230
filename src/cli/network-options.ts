/**
 * The network settings of `nereid serve` read from its flags and checked before any model loads
 * (the HTTP bounds, the gRPC message limit, the TLS files of both), and the startup lines that
 * say where each frontend listens, over what and within which bounds. Wiring only: the frontends
 * apply the settings.
 */
import { readFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { createSecureContext } from 'node:tls';
import type { Logger } from '../common/index.js';
import { ServerError } from '../common/index.js';
import {
  type GrpcFrontendOptions,
  type HttpFrontendOptions,
  type HttpLimits,
  resolveHttpLimits,
  resolveMaxReceiveBytes,
  type ServerTlsOptions,
} from '../frontends/index.js';
import { FlagError, type ParsedFlags } from './cli-flags.js';

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
    | 'tls'
  >;
  /** gRPC message limit and TLS, to spread into GrpcFrontendOptions. */
  grpc: Pick<GrpcFrontendOptions, 'maxReceiveMessageBytes' | 'tls'>;
}

/** Reads a PEM file named by flag `name` ('' when unset). */
function readPem(flags: ParsedFlags, name: string): Buffer | undefined {
  const file = flags.values[name] as string;
  if (file === '') return undefined;
  try {
    return readFileSync(file);
  } catch (err) {
    throw new FlagError(`Cannot read --${name} '${file}': ${(err as NodeJS.ErrnoException).code ?? err}`);
  }
}

/** The TLS settings of `--<p>-use-ssl[-mutual]` and the cert flags, or undefined for none. */
function serverTls(flags: ParsedFlags, p: 'http' | 'grpc', logger: Logger): ServerTlsOptions | undefined {
  const mutual = flags.values[`${p}-use-ssl-mutual`] === true;
  const files = ['server-cert', 'server-key', 'root-cert'].map((f) => `${p}-${f}`);
  if (!mutual && flags.values[`${p}-use-ssl`] !== true) {
    const set = files.filter((f) => flags.values[f] !== '');
    // Ignored as tritonserver ignores them, but said: a certificate given means TLS was meant.
    if (set.length > 0) logger.logWarning(`--${set.join(', --')} ignored: --${p}-use-ssl is not set`);
    return undefined;
  }
  const certPem = readPem(flags, `${p}-server-cert`);
  const keyPem = readPem(flags, `${p}-server-key`);
  const rootCertPem = readPem(flags, `${p}-root-cert`);
  if (certPem === undefined || keyPem === undefined) {
    throw new FlagError(`--${p}-use-ssl needs --${p}-server-cert and --${p}-server-key`);
  }
  if (mutual && rootCertPem === undefined) {
    throw new FlagError(`--${p}-use-ssl-mutual needs --${p}-root-cert (the CA of client certificates)`);
  }
  try {
    // Fails now, not at the first handshake, on a key that does not match its certificate.
    createSecureContext({ cert: certPem, key: keyPem, ca: rootCertPem });
  } catch (err) {
    throw new FlagError(`Cannot use --${p}-server-cert with --${p}-server-key: ${(err as Error).message}`);
  }
  return { certPem, keyPem, rootCertPem, mutual };
}

/** Runs `check`, turning a ServerError about an option into the FlagError it is. */
function asFlagError<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof ServerError) throw new FlagError(err.message);
    throw err;
  }
}

/** Reads and checks the network flags; throws FlagError naming the flag at fault. */
export function networkOptions(flags: ParsedFlags, logger: Logger): NetworkOptions {
  const http: NetworkOptions['http'] = {
    headerTimeoutMs: flags.values['http-header-timeout-ms'] as number,
    requestTimeoutMs: flags.values['http-request-timeout-ms'] as number,
    keepAliveTimeoutMs: flags.values['http-keepalive-timeout-ms'] as number,
    maxConnections: flags.values['http-max-connections'] as number,
    maxInflightBytes: flags.values['http-max-inflight-bytes'] as number,
    tls: flags.values['allow-http'] === true ? serverTls(flags, 'http', logger) : undefined,
  };
  asFlagError(() => resolveHttpLimits(http, flags.values['http-max-input-size'] as number));
  const maxReceive = flags.values['grpc-max-message-size'] as number;
  asFlagError(() => resolveMaxReceiveBytes(maxReceive));
  return {
    http,
    grpc: {
      maxReceiveMessageBytes: maxReceive,
      tls: flags.values['allow-grpc'] === true ? serverTls(flags, 'grpc', logger) : undefined,
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
