/** Network frontends over the core facade: KServe v2 HTTP and gRPC, metrics, and who may call what. */

export { API_CATEGORIES, type ApiCategory, parseRestrictions, type Restrictions } from './access/index.js';
export {
  checkDashboardOptions,
  Dashboard,
  type DashboardOptions,
  DEFAULT_DASHBOARD_MAX_SUBSCRIBERS,
} from './dashboard/index.js';
export {
  checkGrpcFrontendOptions,
  DEFAULT_GRPC_MAX_RECEIVE_BYTES,
  GRPC_COMPRESSION_LEVELS,
  type GrpcCompressionLevel,
  GrpcFrontend,
  type GrpcFrontendOptions,
  parseGrpcCompressionLevel,
  resolveMaxReceiveBytes,
} from './grpc/index.js';
export { HttpFrontend, type HttpFrontendOptions } from './http/http-frontend.js';
export {
  DEFAULT_HEADER_TIMEOUT_MS,
  DEFAULT_KEEPALIVE_TIMEOUT_MS,
  DEFAULT_REQUEST_TIMEOUT_MS,
  type HttpLimits,
  MAX_CONNECTIONS_CAP,
  resolveHttpLimits,
} from './http/http-limits.js';
export {
  DEFAULT_JSON_DECODE_MIN_BYTES,
  JsonDecodePool,
  type JsonDecodePoolOptions,
  MAX_DEFAULT_JSON_DECODE_THREADS,
  resolveJsonDecodePool,
} from './http/json-decode-pool.js';
export {
  checkPrometheusObserverOptions,
  MetricsFrontend,
  type MetricsFrontendOptions,
  PrometheusObserver,
  type PrometheusObserverOptions,
  parseMetricsConfig,
} from './metrics/index.js';
export { checkServerTls, type ServerTlsOptions } from './server-tls.js';
