import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExecutionResult, ExecutionSink } from '../../../../src/backends/backend.js';
import { createTensor, toArray } from '../../../../src/backends/js/api.js';
import { JsBackend, resolveExecutionTimeoutMs } from '../../../../src/backends/js/index.js';
import type { ServerError } from '../../../../src/common/errors.js';
import type { ModelConfig } from '../../../../src/protocol/model-config.js';
import type { Tensor } from '../../../../src/protocol/tensor.js';
import { execute, testConfig, testContext } from '../../../conformance/execute.js';
import { API_URL } from '../../../e2e/js-backend/js-repository.js';

const dir = mkdtempSync(join(tmpdir(), 'nereid-js-unit-'));
const backend = new JsBackend();

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const IO = {
  input: [{ name: 'X', data_type: 'TYPE_INT32', dims: [1] }],
  output: [{ name: 'Y', data_type: 'TYPE_INT32', dims: [1] }],
} as unknown as Partial<ModelConfig>;

function model(name: string, source: string, overrides: Partial<ModelConfig> = {}) {
  const versionDir = join(dir, name, '1');
  mkdirSync(versionDir, { recursive: true });
  const modelPath = join(versionDir, 'model.js');
  writeFileSync(modelPath, source.replaceAll('__API__', API_URL));
  const config = testConfig(name, { backend: 'javascript', platform: '', ...IO, ...overrides });
  return testContext(modelPath, { modelName: name, config });
}

/** Records decoupled responses and resolves once every request got its final one. */
class StreamSink implements ExecutionSink {
  readonly responses: {
    index: number;
    outputs: Tensor[] | null;
    final: boolean;
    error: ServerError | null;
  }[] = [];
  result: ExecutionResult | null = null;
  readonly done: Promise<void>;
  private open: number;
  private resolve: () => void = () => {};

  constructor(requests: number) {
    this.open = requests;
    this.done = new Promise((resolve) => {
      this.resolve = resolve;
    });
  }

  onResult(result: ExecutionResult): void {
    this.result = result;
  }

  onError(error: ServerError): void {
    throw error;
  }

  onResponse(index: number, outputs: Tensor[] | null, final: boolean, error: ServerError | null): void {
    this.responses.push({ index, outputs, final, error });
    if (final && --this.open === 0) this.resolve();
  }
}

const x = (rows: number[]) => createTensor('X', 'INT32', [rows.length, 1], rows);

describe('JsBackend', () => {
  it('JsBackend answers each request of a batch with its own response, in request order', async () => {
    const context = model(
      'tenfold',
      `import { createTensor, toTypedArray } from '__API__';
export default class { execute(requests) {
  return requests.map((r) => r.id === 'bad' ? new Error('No thanks') : [createTensor('Y', 'INT32', r.input('X').shape, Array.from(toTypedArray(r.input('X')), (v) => v * 10))]);
} }`,
    );
    const instance = await backend.createInstance(context);
    try {
      const { result, error } = await execute(instance, {
        batchSize: 4,
        inputs: [x([1, 2, 3, 4])],
        outputNames: ['Y'],
        requests: [
          { id: 'a', rows: 1, parameters: {} },
          { id: 'bad', rows: 1, parameters: {} },
          { id: 'c', rows: 2, parameters: {} },
        ],
      });
      expect(error).toBeNull();
      expect(result!.outputs).toBeNull();
      const [a, bad, c] = result!.perRequest!;
      expect(toArray((a as Tensor[])[0]!)).toEqual([10]);
      expect((bad as ServerError).message).toBe('No thanks');
      expect((bad as ServerError).status).toBe('INTERNAL');
      expect(toArray((c as Tensor[])[0]!)).toEqual([30, 40]);
    } finally {
      await instance.close();
    }
  });

  it("JsBackend forwards a decoupled model's responses to the sink after execute returned", async () => {
    const context = model(
      'echo_twice',
      `import { renameTensor } from '__API__';
export default class { execute(requests) {
  requests.forEach((r, i) => {
    const sender = r.responseSender();
    setImmediate(() => { sender.send([renameTensor(r.input('X'), 'Y')]); sender.send(null, { final: true }); });
  });
} }`,
      { max_batch_size: 0, model_transaction_policy: { decoupled: true } },
    );
    const instance = await backend.createInstance(context);
    try {
      const sink = new StreamSink(1);
      instance.execute(
        {
          batchSize: 1,
          inputs: [createTensor('X', 'INT32', [1], [5])],
          outputNames: ['Y'],
          requests: [{ id: 'r', rows: 1, parameters: {} }],
        },
        sink,
      );
      await sink.done;
      expect(sink.result).toMatchObject({ outputs: null, perRequest: null });
      expect(
        sink.responses.map((r) => [r.index, r.final, r.outputs === null ? null : toArray(r.outputs[0]!)]),
      ).toEqual([
        [0, false, [5]],
        [0, true, null],
      ]);
    } finally {
      await instance.close();
    }
  });

  it('JsBackend calls initialize with the instance facts and finalize when the instance closes', async () => {
    const marker = join(dir, 'finalized.json');
    const context = model(
      'lifecycle',
      `import { writeFileSync } from 'node:fs';
export default class {
  initialize(args) { this.args = args; }
  execute(requests) { return requests.map(() => []); }
  finalize() { writeFileSync(${JSON.stringify(marker)}, JSON.stringify({ name: this.args.modelInstanceName, version: this.args.modelVersion, kind: this.args.modelInstanceKind })); }
}`,
    );
    const instance = await backend.createInstance(context);
    await instance.close();
    expect(existsSync(marker)).toBe(true);
    expect(JSON.parse(readFileSync(marker, 'utf8'))).toEqual({
      name: context.instanceName,
      version: 1,
      kind: 'KIND_CPU',
    });
  });

  it('JsBackend.inspect returns the config a model completes in its static autoCompleteConfig', async () => {
    const context = model(
      'completes',
      `export default class {
  static autoCompleteConfig(config) {
    config.input = [{ name: 'Q', data_type: 'TYPE_FP32', dims: [2] }];
    config.output = [{ name: 'R', data_type: 'TYPE_FP32', dims: [2] }];
    config.max_batch_size = 4;
    return config;
  }
  execute(requests) { return requests.map(() => []); }
}`,
      { input: [], output: [], max_batch_size: 0 },
    );
    const metadata = await backend.inspect(context);
    expect(metadata.config?.max_batch_size).toBe(4);
    expect(metadata.inputs).toEqual([{ name: 'Q', datatype: 'FP32', shape: [-1, 2] }]);
    expect(metadata.outputs).toEqual([{ name: 'R', datatype: 'FP32', shape: [-1, 2] }]);
  });

  it('JsBackend fails the load with the error initialize throws', async () => {
    const context = model(
      'refuses',
      `export default class { initialize() { throw new Error('Missing weights'); } execute() { return []; } }`,
    );
    await expect(backend.createInstance(context)).rejects.toThrow(
      `Cannot load model "refuses" on instance "${context.instanceName}": Missing weights`,
    );
  });

  it('JsBackend refuses a model file that exports no model class', async () => {
    const context = model('classless', 'export const answer = 42;');
    await expect(backend.createInstance(context)).rejects.toThrow(
      `must export a model class as its default export (or as "Model"): found exports "answer"`,
    );
  });

  it('resolveExecutionTimeoutMs reads nereid.execution_timeout_ms and refuses a negative value', () => {
    const config = (value: string) =>
      testConfig('m', { parameters: { 'nereid.execution_timeout_ms': { string_value: value } } });
    expect(resolveExecutionTimeoutMs(config('250'), 0)).toBe(250);
    expect(resolveExecutionTimeoutMs(testConfig('m'), 7)).toBe(7);
    expect(() => resolveExecutionTimeoutMs(config('-5'), 0)).toThrow(
      'parameters["nereid.execution_timeout_ms"] must be a number of milliseconds >= 0: received "-5"',
    );
  });
});
