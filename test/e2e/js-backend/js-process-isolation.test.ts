/**
 * E2E tests of process isolation for JavaScript models against a real server: a model instance in
 * its own child process that kills itself, exits, aborts or runs out of memory fails only its
 * request and restarts while the server and its other models keep serving; the child gets a
 * minimal environment; the bundled JavaScript models (a sharp image pipeline, BYTES identity, a
 * decoupled stream) answer the same in thread and process isolation; and the children, idle or
 * stuck in a busy loop, end when the server process is SIGKILLed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDefaultBackendRegistry } from '../../../src/backends/index.js';
import {
  GrpcClient,
  HttpClient,
  type InferenceServerError,
  InferResult,
  tensor,
} from '../../../src/client/index.js';
import { startCliServer } from '../../helpers/cli-server.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { EXAMPLES_REPOSITORY, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { textLineImage } from '../ensemble/text-line-image.js';
import {
  inferError,
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeJsRepository,
} from './js-repository.js';

const PROCESS = 'parameters { key: "nereid.isolation" value: { string_value: "process" } }';
const IO = `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('PID', 'TYPE_INT32', '1')} ]`;
const SECRET = 'NEREID_TEST_PROCESS_SECRET';

const CRASHY_SOURCE = `import { createTensor, toTypedArray } from '__API__';
const hoard = [];
export default class Crashy {
  execute(requests) {
    const x = toTypedArray(requests[0].input('X'))[0];
    if (x === 1) process.kill(process.pid, 'SIGKILL');
    if (x === 2) process.exit(1);
    if (x === 3) process.abort();
    if (x === 4) for (;;) hoard.push(new Array(1e5).fill(hoard.length));
    if (x === 5) for (;;) {}
    return [[createTensor('PID', 'INT32', [1], [process.pid])]];
  }
}
`;

const MODELS = {
  crashy: {
    config: jsConfig(
      'crashy',
      0,
      IO,
      `${PROCESS}
parameters { key: "nereid.max_memory_mb" value: { string_value: "64" } }`,
    ),
    source: CRASHY_SOURCE,
  },
  // Its own model: an execution timeout short enough for the test would also cut the crashes above
  // short on a loaded machine.
  stuck: {
    config: jsConfig(
      'stuck',
      0,
      IO,
      `${PROCESS}
parameters { key: "nereid.execution_timeout_ms" value: { string_value: "500" } }`,
    ),
    source: CRASHY_SOURCE,
  },
  bls_sum: {
    config: jsConfig(
      'bls_sum',
      0,
      `input [ ${tensorEntry('A', 'TYPE_INT32', '16')} ]
output [ ${tensorEntry('SUM', 'TYPE_INT32', '16')} ]`,
      PROCESS,
    ),
    source: `import { createTensor, infer, renameTensor, toTypedArray } from '__API__';
export default class BlsSum {
  async execute(requests) {
    const a = { ...renameTensor(requests[0].input('A'), 'INPUT0'), shape: [1, 16] };
    const reply = await infer({ model: 'simple', inputs: [a, { ...a, name: 'INPUT1' }], outputs: ['OUTPUT0'] });
    return [[createTensor('SUM', 'INT32', [16], toTypedArray(reply.output('OUTPUT0')).slice())]];
  }
}
`,
  },
  env_seen: {
    config: jsConfig(
      'env_seen',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('NAMES', 'TYPE_STRING', '-1')} ]`,
      PROCESS,
    ),
    source: `import { createTensor } from '__API__';
export default class EnvSeen {
  execute(requests) {
    const names = Object.keys(process.env).sort();
    return [[createTensor('NAMES', 'BYTES', [names.length], names)]];
  }
}
`,
  },
  env_granted: {
    config: jsConfig(
      'env_granted',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('NAMES', 'TYPE_STRING', '-1')} ]`,
      `${PROCESS}
parameters { key: "nereid.process_env" value: { string_value: "${SECRET}" } }`,
    ),
    source: `import { createTensor } from '__API__';
export default class EnvGranted {
  execute(requests) {
    return [[createTensor('NAMES', 'BYTES', [1], [process.env.${SECRET} ?? 'absent'])]];
  }
}
`,
  },
};

let repo: TempRepository;
let t: TestServer;
let http: HttpClient;

beforeAll(async () => {
  process.env[SECRET] = 'hunter2';
  repo = writeJsRepository(MODELS, ['simple_identity', 'simple']);
  t = await startTestServer({ modelRepositories: [repo.dir] });
  http = new HttpClient(t.baseUrl);
});

afterAll(async () => {
  delete process.env[SECRET];
  await http?.close();
  await t?.close();
  repo?.remove();
});

const x = (v: number) => [tensor('X', 'INT32', [1], [v])];

async function childPid(model = 'crashy'): Promise<number> {
  return (await http.infer(model, x(0))).output<Int32Array>('PID')[0]!;
}

function failure(value: number, model = 'crashy'): Promise<InferenceServerError> {
  return inferError(http.infer(model, x(value)));
}

async function identityWorks(): Promise<void> {
  const result = await http.infer('simple_identity', [tensor('INPUT0', 'BYTES', [1, 1], ['still here'])]);
  expect(result.outputAsStrings('OUTPUT0')).toEqual(['still here']);
}

describe('JavaScript models in process isolation', () => {
  it('the model runs in a child process of its own, not in the server process', async () => {
    const pid = await childPid();
    expect(pid).not.toBe(process.pid);
    expect(pid).toBeGreaterThan(0);
  });

  const crashes: [string, number, RegExp][] = [
    ["process.kill(process.pid, 'SIGKILL')", 1, /stopped unexpectedly: process was killed by SIGKILL$/],
    ['process.exit(1)', 2, /stopped unexpectedly: process exited with code 1$/],
    ['process.abort()', 3, /stopped unexpectedly: process was killed by SIGABRT$/],
    [
      'an out-of-memory loop past nereid.max_memory_mb',
      4,
      /stopped unexpectedly: process ran out of memory \(heap limit 64 MB\)$/,
    ],
  ];
  for (const [kind, value, message] of crashes) {
    it(`${kind} in the model fails only its request; the server keeps serving and the instance restarts`, async () => {
      const before = await childPid();
      const [error] = await Promise.all([failure(value), identityWorks()]);
      expect(error.httpStatus).toBe(500);
      expect(error.message).toMatch(/^Instance "crashy_0" of model "crashy" /);
      expect(error.message).toMatch(message);
      await identityWorks();
      await expect.poll(() => http.isModelReady('crashy'), { timeout: 10_000 }).toBe(true);
      const after = await childPid();
      expect(after).not.toBe(before);
    }, 30_000);
  }

  it('an execution timeout kills the child process stuck in a busy loop (503) and a new one serves', async () => {
    const before = await childPid('stuck');
    const error = await failure(5, 'stuck');
    expect(error.httpStatus).toBe(503);
    expect(error.message).toContain('timed out after 500 ms');
    await expect.poll(() => processGone(before), { timeout: 5000, interval: 50 }).toBe(true);
    expect(await childPid('stuck')).not.toBe(before);
  });

  it('a model in a child process calls the ONNX model "simple" through the server (model-to-model call)', async () => {
    const a = Array.from({ length: 16 }, (_, i) => i * 3);
    const result = await http.infer('bls_sum', [tensor('A', 'INT32', [16], a)]);
    expect(Array.from(result.output<Int32Array>('SUM'))).toEqual(a.map((v) => v * 2));
  });

  it("a child process gets a minimal environment: none of the server's secrets unless nereid.process_env names them", async () => {
    const names = (await http.infer('env_seen', x(0))).outputAsStrings('NAMES');
    expect(names).not.toContain(SECRET);
    for (const name of names) expect(['PATH', 'HOME', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR']).toContain(name);
    const granted = (await http.infer('env_granted', x(0))).outputAsStrings('NAMES');
    expect(granted).toEqual(['hunter2']);
  });
});

describe('The same JavaScript models in thread and process isolation', () => {
  const MODELS_USED = ['image_preprocess', 'simple_identity', 'repeat_int32', 'simple'];
  let threads: TestGrpcServer;
  let processes: TestGrpcServer;
  let threadClient: HttpClient;
  let processClient: HttpClient;

  beforeAll(async () => {
    const options = {
      modelRepositories: [EXAMPLES_REPOSITORY],
      modelControlMode: 'explicit' as const,
      startupModels: MODELS_USED,
    };
    threads = await startTestGrpcServer(options);
    processes = await startTestGrpcServer({
      ...options,
      backends: createDefaultBackendRegistry({ javascript: { isolation: 'process' } }),
    });
    threadClient = new HttpClient(threads.baseUrl);
    processClient = new HttpClient(processes.baseUrl);
  }, 60_000);

  afterAll(async () => {
    await threadClient?.close();
    await processClient?.close();
    await threads?.close();
    await processes?.close();
  });

  it('image_preprocess (sharp decoding a PNG and a JPEG) gives the same tensor bytes in both', async () => {
    for (const format of ['png', 'jpeg'] as const) {
      const image = await textLineImage(format, 3);
      const inputs = [tensor('image', 'BYTES', [1, 1], [image])];
      const [a, b] = await Promise.all([
        threadClient.infer('image_preprocess', inputs),
        processClient.infer('image_preprocess', inputs),
      ]);
      expect(b.shape('x')).toEqual([1, 3, 48, 192]);
      expect(Array.from(b.output<Float32Array>('x'))).toEqual(Array.from(a.output<Float32Array>('x')));
    }
  });

  it('simple_identity returns the same BYTES, NULs included, in both', async () => {
    const inputs = [tensor('INPUT0', 'BYTES', [1, 2], [new Uint8Array([0, 1, 0, 255]), 'text'])];
    const [a, b] = await Promise.all([
      threadClient.infer('simple_identity', inputs),
      processClient.infer('simple_identity', inputs),
    ]);
    expect(b.outputAsBytes('OUTPUT0').map((e) => Array.from(e))).toEqual(
      a.outputAsBytes('OUTPUT0').map((e) => Array.from(e)),
    );
  });

  it('the decoupled repeat_int32 streams the same responses in both', async () => {
    const stream = async (address: string) => {
      const client = new GrpcClient(address);
      try {
        const call = client.stream();
        call.send({
          model: 'repeat_int32',
          inputs: [
            tensor('IN', 'INT32', [3], [7, 8, 9]),
            tensor('DELAY', 'UINT32', [3], [1, 1, 1]),
            tensor('WAIT', 'UINT32', [1], [0]),
          ],
        });
        call.end();
        const out: number[][] = [];
        for await (const item of call) {
          if (!(item instanceof InferResult)) throw item;
          out.push([...item.output<Int32Array>('OUT'), ...item.output<Int32Array>('IDX')]);
        }
        return out;
      } finally {
        client.close();
      }
    };
    const a = await stream(threads.grpcAddress);
    expect(a).toEqual([
      [7, 0],
      [8, 1],
      [9, 2],
    ]);
    expect(await stream(processes.grpcAddress)).toEqual(a);
  });
});

/** Whether process `pid` is gone (or a zombie waiting for its new parent to reap it). */
function processGone(pid: number): boolean {
  const stat = `/proc/${pid}/stat`;
  if (!existsSync(stat)) return true;
  try {
    return readFileSync(stat, 'utf8').split(') ')[1]!.startsWith('Z');
  } catch {
    return true;
  }
}

describe('Child processes of process-isolated models', () => {
  const CHILD_MODELS = {
    idle_child: {
      config: jsConfig('idle_child', 0, IO, PROCESS),
      source: CRASHY_SOURCE,
    },
    busy_child: {
      config: jsConfig(
        'busy_child',
        0,
        IO,
        `${PROCESS}
parameters { key: "nereid.execution_timeout_ms" value: { string_value: "0" } }`,
      ),
      source: `import { createTensor, toTypedArray } from '__API__';
export default class BusyChild {
  execute(requests) {
    if (toTypedArray(requests[0].input('X'))[0] === 1) for (;;) {}
    return [[createTensor('PID', 'INT32', [1], [process.pid])]];
  }
}
`,
    },
  };

  it('end when the server process is SIGKILLed, the idle one and the one stuck in a busy loop alike', async () => {
    const childRepo = writeJsRepository(CHILD_MODELS);
    const server = await startCliServer([
      '--model-repository',
      childRepo.dir,
      '--allow-grpc=false',
      '--allow-metrics=false',
    ]);
    const client = new HttpClient(server.baseUrl);
    try {
      const pidOf = async (model: string) => (await client.infer(model, x(0))).output<Int32Array>('PID')[0]!;
      const idle = await pidOf('idle_child');
      const busy = await pidOf('busy_child');
      expect(processGone(idle)).toBe(false);
      expect(processGone(busy)).toBe(false);
      const stuck = client.infer('busy_child', x(1)).catch((err: Error) => err);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await server.kill();
      await stuck;
      await expect.poll(() => processGone(idle), { timeout: 5000, interval: 50 }).toBe(true);
      await expect.poll(() => processGone(busy), { timeout: 5000, interval: 50 }).toBe(true);
    } finally {
      await client.close();
      await server.kill();
      childRepo.remove();
    }
  }, 30_000);
});
