/** The Prometheus metrics frontend: the request observer that counts and the endpoint that serves it. */
export { BATCH_SIZE_BUCKETS, FIRST_RESPONSE_BUCKETS_MS, LATENCY_BUCKETS_S } from './bucket-counts.js';
export { CpuMetrics, readCpuTimes, readMemory } from './cpu-metrics.js';
export { METRICS_CONFIG_KEYS, parseMetricsConfig } from './metrics-config.js';
export { MetricsFrontend, type MetricsFrontendOptions } from './metrics-frontend.js';
export {
  checkPrometheusObserverOptions,
  PrometheusObserver,
  type PrometheusObserverOptions,
} from './prometheus-observer.js';
