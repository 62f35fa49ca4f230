/**
 * `nereid serve`: starts the core with the model repositories and the HTTP frontend, prints
 * Triton's startup table of models, and on SIGINT/SIGTERM stops accepting, finishes in-flight
 * requests (up to --exit-timeout-secs) and exits.
 */
import type { AddressInfo } from 'node:net';
import { createDefaultBackendRegistry } from '../backends/index.js';
import type { Logger } from '../common/index.js';
import { ServerError, systemClock } from '../common/index.js';
import {
  checkServerOptions,
  createResponseCache,
  InferenceServer,
  type InferenceServerOptions,
  type ModelControlMode,
  parseCacheConfig,
  type ResponseCache,
} from '../core/index.js';
import {
  checkDashboardOptions,
  checkGrpcFrontendOptions,
  checkPrometheusObserverOptions,
  type DashboardOptions,
  GrpcFrontend,
  type GrpcFrontendOptions,
  HttpFrontend,
  MetricsFrontend,
  PrometheusObserver,
  type Restrictions,
} from '../frontends/index.js';
import { asFlagError, FlagError, formatHelp } from './cli-flags.js';
import { grpcDetails, httpDetails, logListening, networkOptions } from './network-options.js';
import { loggerFromFlags, traceConfigFromFlags } from './observability-options.js';
import { parseOptions } from './option-spec.js';
import { SERVE_FLAGS, SERVE_OPTIONS, type ServeValues } from './serve-options.js';

export { SERVE_FLAGS } from './serve-options.js';

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
function logAccess(logger: Logger, flags: ServeValues, mode: ModelControlMode): void {
  const served: [string, Restrictions][] = [];
  if (flags['allow-http']) served.push(['HTTP', flags['http-restricted-api']]);
  if (flags['allow-grpc']) served.push(['gRPC', flags['grpc-restricted-protocol']]);
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

/** The Prometheus observer of `--allow-metrics` (null when metrics are off: no cost per request). */
function metricsObserver(flags: ServeValues, cache: ResponseCache | null): PrometheusObserver | null {
  if (!flags['allow-metrics']) return null;
  const options = {
    ...flags['metrics-config'],
    cpuMetrics: flags['allow-cpu-metrics'],
    metricsIntervalMs: flags['metrics-interval-ms'],
    cache,
  };
  asFlagError(() => checkPrometheusObserverOptions(options));
  // 0 means "no refresh timer" to the library (an embedder refreshes by hand); the command line has no other way to refresh.
  if (options.metricsIntervalMs === 0) throw new FlagError('--metrics-interval-ms must be > 0: received 0');
  return asFlagError(() => new PrometheusObserver(options));
}

/** The response cache of `--cache-config` / `--response-cache-byte-size`, or null. */
async function responseCache(flags: ServeValues, logger: Logger): Promise<ResponseCache | null> {
  const config = asFlagError(() =>
    parseCacheConfig(flags['cache-config'], flags['response-cache-byte-size']),
  );
  try {
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
  const { values: flags, positional } = parseOptions(argv, SERVE_OPTIONS);
  if (flags.help) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const repositories = [...flags['model-repository'], ...positional];
  if (repositories.length === 0) throw new FlagError('At least one --model-repository is required');
  const logger = loggerFromFlags(flags);
  const trace = traceConfigFromFlags(flags);
  const network = networkOptions(flags, logger);
  const serverOptions: InferenceServerOptions = {
    modelRepositories: repositories,
    id: flags.id,
    strictModelConfig: flags['strict-model-config'] || flags['disable-auto-complete-config'],
    exitOnError: flags['exit-on-error'],
    modelControlMode: flags['model-control-mode'],
    startupModels: flags['load-model'],
    repositoryPollSecs: flags['repository-poll-secs'],
    strictReadiness: flags['strict-readiness'],
    defaultMaxBatchSize: flags['backend-config'].defaultMaxBatchSize,
    logger,
    allowClientShm: flags['allow-client-shm'],
    maxSharedMemoryRegions: flags['max-shared-memory-regions'],
    modelLoadConcurrency: flags['model-load-thread-count'],
    maxInstancesPerModel: flags['max-instances-per-model'],
    maxTotalInstances: flags['max-total-instances'],
    trace,
  };
  const grpcOptions: GrpcFrontendOptions = {
    port: flags['grpc-port'],
    address: flags['grpc-address'],
    inferResponseCompressionLevel: flags['grpc-infer-response-compression-level'],
    keepaliveTimeMs: flags['grpc-keepalive-time'],
    keepaliveTimeoutMs: flags['grpc-keepalive-timeout'],
    keepalivePermitWithoutCalls: flags['grpc-keepalive-permit-without-calls'],
    http2MaxPingsWithoutData: flags['grpc-http2-max-pings-without-data'],
    restrictions: flags['grpc-restricted-protocol'],
    ...network.grpc,
  };
  const dashboard: DashboardOptions | false = flags.dashboard
    ? { maxSubscribers: flags['dashboard-max-clients'] }
    : false;
  // The library constructors check these too; checked here first, before a model loads or a
  // cache connects, they are usage errors.
  asFlagError(() => {
    checkServerOptions(serverOptions);
    if (flags['allow-grpc']) checkGrpcFrontendOptions(grpcOptions);
    if (dashboard !== false) checkDashboardOptions(dashboard);
  });
  const backends = createDefaultBackendRegistry({ javascript: flags['backend-config'].javascript });
  const cache = await responseCache(flags, logger);
  const observer = metricsObserver(flags, cache);
  const server = await InferenceServer.start({ ...serverOptions, backends, observer, cache });
  process.stderr.write(`${modelTable(server.repositoryIndex())}\n`);
  const frontends: { close(): Promise<void> }[] = [];
  // Metrics start before HTTP: tests and tools take "Started HTTPService" as the sign of readiness.
  if (observer !== null) {
    const metricsAddress =
      flags['metrics-address'] || (flags['allow-http'] ? flags['http-address'] : '0.0.0.0');
    const metrics = new MetricsFrontend(server, observer, {
      port: flags['metrics-port'],
      address: metricsAddress,
    });
    const address = await metrics.listen();
    frontends.push(metrics);
    logListening(logger, 'Metrics Service', metricsAddress, '--metrics-address', ['plain HTTP']);
    logger.logInfo(`Started Metrics Service at ${address.address}:${address.port}`);
  }
  // gRPC first, as tritonserver does; HTTP's line is the last one before the server is serving.
  if (flags['allow-grpc']) {
    const grpc = new GrpcFrontend(server, grpcOptions);
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
  if (flags['allow-http']) {
    const http = new HttpFrontend(server, {
      port: flags['http-port'],
      address: flags['http-address'],
      maxInputSizeBytes: flags['http-max-input-size'],
      restrictions: flags['http-restricted-api'],
      dashboard: dashboard === false ? false : { ...dashboard, latency: observer },
      ...network.http,
    });
    const address = await http.listen();
    frontends.push(http);
    logListening(
      logger,
      'HTTPService',
      address.address,
      '--http-address',
      httpDetails(http.limits, network.http.tls, flags['http-max-input-size']),
    );
    if (http.dashboard !== null) logger.logInfo(`Dashboard at ${dashboardUrl(address, http.tls)}`);
    logger.logInfo(`Started HTTPService at ${address.address}:${address.port}`);
  }
  logAccess(logger, flags, server.modelControlMode);
  return new Promise((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      const timeoutS = flags['exit-timeout-secs'];
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
