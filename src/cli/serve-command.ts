/**
 * `nereid serve`: starts the core with the model repositories and the HTTP frontend, prints
 * Triton's startup table of models, and on SIGINT/SIGTERM stops accepting, finishes in-flight
 * requests (up to --exit-timeout-secs) and exits.
 */
import type { AddressInfo } from 'node:net';
import {
  createDefaultBackendRegistry,
  type JsBackendSettings,
  parseJsBackendConfig,
} from '../backends/index.js';
import type { Logger } from '../common/index.js';
import { ServerError, systemClock } from '../common/index.js';
import {
  checkStartupModels,
  createResponseCache,
  DEFAULT_MAX_SHARED_MEMORY_REGIONS,
  DEFAULT_MODEL_LOAD_CONCURRENCY,
  InferenceServer,
  type ModelControlMode,
  parseCacheConfig,
  parseModelControlMode,
  type ResponseCache,
} from '../core/index.js';
import {
  API_CATEGORIES,
  DEFAULT_DASHBOARD_MAX_SUBSCRIBERS,
  DEFAULT_GRPC_MAX_RECEIVE_BYTES,
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  GRPC_COMPRESSION_LEVELS,
  type GrpcCompressionLevel,
  GrpcFrontend,
  HttpFrontend,
  MAX_CONNECTIONS_CAP,
  MetricsFrontend,
  PrometheusObserver,
  parseMetricsConfig,
  parseRestrictions,
  type Restrictions,
} from '../frontends/index.js';
import { FlagError, type FlagSpec, formatHelp, type ParsedFlags, parseFlags } from './cli-flags.js';
import { grpcDetails, httpDetails, logListening, networkOptions } from './network-options.js';
import { loggerFromFlags, OBSERVABILITY_FLAGS, traceConfigFromFlags } from './observability-options.js';

/** The flags of `nereid serve` (tritonserver's names where the concept matches). */
export const SERVE_FLAGS: FlagSpec[] = [
  {
    name: 'model-repository',
    aliases: ['model-store'],
    kind: 'list',
    metavar: 'DIR',
    help: 'Model repository directory',
    default: [],
  },
  {
    name: 'model-control-mode',
    kind: 'string',
    metavar: 'MODE',
    help: 'none: load every model at startup; poll: also apply repository changes; explicit: load --load-model models, then what the repository API asks',
    default: 'none',
  },
  {
    name: 'load-model',
    kind: 'list',
    metavar: 'NAME',
    help: "With --model-control-mode=explicit: a model to load at startup ('*' = all, alone)",
    default: [],
  },
  {
    name: 'repository-poll-secs',
    kind: 'int',
    metavar: 'S',
    help: 'With --model-control-mode=poll: seconds between repository polls (0 = never)',
    default: 15,
  },
  {
    name: 'model-load-thread-count',
    kind: 'int',
    metavar: 'N',
    help: 'Most models loading at once (each load starts worker threads and reads model files)',
    default: DEFAULT_MODEL_LOAD_CONCURRENCY,
  },
  {
    name: 'max-instances-per-model',
    kind: 'int',
    metavar: 'N',
    help: 'Most instances (worker threads) one model version may start: a larger instance_group fails its load (0 = 4 per core, at least 16)',
    default: 0,
  },
  {
    name: 'max-total-instances',
    kind: 'int',
    metavar: 'N',
    help: 'Most instances across the server (reloads count old and new while they swap): loads past it fail with UNAVAILABLE (0 = 16 per core, at least 64)',
    default: 0,
  },
  {
    name: 'strict-readiness',
    kind: 'bool',
    help: 'Ready (GET /v2/health/ready) only when every model that should be loaded is READY; false: ready when live',
    default: true,
  },
  {
    name: 'id',
    kind: 'string',
    help: "Server id reported in server metadata ('triton' for clients that check it)",
    default: 'nereid',
  },
  { name: 'allow-http', kind: 'bool', help: 'Serve the KServe v2 HTTP/REST protocol', default: true },
  { name: 'http-port', kind: 'int', metavar: 'PORT', help: 'HTTP port (0 picks a free port)', default: 8000 },
  { name: 'http-address', kind: 'string', metavar: 'ADDR', help: 'HTTP bind address', default: '0.0.0.0' },
  {
    name: 'http-max-input-size',
    kind: 'int',
    metavar: 'BYTES',
    help: 'Largest accepted HTTP request body, also after decompression',
    default: 67108864,
  },
  {
    name: 'http-header-timeout-ms',
    kind: 'int',
    metavar: 'MS',
    help: "Most time to receive a request's headers, from its first byte (from the connection for a new one); then 408 and the connection closes (0 = none; Apache's 20000, Node and nginx 60000)",
    default: DEFAULT_HEADER_TIMEOUT_MS,
  },
  {
    name: 'http-request-timeout-ms',
    kind: 'int',
    metavar: 'MS',
    help: "Most time to receive a whole request, headers and body; the response may take longer (0 = none; Node's default)",
    default: DEFAULT_REQUEST_TIMEOUT_MS,
  },
  {
    name: 'http-keepalive-timeout-ms',
    kind: 'int',
    metavar: 'MS',
    help: 'How long an idle keep-alive connection stays open (above the 60 s of common load balancers; Node 5000, nginx 75000)',
    default: DEFAULT_KEEPALIVE_TIMEOUT_MS,
  },
  {
    name: 'http-max-connections',
    kind: 'int',
    metavar: 'N',
    help: `Most open HTTP connections; more are closed at once and logged (0 = half the open-file limit, at most ${MAX_CONNECTIONS_CAP})`,
    default: 0,
  },
  {
    name: 'http-max-inflight-bytes',
    kind: 'int',
    metavar: 'BYTES',
    help: 'Most bytes of request bodies (received and inflated) all HTTP requests hold at once; past it 503 with Retry-After (0 = 4 x --http-max-input-size)',
    default: 0,
  },
  {
    name: 'http-use-ssl',
    kind: 'bool',
    help: 'Serve HTTPS instead of HTTP, with --http-server-cert and --http-server-key (tritonserver has no HTTPS)',
    default: false,
  },
  {
    name: 'http-use-ssl-mutual',
    kind: 'bool',
    help: 'Serve HTTPS and require client certificates signed by --http-root-cert (implies --http-use-ssl)',
    default: false,
  },
  {
    name: 'http-server-cert',
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the HTTPS server certificate (chain)',
    default: '',
  },
  {
    name: 'http-server-key',
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the HTTPS server private key',
    default: '',
  },
  {
    name: 'http-root-cert',
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the CA that HTTPS client certificates must chain to (with --http-use-ssl-mutual)',
    default: '',
  },
  { name: 'allow-grpc', kind: 'bool', help: 'Serve the KServe v2 gRPC protocol', default: true },
  { name: 'grpc-port', kind: 'int', metavar: 'PORT', help: 'gRPC port (0 picks a free port)', default: 8001 },
  { name: 'grpc-address', kind: 'string', metavar: 'ADDR', help: 'gRPC bind address', default: '0.0.0.0' },
  {
    name: 'grpc-infer-response-compression-level',
    kind: 'string',
    metavar: 'LEVEL',
    help: 'ModelInfer response compression: none, low, medium or high (grpc-js sends responses uncompressed)',
    default: 'none',
  },
  {
    name: 'grpc-keepalive-time',
    kind: 'int',
    metavar: 'MS',
    help: 'Interval between gRPC keepalive pings',
    default: 7200000,
  },
  {
    name: 'grpc-keepalive-timeout',
    kind: 'int',
    metavar: 'MS',
    help: 'How long to wait for a gRPC keepalive ping acknowledgement',
    default: 20000,
  },
  {
    name: 'grpc-keepalive-permit-without-calls',
    kind: 'bool',
    help: 'Allow gRPC keepalive pings when no call is open',
    default: false,
  },
  {
    name: 'grpc-http2-max-pings-without-data',
    kind: 'int',
    metavar: 'N',
    help: 'gRPC pings allowed without a data frame in between',
    default: 2,
  },
  {
    name: 'grpc-max-message-size',
    kind: 'int',
    metavar: 'BYTES',
    help: 'Largest gRPC message received, also after decompression; a larger one gets RESOURCE_EXHAUSTED before it is read (tritonserver: 2147483647)',
    default: DEFAULT_GRPC_MAX_RECEIVE_BYTES,
  },
  {
    name: 'grpc-use-ssl',
    kind: 'bool',
    help: 'Serve gRPC over TLS, with --grpc-server-cert and --grpc-server-key',
    default: false,
  },
  {
    name: 'grpc-use-ssl-mutual',
    kind: 'bool',
    help: 'Serve gRPC over TLS and require client certificates signed by --grpc-root-cert (implies --grpc-use-ssl)',
    default: false,
  },
  {
    name: 'grpc-server-cert',
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the gRPC server certificate (chain)',
    default: '',
  },
  {
    name: 'grpc-server-key',
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the gRPC server private key',
    default: '',
  },
  {
    name: 'grpc-root-cert',
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the CA that gRPC client certificates must chain to (with --grpc-use-ssl-mutual)',
    default: '',
  },
  {
    name: 'allow-client-shm',
    kind: 'bool',
    help: 'Let clients register system shared-memory regions (/dev/shm) and pass tensors through them',
    default: false,
  },
  {
    name: 'max-shared-memory-regions',
    kind: 'int',
    metavar: 'N',
    help: 'Most registered shared-memory regions (each holds a file descriptor): later registrations answer 503',
    default: DEFAULT_MAX_SHARED_MEMORY_REGIONS,
  },
  {
    name: 'http-restricted-api',
    kind: 'list',
    metavar: 'APIS:KEY=VALUE',
    help: `HTTP endpoints of these APIs (comma-separated: ${API_CATEGORIES.join(', ')}) answer 403 unless the request has header KEY: VALUE`,
    default: [],
  },
  {
    name: 'grpc-restricted-protocol',
    kind: 'list',
    metavar: 'APIS:KEY=VALUE',
    help: 'gRPC RPCs of these APIs (as --http-restricted-api) answer PERMISSION_DENIED unless the call has metadata triton-grpc-protocol-KEY: VALUE',
    default: [],
  },
  { name: 'allow-metrics', kind: 'bool', help: 'Serve Prometheus metrics', default: true },
  { name: 'allow-cpu-metrics', kind: 'bool', help: 'Report the nv_cpu_* host metrics', default: true },
  {
    name: 'metrics-port',
    kind: 'int',
    metavar: 'PORT',
    help: 'Metrics port (0 picks a free port)',
    default: 8002,
  },
  {
    name: 'metrics-address',
    kind: 'string',
    metavar: 'ADDR',
    help: 'Metrics bind address (default: --http-address, or 0.0.0.0 without HTTP)',
    default: '',
  },
  {
    name: 'metrics-interval-ms',
    kind: 'int',
    metavar: 'MS',
    help: 'Refresh period of the CPU and memory metrics',
    default: 2000,
  },
  {
    name: 'metrics-config',
    kind: 'list',
    metavar: 'KEY=VALUE',
    help: 'Metrics setting: counter_latencies=BOOL, histogram_latencies=BOOL (both default true)',
    default: [],
  },
  {
    name: 'dashboard',
    kind: 'bool',
    help: 'Serve the live dashboard at /dashboard/ on the HTTP port (restricted with the statistics API of --http-restricted-api)',
    default: true,
  },
  {
    name: 'dashboard-max-clients',
    kind: 'int',
    metavar: 'N',
    help: 'Most dashboard pages open at once (one event stream each); one more gets 503',
    default: DEFAULT_DASHBOARD_MAX_SUBSCRIBERS,
  },
  {
    name: 'strict-model-config',
    kind: 'bool',
    help: 'Require a complete config.pbtxt (no auto-complete from the model file)',
    default: false,
  },
  {
    name: 'disable-auto-complete-config',
    kind: 'bool',
    help: 'Same as --strict-model-config=true',
    default: false,
  },
  {
    name: 'exit-on-error',
    kind: 'bool',
    help: 'Exit at startup if any model fails to load (otherwise it is UNAVAILABLE and the rest serve)',
    default: false,
  },
  {
    name: 'exit-timeout-secs',
    kind: 'int',
    metavar: 'S',
    help: 'On shutdown, how long in-flight requests may take before the process exits anyway',
    default: 30,
  },
  {
    name: 'backend-config',
    kind: 'list',
    metavar: 'BACKEND,K=V',
    help: 'Backend setting, e.g. onnxruntime,default-max-batch-size=8 or javascript,execution-timeout-ms=60000 (keys of javascript: docs/javascript-backend.md)',
    default: [],
  },
  {
    name: 'cache-config',
    kind: 'list',
    metavar: 'CACHE,K=V',
    help: 'Response cache for models with response_cache { enable: true }: local,size=BYTES or redis,host=H,port=P[,...] (repeatable; see docs/cache.md)',
    default: [],
  },
  {
    name: 'response-cache-byte-size',
    kind: 'int',
    metavar: 'BYTES',
    help: 'Deprecated: same as --cache-config local,size=BYTES',
    default: 0,
  },
  ...OBSERVABILITY_FLAGS,
  { name: 'help', short: 'h', kind: 'bool', help: 'Show this help', default: false },
];

/** Help text of `nereid serve`. */
export const SERVE_HELP = formatHelp(
  'nereid serve --model-repository DIR [options]',
  'Serve the models of one or more Triton model repositories over KServe v2 HTTP.',
  SERVE_FLAGS,
);

/**
 * Says at startup which APIs are restricted, and warns when the repository API, which can load
 * code (`file:` overrides), is open to every client of a protocol that is served.
 */
function logAccess(
  logger: Logger,
  flags: ParsedFlags,
  mode: ModelControlMode,
  http: Restrictions,
  grpc: Restrictions,
): void {
  const served: [string, Restrictions][] = [];
  if (flags.values['allow-http'] === true) served.push(['HTTP', http]);
  if (flags.values['allow-grpc'] === true) served.push(['gRPC', grpc]);
  for (const [protocol, restrictions] of served) {
    for (const [api, r] of restrictions)
      logger.logInfo(`${protocol} API '${api}' is restricted to requests with header '${r.key}'`);
    if (mode === 'explicit' && !restrictions.has('model-repository')) {
      logger.logWarning(
        `The model-repository API is open to every ${protocol} client: loading a model with file overrides runs code as this user; restrict it with ${protocol === 'HTTP' ? '--http-restricted-api' : '--grpc-restricted-protocol'}=model-repository:<key>=<value> (see docs/security.md)`,
      );
    }
  }
}

/** The value of an int flag that must be >= 1. */
function positiveFlag(flags: ParsedFlags, name: string): number {
  const value = flags.values[name] as number;
  if (value < 1) throw new FlagError(`--${name} must be >= 1: received ${value}`);
  return value;
}

/** The value of an int flag where 0 means the default (undefined); negative values are refused. */
function autoFlag(flags: ParsedFlags, name: string): number | undefined {
  const value = flags.values[name] as number;
  if (value < 0) throw new FlagError(`--${name} must be >= 0 (0 = automatic): received ${value}`);
  return value === 0 ? undefined : value;
}

/** Reads `--backend-config onnxruntime,default-max-batch-size=N`. */
function defaultMaxBatchSize(flags: ParsedFlags): number {
  let value = 4;
  for (const entry of flags.values['backend-config'] as string[]) {
    const [backend, setting] = [entry.slice(0, entry.indexOf(',')), entry.slice(entry.indexOf(',') + 1)];
    if (entry.indexOf(',') === -1 || !setting.includes('=')) {
      throw new FlagError(`--backend-config takes BACKEND,KEY=VALUE: received '${entry}'`);
    }
    const [key, v] = setting.split('=', 2) as [string, string];
    if (backend === 'onnxruntime' && key === 'default-max-batch-size') {
      if (!/^[0-9]+$/.test(v))
        throw new FlagError(`default-max-batch-size must be a non-negative integer: received '${v}'`);
      value = Number(v);
    }
  }
  return value;
}

/**
 * Reads the `--backend-config javascript,KEY=VALUE` settings (timeouts, isolation, heap limit);
 * an unknown key or a bad value is a startup error. Malformed entries are defaultMaxBatchSize's.
 */
function javascriptBackendSettings(flags: ParsedFlags): JsBackendSettings {
  const settings: [string, string][] = [];
  for (const entry of flags.values['backend-config'] as string[]) {
    const comma = entry.indexOf(',');
    if (comma === -1 || entry.slice(0, comma) !== 'javascript') continue;
    const setting = entry.slice(comma + 1);
    const eq = setting.indexOf('=');
    if (eq !== -1) settings.push([setting.slice(0, eq), setting.slice(eq + 1)]);
  }
  try {
    return parseJsBackendConfig(settings);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
}

/** Reads the model-management flags: control mode, startup models, poll interval, readiness. */
function modelControl(flags: ParsedFlags): {
  modelControlMode: ModelControlMode;
  startupModels: string[];
  repositoryPollSecs: number;
  strictReadiness: boolean;
} {
  const startupModels = flags.values['load-model'] as string[];
  const repositoryPollSecs = flags.values['repository-poll-secs'] as number;
  let modelControlMode: ModelControlMode;
  try {
    modelControlMode = parseModelControlMode(flags.values['model-control-mode'] as string);
    checkStartupModels(startupModels);
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
  if (startupModels.length > 0 && modelControlMode !== 'explicit') {
    throw new FlagError(
      `--load-model needs --model-control-mode=explicit: received --model-control-mode=${modelControlMode}`,
    );
  }
  if (repositoryPollSecs < 0) {
    throw new FlagError(`--repository-poll-secs must be >= 0: received ${repositoryPollSecs}`);
  }
  return {
    modelControlMode,
    startupModels,
    repositoryPollSecs,
    strictReadiness: flags.values['strict-readiness'] as boolean,
  };
}

/** The Prometheus observer of `--allow-metrics` (null when metrics are off: no cost per request). */
function metricsObserver(flags: ParsedFlags, cache: ResponseCache | null): PrometheusObserver | null {
  if (flags.values['allow-metrics'] !== true) return null;
  const intervalMs = flags.values['metrics-interval-ms'] as number;
  if (intervalMs <= 0) throw new FlagError(`--metrics-interval-ms must be > 0: received ${intervalMs}`);
  try {
    return new PrometheusObserver({
      ...parseMetricsConfig(flags.values['metrics-config'] as string[]),
      cpuMetrics: flags.values['allow-cpu-metrics'] as boolean,
      metricsIntervalMs: intervalMs,
      cache,
    });
  } catch (err) {
    throw new FlagError((err as Error).message);
  }
}

/** The response cache of `--cache-config` / `--response-cache-byte-size`, or null. */
async function responseCache(flags: ParsedFlags, logger: Logger): Promise<ResponseCache | null> {
  try {
    const config = parseCacheConfig(
      flags.values['cache-config'] as string[],
      flags.values['response-cache-byte-size'] as number,
    );
    return await createResponseCache(config, { logger, clock: systemClock });
  } catch (err) {
    if (err instanceof ServerError) throw new FlagError(err.message);
    throw err;
  }
}

/** The URL a browser on this host opens the dashboard at (a wildcard address becomes localhost). */
export function dashboardUrl(address: AddressInfo, tls: boolean): string {
  const wildcard = address.address === '0.0.0.0' || address.address === '::';
  const host = wildcard ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${tls ? 'https' : 'http'}://${host}:${address.port}/dashboard/`;
}

/** Renders the startup table of models. */
export function modelTable(
  rows: { name: string; version?: string; state: string; reason: string }[],
): string {
  const cells = rows.map((r) => [
    r.name,
    r.version ?? '-',
    r.state === 'READY' ? 'READY' : `${r.state}: ${r.reason}`,
  ]);
  const head = ['Model', 'Version', 'Status'];
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const fmt = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i]!)).join(' | ')} |`;
  return [line, fmt(head), line, ...cells.map(fmt), line].join('\n');
}

/** Runs `nereid serve`; resolves when the server has stopped. */
export async function serveCommand(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(argv, SERVE_FLAGS);
  if (flags.values.help === true) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const repositories = [...(flags.values['model-repository'] as string[]), ...flags.positional];
  if (repositories.length === 0) throw new FlagError('At least one --model-repository is required');
  const compressionLevel = flags.values['grpc-infer-response-compression-level'] as string;
  if (!(GRPC_COMPRESSION_LEVELS as readonly string[]).includes(compressionLevel)) {
    throw new FlagError(
      `--grpc-infer-response-compression-level takes ${GRPC_COMPRESSION_LEVELS.join(', ')}: received '${compressionLevel}'`,
    );
  }
  const control = modelControl(flags);
  const dashboardClients = flags.values.dashboard === true ? positiveFlag(flags, 'dashboard-max-clients') : 0;
  const httpRestrictions = parseRestrictions(flags.values['http-restricted-api'] as string[], 'http');
  const grpcRestrictions = parseRestrictions(flags.values['grpc-restricted-protocol'] as string[], 'grpc');
  const logger = loggerFromFlags(flags);
  const trace = traceConfigFromFlags(flags);
  const network = networkOptions(flags, logger);
  const maxBatchSize = defaultMaxBatchSize(flags);
  const backends = createDefaultBackendRegistry({ javascript: javascriptBackendSettings(flags) });
  const cache = await responseCache(flags, logger);
  const observer = metricsObserver(flags, cache);
  const server = await InferenceServer.start({
    modelRepositories: repositories,
    id: flags.values.id as string,
    strictModelConfig:
      (flags.values['strict-model-config'] as boolean) ||
      (flags.values['disable-auto-complete-config'] as boolean),
    exitOnError: flags.values['exit-on-error'] as boolean,
    ...control,
    defaultMaxBatchSize: maxBatchSize,
    backends,
    logger,
    observer,
    cache,
    allowClientShm: flags.values['allow-client-shm'] as boolean,
    maxSharedMemoryRegions: positiveFlag(flags, 'max-shared-memory-regions'),
    modelLoadConcurrency: positiveFlag(flags, 'model-load-thread-count'),
    maxInstancesPerModel: autoFlag(flags, 'max-instances-per-model'),
    maxTotalInstances: autoFlag(flags, 'max-total-instances'),
    trace,
  });
  process.stderr.write(`${modelTable(server.repositoryIndex())}\n`);
  const frontends: { close(): Promise<void> }[] = [];
  // Metrics start before HTTP: tests and tools take "Started HTTPService" as the sign of readiness.
  if (observer !== null) {
    const metricsAddress =
      (flags.values['metrics-address'] as string) ||
      (flags.values['allow-http'] === true ? (flags.values['http-address'] as string) : '0.0.0.0');
    const metrics = new MetricsFrontend(server, observer, {
      port: flags.values['metrics-port'] as number,
      address: metricsAddress,
    });
    const address = await metrics.listen();
    frontends.push(metrics);
    logListening(logger, 'Metrics Service', metricsAddress, '--metrics-address', ['plain HTTP']);
    logger.logInfo(`Started Metrics Service at ${address.address}:${address.port}`);
  }
  // gRPC first, as tritonserver does; HTTP's line is the last one before the server is serving.
  if (flags.values['allow-grpc'] === true) {
    const grpc = new GrpcFrontend(server, {
      port: flags.values['grpc-port'] as number,
      address: flags.values['grpc-address'] as string,
      inferResponseCompressionLevel: compressionLevel as GrpcCompressionLevel,
      keepaliveTimeMs: flags.values['grpc-keepalive-time'] as number,
      keepaliveTimeoutMs: flags.values['grpc-keepalive-timeout'] as number,
      keepalivePermitWithoutCalls: flags.values['grpc-keepalive-permit-without-calls'] as boolean,
      http2MaxPingsWithoutData: flags.values['grpc-http2-max-pings-without-data'] as number,
      restrictions: grpcRestrictions,
      ...network.grpc,
    });
    const address = await grpc.listen();
    frontends.push(grpc);
    logListening(
      logger,
      'GRPCInferenceService',
      address.address,
      '--grpc-address',
      grpcDetails(grpc.maxReceiveMessageBytes, network.grpc.tls),
    );
    logger.logInfo(`Started GRPCInferenceService at ${address.address}:${address.port}`);
  }
  if (flags.values['allow-http'] === true) {
    const http = new HttpFrontend(server, {
      port: flags.values['http-port'] as number,
      address: flags.values['http-address'] as string,
      maxInputSizeBytes: flags.values['http-max-input-size'] as number,
      restrictions: httpRestrictions,
      dashboard: dashboardClients > 0 ? { maxSubscribers: dashboardClients, latency: observer } : false,
      ...network.http,
    });
    const address = await http.listen();
    frontends.push(http);
    logListening(
      logger,
      'HTTPService',
      address.address,
      '--http-address',
      httpDetails(http.limits, network.http.tls, flags.values['http-max-input-size'] as number),
    );
    if (http.dashboard !== null) logger.logInfo(`Dashboard at ${dashboardUrl(address, http.tls)}`);
    logger.logInfo(`Started HTTPService at ${address.address}:${address.port}`);
  }
  logAccess(logger, flags, control.modelControlMode, httpRestrictions, grpcRestrictions);
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      const timeoutS = flags.values['exit-timeout-secs'] as number;
      logger.logInfo(`Received ${signal}: finishing in-flight requests (up to ${timeoutS} s)`);
      const timer = setTimeout(() => {
        logger.logWarning(`Exit timeout of ${timeoutS} s expired with requests still in flight`);
        resolve(1);
      }, timeoutS * 1000);
      timer.unref();
      void Promise.all(frontends.map((f) => f.close()))
        .then(() => server.shutdown())
        .then(() => {
          clearTimeout(timer);
          logger.logInfo('Server stopped');
          return logger.close();
        })
        .then(() => {
          resolve(0);
        });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
