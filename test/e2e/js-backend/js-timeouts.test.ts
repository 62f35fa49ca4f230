/**
 * E2E tests of JavaScript model timeouts through the real CLI: `--backend-config
 * javascript,execution-timeout-ms` stops a hung execute() (the request fails with 503, the model
 * and the server are not ready until the instance restarted, then serve again), a model's
 * nereid.execution_timeout_ms overrides it, a hung initialize() does not keep the server from
 * listening (the model is UNAVAILABLE naming the load timeout), and an unknown key is a startup error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, tensor } from '../../../src/client/index.js';
import { type CliServer, runCli, startCliServer } from '../../helpers/cli-server.js';
import {
  inferError,
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeJsRepository,
} from './js-repository.js';

const IO = `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('PID', 'TYPE_INT32', '1')} ]`;

// The first initialize() of a model is quick; a restarted instance's takes RESTART_MS (a marker
// file in the version directory tells them apart), so the restart can be watched.
const RESTART_MS = 1500;
const SLOW_RESTART = `import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTensor, toTypedArray } from '__API__';
async function slowRestart(args) {
  const marker = join(args.versionDir, 'started');
  if (existsSync(marker)) await new Promise((resolve) => setTimeout(resolve, ${RESTART_MS}));
  else writeFileSync(marker, '');
}`;

const MODELS = {
  hangs: {
    config: jsConfig('hangs', 0, IO),
    source: `${SLOW_RESTART}
export default class Hangs {
  initialize(args) { return slowRestart(args); }
  execute(requests) {
    if (toTypedArray(requests[0].input('X'))[0] === 1) for (;;) {}
    return [[createTensor('PID', 'INT32', [1], [process.pid])]];
  }
}
`,
  },
  patient: {
    config: jsConfig(
      'patient',
      0,
      IO,
      'parameters { key: "nereid.execution_timeout_ms" value: { string_value: "5000" } }',
    ),
    source: `import { createTensor } from '__API__';
export default class Patient {
  async execute() {
    await new Promise((resolve) => setTimeout(resolve, 1200));
    return [[createTensor('PID', 'INT32', [1], [1])]];
  }
}
`,
  },
};

const HUNG_INIT_MODELS = {
  hung_init: {
    config: jsConfig(
      'hung_init',
      0,
      IO,
      'parameters { key: "nereid.load_timeout_ms" value: { string_value: "2000" } }',
    ),
    source: `export default class HungInit {
  initialize() { return new Promise(() => {}); }
  execute() { return []; }
}
`,
  },
  fine: {
    config: jsConfig('fine', 0, IO),
    source: `import { createTensor } from '__API__';
export default class Fine {
  execute() { return [[createTensor('PID', 'INT32', [1], [2])]]; }
}
`,
  },
};

const x = (v: number) => [tensor('X', 'INT32', [1], [v])];

describe('JavaScript model execution timeouts', () => {
  let repo: TempRepository;
  let server: CliServer;
  let http: HttpClient;

  beforeAll(async () => {
    repo = writeJsRepository(MODELS);
    server = await startCliServer([
      '--model-repository',
      repo.dir,
      '--allow-grpc=false',
      '--allow-metrics=false',
      '--backend-config=javascript,execution-timeout-ms=600',
    ]);
    http = new HttpClient(server.baseUrl);
  });

  afterAll(async () => {
    await http?.close();
    await server?.kill();
    repo?.remove();
  });

  it('a hung execute() fails with 503 within the global timeout; the model and the server are not ready until the instance restarted, then it serves again', async () => {
    expect(await http.isModelReady('hangs')).toBe(true);
    expect(await http.isServerReady()).toBe(true);
    const started = performance.now();
    const error = await inferError(http.infer('hangs', x(1)));
    const elapsedMs = performance.now() - started;
    expect(error.httpStatus).toBe(503);
    expect(error.message).toMatch(
      /^Execution on instance "hangs_0" of model "hangs" timed out after 600 ms; the instance was stopped$/,
    );
    expect(elapsedMs).toBeGreaterThanOrEqual(590);
    expect(elapsedMs).toBeLessThan(600 + 3000);
    // The replacement takes RESTART_MS to initialize: meanwhile neither the model nor (strict
    // readiness) the server is ready.
    expect(await http.isModelReady('hangs')).toBe(false);
    expect(await http.isServerReady()).toBe(false);
    await expect.poll(() => http.isModelReady('hangs'), { timeout: 15_000, interval: 100 }).toBe(true);
    expect(await http.isServerReady()).toBe(true);
    const result = await http.infer('hangs', x(0));
    expect(result.output<Int32Array>('PID')[0]).toBeGreaterThan(0);
  }, 30_000);

  it("a model's nereid.execution_timeout_ms overrides --backend-config javascript,execution-timeout-ms", async () => {
    // 1200 ms is past the global 600 ms but within the model's own 5000 ms.
    const result = await http.infer('patient', x(0));
    expect(Array.from(result.output<Int32Array>('PID'))).toEqual([1]);
  });
});

describe('JavaScript model load timeouts', () => {
  let repo: TempRepository;
  let server: CliServer;
  let http: HttpClient;

  beforeAll(async () => {
    repo = writeJsRepository(HUNG_INIT_MODELS);
    server = await startCliServer([
      '--model-repository',
      repo.dir,
      '--allow-grpc=false',
      '--allow-metrics=false',
      '--backend-config=javascript,load-timeout-ms=60000',
    ]);
    http = new HttpClient(server.baseUrl);
  }, 30_000);

  afterAll(async () => {
    await http?.close();
    await server?.kill();
    repo?.remove();
  });

  it("the server listens although a model's initialize() never returns: that model is UNAVAILABLE naming its load timeout, the others serve", async () => {
    const index = await http.repositoryIndex();
    const hung = index.find((m) => m.name === 'hung_init');
    expect(hung?.state).toBe('UNAVAILABLE');
    expect(hung?.reason).toMatch(
      // hung_init_0 (initialize) normally; hung_init_inspect (reading the config) on a very loaded machine.
      /Cannot load model "hung_init" on instance "hung_init_\w+": loading did not finish within the load timeout of 2000 ms/,
    );
    expect(await http.isModelReady('hung_init')).toBe(false);
    expect(Array.from((await http.infer('fine', x(0))).output<Int32Array>('PID'))).toEqual([2]);
    expect(server.stderr()).toMatch(/hung_init.*UNAVAILABLE: .*load timeout of 2000 ms/);
  });
});

describe('--backend-config javascript', () => {
  it('an unknown key is a startup error naming the allowed keys', async () => {
    const repo = writeJsRepository({ fine: HUNG_INIT_MODELS.fine });
    try {
      const run = await runCli([
        '--model-repository',
        repo.dir,
        '--allow-grpc=false',
        '--allow-metrics=false',
        '--backend-config=javascript,bogus=1',
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'nereid: Unknown --backend-config key "bogus" for backend "javascript": allowed "execution-timeout-ms", "load-timeout-ms", "finalize-timeout-ms", "max-memory-mb", "isolation"',
      );
    } finally {
      repo.remove();
    }
  });
});
