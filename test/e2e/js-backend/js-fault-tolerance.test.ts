/**
 * E2E tests of JavaScript model failures against a real server: a model that exits its worker or
 * throws from a timer, and one that exceeds its execution timeout (a busy loop and a hung
 * promise), gets its in-flight requests answered with an error and its instance restarted while
 * other models keep serving; a crashing decoupled model ends its open streams with an error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GrpcClient,
  HttpClient,
  type InferenceServerError,
  InferResult,
  type StreamItem,
  tensor,
} from '../../../src/client/index.js';
import { startTestGrpcServer, type TestGrpcServer } from '../../helpers/test-grpc-server.js';
import { jsConfig, type TempRepository, tensorEntry, writeJsRepository } from './js-repository.js';

const IO = `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('BORN', 'TYPE_FP64', '1')} ]`;

// Every worker draws its own BORN id when it loads, so a restarted instance answers a new one.
const BORN = 'const born = Math.random() + performance.timeOrigin;';

const MODELS = {
  crasher: {
    config: jsConfig('crasher', 0, IO),
    source: `import { createTensor, toTypedArray } from '__API__';
${BORN}
function blowUp() { throw new Error('Uncaught in a timer'); }
export default class Crasher {
  execute(requests) {
    const x = toTypedArray(requests[0].input('X'))[0];
    if (x === 1) process.exit(7);
    if (x === 2) { setImmediate(blowUp); return new Promise(() => {}); }
    return [[createTensor('BORN', 'FP64', [1], [born])]];
  }
}
`,
  },
  sleeper: {
    config: jsConfig(
      'sleeper',
      0,
      IO,
      'parameters { key: "nereid.execution_timeout_ms" value: { string_value: "300" } }',
    ),
    source: `import { createTensor, toTypedArray } from '__API__';
${BORN}
export default class Sleeper {
  async execute(requests) {
    const x = toTypedArray(requests[0].input('X'))[0];
    if (x === 1) for (;;) {}
    if (x === 2) await new Promise((resolve) => setTimeout(resolve, 60000));
    return [[createTensor('BORN', 'FP64', [1], [born])]];
  }
}
`,
  },
  stream_crasher: {
    config: jsConfig('stream_crasher', 0, IO, 'model_transaction_policy { decoupled: true }'),
    source: `import { createTensor } from '__API__';
${BORN}
export default class StreamCrasher {
  execute(requests) {
    const sender = requests[0].responseSender();
    sender.send([createTensor('BORN', 'FP64', [1], [born])]);
    setTimeout(() => process.exit(3), 30);
  }
}
`,
  },
};

let repo: TempRepository;
let t: TestGrpcServer;
let http: HttpClient;
let grpc: GrpcClient;

beforeAll(async () => {
  repo = writeJsRepository(MODELS, ['simple_identity']);
  t = await startTestGrpcServer({ modelRepositories: [repo.dir] });
  http = new HttpClient(t.baseUrl);
  grpc = new GrpcClient(t.grpcAddress);
});

afterAll(async () => {
  grpc?.close();
  await http?.close();
  await t?.close();
  repo?.remove();
});

const x = (v: number) => [tensor('X', 'INT32', [1], [v])];

async function born(model: string): Promise<number> {
  return (await http.infer(model, x(0))).output<Float64Array>('BORN')[0]!;
}

async function failure(model: string, value: number): Promise<InferenceServerError> {
  try {
    await http.infer(model, x(value));
  } catch (err) {
    return err as InferenceServerError;
  }
  throw new Error(`Model '${model}' answered X=${value} but an error was expected`);
}

async function identityWorks(): Promise<void> {
  const result = await http.infer('simple_identity', [tensor('INPUT0', 'BYTES', [1, 1], ['still here'])]);
  expect(result.outputAsStrings('OUTPUT0')).toEqual(['still here']);
}

describe('JavaScript model failures', () => {
  it('a model that exits its worker fails its request, is restarted, and other models keep serving', async () => {
    const before = await born('crasher');
    const [error] = await Promise.all([failure('crasher', 1), identityWorks()]);
    expect(error.httpStatus).toBe(500);
    expect(error.message).toMatch(
      /^Instance "crasher\S*" of model "crasher" stopped unexpectedly: worker exited with code 7$/,
    );
    await identityWorks();
    const after = await born('crasher');
    expect(after).not.toBe(before);
  });

  it('an uncaught exception from a timer of the model crashes only its instance, which restarts', async () => {
    const before = await born('crasher');
    const [error] = await Promise.all([failure('crasher', 2), identityWorks()]);
    expect(error.httpStatus).toBe(500);
    expect(error.message).toContain('Uncaught in a timer');
    expect(await born('crasher')).not.toBe(before);
  });

  it('an execution timeout stops a busy loop: the request fails with 503 and the instance restarts', async () => {
    const before = await born('sleeper');
    const [error] = await Promise.all([failure('sleeper', 1), identityWorks()]);
    expect(error.httpStatus).toBe(503);
    expect(error.message).toMatch(
      /^Execution on instance "sleeper\S*" of model "sleeper" timed out after 300 ms; the instance was stopped$/,
    );
    expect(await born('sleeper')).not.toBe(before);
  });

  it('an execution timeout stops an execute promise that never settles', async () => {
    const before = await born('sleeper');
    const error = await failure('sleeper', 2);
    expect(error.httpStatus).toBe(503);
    expect(error.message).toContain('timed out after 300 ms');
    expect(await born('sleeper')).not.toBe(before);
  });

  it('a decoupled model that crashes after a response ends the stream request with an error', async () => {
    const stream = grpc.stream();
    stream.send({ model: 'stream_crasher', inputs: x(0), requestId: 'r1' });
    stream.end();
    const items: StreamItem[] = [];
    for await (const item of stream) items.push(item);
    expect(items).toHaveLength(2);
    expect(items[0]).toBeInstanceOf(InferResult);
    expect((items[1] as InferenceServerError).message).toMatch(
      /stopped unexpectedly: worker exited with code 3$/,
    );
    expect((items[1] as InferenceServerError).requestId).toBe('r1');
    await identityWorks();
  });
});
