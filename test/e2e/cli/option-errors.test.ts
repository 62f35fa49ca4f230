/**
 * E2E: an option value the library refuses gets the same error from `nereid serve` (a usage
 * error, exit code 2, before any model loads) and from a program that embeds Nereid
 * (InferenceServer.start, new GrpcFrontend, new HttpFrontend, new Logger, new PrometheusObserver
 * reject it with INVALID_ARG): the checks live in the library constructors and the CLI runs the
 * same ones (docs/adr/0022).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerError, Status } from '../../../src/common/errors.js';
import { Logger, type LoggerOptions, silentLogger } from '../../../src/common/logger.js';
import {
  InferenceServer,
  type InferenceServerOptions,
  type ModelControlMode,
  TraceLevel,
} from '../../../src/core/index.js';
import {
  type GrpcCompressionLevel,
  GrpcFrontend,
  type GrpcFrontendOptions,
  HttpFrontend,
  type HttpFrontendOptions,
  PrometheusObserver,
  type PrometheusObserverOptions,
} from '../../../src/frontends/index.js';
import { runCli } from '../../helpers/cli-server.js';
import { makeTestCertificates } from '../../helpers/tls-certificates.js';

let repository: string;
let server: InferenceServer;

beforeAll(async () => {
  repository = mkdtempSync(join(tmpdir(), 'nereid-option-errors-'));
  server = await InferenceServer.start({ modelRepositories: [repository], logger: silentLogger });
});

// Made when the file loads: the cases below name their files.
const certs = makeTestCertificates();

afterAll(async () => {
  await server?.shutdown();
  rmSync(repository, { recursive: true, force: true });
  certs.remove();
});

/** One refused value: its flags, the library options that say the same, and the message. */
interface Case {
  flags: string[];
  server?: Partial<InferenceServerOptions>;
  grpc?: GrpcFrontendOptions;
  http?: HttpFrontendOptions;
  logger?: LoggerOptions;
  metrics?: PrometheusObserverOptions;
  message: string;
}

/** The flags and the library TLS options of a server certificate and key without a root CA, with mutual TLS. */
function mutualWithoutRoot(p: 'http' | 'grpc'): Pick<Case, 'flags' | 'http' | 'grpc' | 'message'> {
  const tls = { certPem: certs.server.certPem, keyPem: certs.server.keyPem, mutual: true };
  return {
    flags: [
      `--${p}-use-ssl-mutual`,
      `--${p}-server-cert=${certs.server.certFile}`,
      `--${p}-server-key=${certs.server.keyFile}`,
    ],
    ...(p === 'http' ? { http: { tls } } : { grpc: { tls } }),
    message: `--${p}-use-ssl-mutual needs --${p}-root-cert (the CA of client certificates)`,
  };
}

const CASES: Case[] = [
  {
    flags: ['--model-load-thread-count=0'],
    server: { modelLoadConcurrency: 0 },
    message: '--model-load-thread-count must be an integer >= 1: received 0',
  },
  {
    flags: ['--repository-poll-secs=-1'],
    server: { repositoryPollSecs: -1 },
    message: '--repository-poll-secs must be >= 0: received -1',
  },
  {
    flags: ['--max-shared-memory-regions=0'],
    server: { maxSharedMemoryRegions: 0 },
    message: '--max-shared-memory-regions must be an integer >= 1: received 0',
  },
  {
    flags: ['--max-total-instances=-2'],
    server: { maxTotalInstances: -2 },
    message: '--max-total-instances must be an integer >= 1: received -2',
  },
  {
    flags: ['--load-model=alpha'],
    server: { startupModels: ['alpha'] },
    message: '--load-model needs --model-control-mode=explicit: received --model-control-mode=none',
  },
  {
    flags: ['--model-control-mode=sometimes'],
    server: { modelControlMode: 'sometimes' as ModelControlMode },
    message: "Model control mode must be one of none, poll, explicit: received 'sometimes'",
  },
  {
    flags: ['--grpc-infer-response-compression-level=max'],
    grpc: { inferResponseCompressionLevel: 'max' as GrpcCompressionLevel },
    message: "--grpc-infer-response-compression-level takes none, low, medium, high: received 'max'",
  },
  {
    flags: ['--grpc-keepalive-time=-1'],
    grpc: { keepaliveTimeMs: -1 },
    message: '--grpc-keepalive-time must be an integer >= 0: received -1',
  },
  {
    flags: ['--log-verbose=-1'],
    logger: { verboseLevel: -1 },
    message: '--log-verbose must be >= 0: received -1',
  },
  {
    flags: ['--log-format=json'],
    logger: { format: 'json' as LoggerOptions['format'] },
    message: "--log-format takes default or ISO8601: received 'json'",
  },
  {
    flags: ['--log-file=/nonexistent-nereid-dir/server.log'],
    logger: { file: '/nonexistent-nereid-dir/server.log' },
    message:
      "--log-file '/nonexistent-nereid-dir/server.log' cannot be written: its directory does not exist",
  },
  {
    flags: ['--metrics-interval-ms=-5'],
    metrics: { metricsIntervalMs: -5 },
    message: '--metrics-interval-ms must be an integer >= 0: received -5',
  },
  {
    flags: ['--trace-config=level=TIMESTAMPS'],
    server: { trace: { level: TraceLevel.TIMESTAMPS } },
    message:
      '--trace-config level is on but no trace file is set: add --trace-config triton,file=PATH (or mode=opentelemetry)',
  },
  {
    flags: ['--trace-config=mode=opentelemetry', '--trace-config=level=TENSORS'],
    server: { trace: { mode: 'opentelemetry', level: TraceLevel.TENSORS } },
    message: '--trace-config level=TENSORS is not available in opentelemetry mode',
  },
  {
    flags: ['--trace-config=triton,file=/nonexistent-nereid-dir/trace.json'],
    server: { trace: { file: '/nonexistent-nereid-dir/trace.json' } },
    message:
      "--trace-config triton,file '/nonexistent-nereid-dir/trace.json' cannot be written: its directory does not exist",
  },
  mutualWithoutRoot('http'),
  mutualWithoutRoot('grpc'),
  {
    flags: ['--dashboard-max-clients=0'],
    http: { dashboard: { maxSubscribers: 0 } },
    message: '--dashboard-max-clients must be >= 1: received 0',
  },
];

/** The error the library throws for `c`'s options (null when it accepts them). */
async function libraryError(c: Case): Promise<unknown> {
  try {
    if (c.server !== undefined) {
      const s = await InferenceServer.start({
        modelRepositories: [repository],
        logger: silentLogger,
        ...c.server,
      });
      await s.shutdown();
    }
    if (c.grpc !== undefined) new GrpcFrontend(server, c.grpc);
    if (c.http !== undefined) await new HttpFrontend(server, c.http).close();
    if (c.logger !== undefined) new Logger(c.logger);
    if (c.metrics !== undefined)
      new PrometheusObserver({ ...c.metrics, cpuMetrics: false, processMetrics: false });
  } catch (err) {
    return err;
  }
  return null;
}

describe('option errors', () => {
  it.each(CASES)('$flags is refused by nereid serve and by the library with one message', async (c) => {
    const cli = await runCli(['--model-repository', repository, ...c.flags]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toBe(`nereid: ${c.message}\n`);
    const err = await libraryError(c);
    expect(err).toBeInstanceOf(ServerError);
    expect((err as ServerError).status).toBe(Status.INVALID_ARG);
    expect((err as ServerError).message).toBe(c.message);
  });
});
