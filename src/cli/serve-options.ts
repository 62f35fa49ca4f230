/**
 * The options of `nereid serve` as one typed table (tritonserver's flag names where the concept
 * matches): kind, default, unit, help and parser of every flag. `--help` and the README's CLI
 * block are generated from it; serve-command.ts reads the typed values. Parsers only turn text
 * into values; the library constructors check them (docs/adr/0022-typed-cli-options.md).
 */
import { type JsBackendSettings, parseJsBackendConfig } from '../backends/index.js';
import {
  DEFAULT_MAX_SHARED_MEMORY_REGIONS,
  DEFAULT_MODEL_LOAD_CONCURRENCY,
  parseModelControlMode,
} from '../core/index.js';
import {
  API_CATEGORIES,
  DEFAULT_DASHBOARD_MAX_SUBSCRIBERS,
  DEFAULT_GRPC_MAX_RECEIVE_BYTES,
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_JSON_DECODE_MIN_BYTES,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MAX_CONNECTIONS_CAP,
  MAX_DEFAULT_JSON_DECODE_THREADS,
  parseGrpcCompressionLevel,
  parseMetricsConfig,
  parseRestrictions,
} from '../frontends/index.js';
import { FlagError } from './cli-flags.js';
import { OBSERVABILITY_OPTIONS } from './observability-options.js';
import { flagSpecs, type OptionValues, option } from './option-spec.js';

/** The `--backend-config` settings Nereid reads, by backend. */
export interface BackendConfig {
  /** onnxruntime,default-max-batch-size: max_batch_size of auto-completed batching models; default 4. */
  defaultMaxBatchSize: number;
  /** The javascript backend's settings (docs/javascript-backend.md). */
  javascript: JsBackendSettings;
}

/** Reads the `--backend-config BACKEND,KEY=VALUE` entries (other backends' keys are ignored). */
export function parseBackendConfig(entries: readonly string[]): BackendConfig {
  let defaultMaxBatchSize = 4;
  const javascript: [string, string][] = [];
  for (const entry of entries) {
    const comma = entry.indexOf(',');
    const eq = entry.indexOf('=', comma + 1);
    if (comma === -1 || eq === -1) {
      throw new FlagError(`--backend-config takes BACKEND,KEY=VALUE: received '${entry}'`);
    }
    const backend = entry.slice(0, comma);
    const key = entry.slice(comma + 1, eq);
    const value = entry.slice(eq + 1);
    if (backend === 'javascript') javascript.push([key, value]);
    else if (backend === 'onnxruntime' && key === 'default-max-batch-size') {
      if (!/^[0-9]+$/.test(value))
        throw new FlagError(`default-max-batch-size must be a non-negative integer: received '${value}'`);
      defaultMaxBatchSize = Number(value);
    }
  }
  return { defaultMaxBatchSize, javascript: parseJsBackendConfig(javascript) };
}

/** A count where 0 means "automatic" (the library's default): 0 becomes undefined. */
function automatic(value: number): number | undefined {
  return value === 0 ? undefined : value;
}

/** The options of `nereid serve`, in `--help` order. */
export const SERVE_OPTIONS = {
  'model-repository': option({
    aliases: ['model-store'],
    kind: 'list',
    metavar: 'DIR',
    help: 'Model repository directory',
    default: [],
  }),
  'model-control-mode': option({
    kind: 'string',
    metavar: 'MODE',
    help: 'none: load every model at startup; poll: also apply repository changes; explicit: load --load-model models, then what the repository API asks',
    default: 'none',
    parse: parseModelControlMode,
  }),
  'load-model': option({
    kind: 'list',
    metavar: 'NAME',
    help: "With --model-control-mode=explicit: a model to load at startup ('*' = all, alone)",
    default: [],
  }),
  'repository-poll-secs': option({
    kind: 'int',
    unit: 's',
    help: 'With --model-control-mode=poll: seconds between repository polls (0 = never)',
    default: 15,
  }),
  'model-load-thread-count': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most models loading at once (each load starts worker threads and reads model files)',
    default: DEFAULT_MODEL_LOAD_CONCURRENCY,
  }),
  'max-instances-per-model': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most instances (worker threads) one model version may start: a larger instance_group fails its load (0 = 4 per core, at least 16)',
    default: 0,
    parse: automatic,
  }),
  'max-total-instances': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most instances across the server (reloads count old and new while they swap): loads past it fail with UNAVAILABLE (0 = 16 per core, at least 64)',
    default: 0,
    parse: automatic,
  }),
  'strict-readiness': option({
    kind: 'bool',
    help: 'Ready (GET /v2/health/ready) only when every model that should be loaded is READY; false: ready when live',
    default: true,
  }),
  id: option({
    kind: 'string',
    help: "Server id reported in server metadata ('triton' for clients that check it)",
    default: 'nereid',
  }),
  'allow-http': option({ kind: 'bool', help: 'Serve the KServe v2 HTTP/REST protocol', default: true }),
  'http-port': option({
    kind: 'int',
    metavar: 'PORT',
    help: 'HTTP port (0 picks a free port)',
    default: 8000,
  }),
  'http-address': option({ kind: 'string', metavar: 'ADDR', help: 'HTTP bind address', default: '0.0.0.0' }),
  'http-max-input-size': option({
    kind: 'int',
    unit: 'bytes',
    help: 'Largest accepted HTTP request body, also after decompression',
    default: 67108864,
  }),
  'http-header-timeout-ms': option({
    kind: 'int',
    unit: 'ms',
    help: "Most time to receive a request's headers, from its first byte (from the connection for a new one); then 408 and the connection closes (0 = none; Apache's 20000, Node and nginx 60000)",
    default: DEFAULT_HEADER_TIMEOUT_MS,
  }),
  'http-request-timeout-ms': option({
    kind: 'int',
    unit: 'ms',
    help: "Most time to receive a whole request, headers and body; the response may take longer (0 = none; Node's default)",
    default: DEFAULT_REQUEST_TIMEOUT_MS,
  }),
  'http-keepalive-timeout-ms': option({
    kind: 'int',
    unit: 'ms',
    help: 'How long an idle keep-alive connection stays open (above the 60 s of common load balancers; Node 5000, nginx 75000)',
    default: DEFAULT_KEEPALIVE_TIMEOUT_MS,
  }),
  'http-max-connections': option({
    kind: 'int',
    metavar: 'N',
    help: `Most open HTTP connections; more are closed at once and logged (0 = half the open-file limit, at most ${MAX_CONNECTIONS_CAP})`,
    default: 0,
  }),
  'http-max-inflight-bytes': option({
    kind: 'int',
    unit: 'bytes',
    help: 'Most bytes of request bodies (received and inflated) all HTTP requests hold at once; past it 503 with Retry-After (0 = 4 x --http-max-input-size)',
    default: 0,
  }),
  'http-json-decode-threads': option({
    kind: 'int',
    metavar: 'N',
    help: `Worker threads that decode large JSON inference bodies, shared by all models (-1 = one per core, at most ${MAX_DEFAULT_JSON_DECODE_THREADS}; 0 = none, all on the main thread)`,
    default: -1,
  }),
  'http-json-decode-min-bytes': option({
    kind: 'int',
    unit: 'bytes',
    help: 'Smallest JSON part of an inference body decoded by those threads; smaller ones stay on the main thread',
    default: DEFAULT_JSON_DECODE_MIN_BYTES,
  }),
  'http-json-decode-max-bytes': option({
    kind: 'int',
    unit: 'bytes',
    help: 'Most body bytes the JSON decode threads hold at once; past it 503 with Retry-After (0 = 2 x --http-max-input-size)',
    default: 0,
  }),
  'http-use-ssl': option({
    kind: 'bool',
    help: 'Serve HTTPS instead of HTTP, with --http-server-cert and --http-server-key (tritonserver has no HTTPS)',
    default: false,
  }),
  'http-use-ssl-mutual': option({
    kind: 'bool',
    help: 'Serve HTTPS and require client certificates signed by --http-root-cert (implies --http-use-ssl)',
    default: false,
  }),
  'http-server-cert': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the HTTPS server certificate (chain)',
    default: '',
  }),
  'http-server-key': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the HTTPS server private key',
    default: '',
  }),
  'http-root-cert': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the CA that HTTPS client certificates must chain to (with --http-use-ssl-mutual)',
    default: '',
  }),
  'allow-grpc': option({ kind: 'bool', help: 'Serve the KServe v2 gRPC protocol', default: true }),
  'grpc-port': option({
    kind: 'int',
    metavar: 'PORT',
    help: 'gRPC port (0 picks a free port)',
    default: 8001,
  }),
  'grpc-address': option({ kind: 'string', metavar: 'ADDR', help: 'gRPC bind address', default: '0.0.0.0' }),
  'grpc-infer-response-compression-level': option({
    kind: 'string',
    metavar: 'LEVEL',
    help: 'ModelInfer response compression: none, low, medium or high (grpc-js sends responses uncompressed)',
    default: 'none',
    parse: parseGrpcCompressionLevel,
  }),
  'grpc-keepalive-time': option({
    kind: 'int',
    unit: 'ms',
    help: 'Interval between gRPC keepalive pings',
    default: 7200000,
  }),
  'grpc-keepalive-timeout': option({
    kind: 'int',
    unit: 'ms',
    help: 'How long to wait for a gRPC keepalive ping acknowledgement',
    default: 20000,
  }),
  'grpc-keepalive-permit-without-calls': option({
    kind: 'bool',
    help: 'Allow gRPC keepalive pings when no call is open',
    default: false,
  }),
  'grpc-http2-max-pings-without-data': option({
    kind: 'int',
    metavar: 'N',
    help: 'gRPC pings allowed without a data frame in between',
    default: 2,
  }),
  'grpc-max-message-size': option({
    kind: 'int',
    unit: 'bytes',
    help: 'Largest gRPC message received, also after decompression; a larger one gets RESOURCE_EXHAUSTED before it is read (tritonserver: 2147483647)',
    default: DEFAULT_GRPC_MAX_RECEIVE_BYTES,
  }),
  'grpc-use-ssl': option({
    kind: 'bool',
    help: 'Serve gRPC over TLS, with --grpc-server-cert and --grpc-server-key',
    default: false,
  }),
  'grpc-use-ssl-mutual': option({
    kind: 'bool',
    help: 'Serve gRPC over TLS and require client certificates signed by --grpc-root-cert (implies --grpc-use-ssl)',
    default: false,
  }),
  'grpc-server-cert': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the gRPC server certificate (chain)',
    default: '',
  }),
  'grpc-server-key': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the gRPC server private key',
    default: '',
  }),
  'grpc-root-cert': option({
    kind: 'string',
    metavar: 'FILE',
    help: 'PEM file of the CA that gRPC client certificates must chain to (with --grpc-use-ssl-mutual)',
    default: '',
  }),
  'allow-client-shm': option({
    kind: 'bool',
    help: 'Let clients register system shared-memory regions (/dev/shm) and pass tensors through them',
    default: false,
  }),
  'max-shared-memory-regions': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most registered shared-memory regions (each holds a file descriptor): later registrations answer 503',
    default: DEFAULT_MAX_SHARED_MEMORY_REGIONS,
  }),
  'http-restricted-api': option({
    kind: 'list',
    metavar: 'APIS:KEY=VALUE',
    help: `HTTP endpoints of these APIs (comma-separated: ${API_CATEGORIES.join(', ')}) answer 403 unless the request has header KEY: VALUE`,
    default: [],
    parse: (list) => parseRestrictions(list, 'http'),
  }),
  'grpc-restricted-protocol': option({
    kind: 'list',
    metavar: 'APIS:KEY=VALUE',
    help: 'gRPC RPCs of these APIs (as --http-restricted-api) answer PERMISSION_DENIED unless the call has metadata triton-grpc-protocol-KEY: VALUE',
    default: [],
    parse: (list) => parseRestrictions(list, 'grpc'),
  }),
  'allow-metrics': option({ kind: 'bool', help: 'Serve Prometheus metrics', default: true }),
  'allow-cpu-metrics': option({ kind: 'bool', help: 'Report the nv_cpu_* host metrics', default: true }),
  'metrics-port': option({
    kind: 'int',
    metavar: 'PORT',
    help: 'Metrics port (0 picks a free port)',
    default: 8002,
  }),
  'metrics-address': option({
    kind: 'string',
    metavar: 'ADDR',
    help: 'Metrics bind address (default: --http-address, or 0.0.0.0 without HTTP)',
    default: '',
  }),
  'metrics-interval-ms': option({
    kind: 'int',
    unit: 'ms',
    help: 'Refresh period of the CPU and memory metrics',
    default: 2000,
  }),
  'metrics-config': option({
    kind: 'list',
    metavar: 'KEY=VALUE',
    help: 'Metrics setting: counter_latencies=BOOL, histogram_latencies=BOOL (both default true)',
    default: [],
    parse: parseMetricsConfig,
  }),
  dashboard: option({
    kind: 'bool',
    help: 'Serve the live dashboard at /dashboard/ on the HTTP port (restricted with the statistics API of --http-restricted-api)',
    default: true,
  }),
  'dashboard-max-clients': option({
    kind: 'int',
    metavar: 'N',
    help: 'Most dashboard pages open at once (one event stream each); one more gets 503',
    default: DEFAULT_DASHBOARD_MAX_SUBSCRIBERS,
  }),
  'strict-model-config': option({
    kind: 'bool',
    help: 'Require a complete config.pbtxt (no auto-complete from the model file)',
    default: false,
  }),
  'disable-auto-complete-config': option({
    kind: 'bool',
    help: 'Same as --strict-model-config=true',
    default: false,
  }),
  'exit-on-error': option({
    kind: 'bool',
    help: 'Exit at startup if any model fails to load (otherwise it is UNAVAILABLE and the rest serve)',
    default: false,
  }),
  'exit-timeout-secs': option({
    kind: 'int',
    unit: 's',
    help: 'On shutdown, how long in-flight requests may take before the process exits anyway',
    default: 30,
  }),
  'backend-config': option({
    kind: 'list',
    metavar: 'BACKEND,K=V',
    help: 'Backend setting, e.g. onnxruntime,default-max-batch-size=8 or javascript,execution-timeout-ms=60000 (keys of javascript: docs/javascript-backend.md)',
    default: [],
    parse: parseBackendConfig,
  }),
  'cache-config': option({
    kind: 'list',
    metavar: 'CACHE,K=V',
    help: 'Response cache for models with response_cache { enable: true }: local,size=BYTES or redis,host=H,port=P[,...] (repeatable; see docs/cache.md)',
    default: [],
  }),
  'response-cache-byte-size': option({
    kind: 'int',
    unit: 'bytes',
    help: 'Deprecated: same as --cache-config local,size=BYTES',
    default: 0,
  }),
  ...OBSERVABILITY_OPTIONS,
  help: option({ short: 'h', kind: 'bool', help: 'Show this help', default: false }),
};

/** The typed values of `nereid serve`'s options. */
export type ServeValues = OptionValues<typeof SERVE_OPTIONS>;

/** The flag specs of `nereid serve` (for parseFlags and --help). */
export const SERVE_FLAGS = flagSpecs(SERVE_OPTIONS);
