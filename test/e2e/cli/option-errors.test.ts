/**
 * E2E: an option value the library refuses gets the same error from `nereid serve` (a usage
 * error, exit code 2, before any model loads) and from a program that embeds Nereid
 * (InferenceServer.start, new GrpcFrontend, new HttpFrontend reject it with INVALID_ARG): the
 * checks live in the library constructors and the CLI runs the same ones (docs/adr/0022).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerError, Status } from '../../../src/common/errors.js';
import { silentLogger } from '../../../src/common/logger.js';
import {
  InferenceServer,
  type InferenceServerOptions,
  type ModelControlMode,
} from '../../../src/core/index.js';
import {
  type GrpcCompressionLevel,
  GrpcFrontend,
  type GrpcFrontendOptions,
  HttpFrontend,
  type HttpFrontendOptions,
} from '../../../src/frontends/index.js';
import { runCli } from '../../helpers/cli-server.js';

let repository: string;
let server: InferenceServer;

beforeAll(async () => {
  repository = mkdtempSync(join(tmpdir(), 'nereid-option-errors-'));
  server = await InferenceServer.start({ modelRepositories: [repository], logger: silentLogger });
});

afterAll(async () => {
  await server?.shutdown();
  rmSync(repository, { recursive: true, force: true });
});

/** One refused value: its flags, the library options that say the same, and the message. */
interface Case {
  flags: string[];
  server?: Partial<InferenceServerOptions>;
  grpc?: GrpcFrontendOptions;
  http?: HttpFrontendOptions;
  message: string;
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
