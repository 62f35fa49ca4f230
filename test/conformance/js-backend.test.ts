/**
 * The backend conformance suite on the JavaScript backend, which runs on the message transport:
 * once on a worker thread and once in a child process (process isolation). The model multiplies
 * by ten, fails a batch whose first value is negative, and spins ~40 ms when asked to be heavy.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import type { BackendInstance, ExecutionBatch, ExecutionResult } from '../../src/backends/backend.js';
import { JsBackend } from '../../src/backends/js/index.js';
import type { WorkerInstance } from '../../src/backends/worker-instance.js';
import { ServerError } from '../../src/common/errors.js';
import type { ModelConfig } from '../../src/protocol/model-config.js';
import type { Tensor } from '../../src/protocol/tensor.js';
import { API_URL } from '../e2e/js-backend/js-repository.js';
import { runBackendConformance } from './backend.case.js';
import { makeBatch, tensorOf, testConfig, testContext } from './execute.js';

const dir = mkdtempSync(join(tmpdir(), 'nereid-js-conformance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HEAVY = 777;
const SOURCE = `import { createTensor, toTypedArray } from '${API_URL}';
export default class {
  execute(requests) {
    const first = toTypedArray(requests[0].input('X'))[0];
    if (first < 0) throw new Error('Negative input ' + first);
    if (first === ${HEAVY}) { const until = performance.now() + 40; while (performance.now() < until) {} }
    return requests.map((r) => [createTensor('Y', 'INT32', r.input('X').shape, Array.from(toTypedArray(r.input('X')), (v) => v * 10))]);
  }
}`;

function modelPath(): string {
  const versionDir = join(dir, 'tenfold', '1');
  mkdirSync(versionDir, { recursive: true });
  const path = join(versionDir, 'model.js');
  writeFileSync(path, SOURCE);
  return path;
}

const path = modelPath();

/** `rows` rows of X INT32 [rows, 4], the first value `first`. */
function batchOf(rows: number, first: number): ExecutionBatch {
  const x = new Int32Array(rows * 4).map((_, i) => (i === 0 ? first : i));
  return makeBatch(rows, [tensorOf('X', 'INT32', [rows, 4], x)], ['Y']);
}

/** Joins per-request answers (one row each) into one tensor per output. */
function joinRows(result: ExecutionResult): Tensor[] {
  const answers = result.perRequest!;
  const parts = answers.map((a) => {
    if (a instanceof ServerError) throw a;
    return a[0]!;
  });
  const bytes = Buffer.concat(
    parts.map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)),
  );
  return [{ ...parts[0]!, shape: [parts.length, ...parts[0]!.shape.slice(1)], data: new Uint8Array(bytes) }];
}

for (const isolation of ['thread', 'process'] as const) {
  const config = testConfig('tenfold', {
    backend: 'javascript',
    platform: '',
    max_batch_size: 8,
    input: [{ name: 'X', data_type: 'TYPE_INT32', dims: [4] }],
    output: [{ name: 'Y', data_type: 'TYPE_INT32', dims: [4] }],
    parameters: { 'nereid.isolation': { string_value: isolation } },
  } as unknown as Partial<ModelConfig>);
  runBackendConformance({
    name: `javascript (${isolation})`,
    backend: () => new JsBackend(),
    context: (index, count) =>
      testContext(path, {
        modelName: 'tenfold',
        config,
        instanceName: `tenfold_${index}`,
        instanceCount: count,
      }),
    batch: (rows) => batchOf(rows, 1),
    outputsOf: joinRows,
    checkOutputs: (batch: ExecutionBatch, outputs: Tensor[]) => {
      expect(outputs).toHaveLength(1);
      expect(outputs[0]).toMatchObject({ name: 'Y', datatype: 'INT32', shape: [batch.batchSize, 4] });
      const x = new Int32Array(batch.inputs[0]!.data.slice().buffer);
      const y = new Int32Array(outputs[0]!.data.slice().buffer);
      expect(Array.from(y)).toEqual(Array.from(x, (v) => v * 10));
    },
    failingBatch: () => batchOf(1, -1),
    heavyBatch: () => batchOf(1, HEAVY),
    crash: (instance: BackendInstance) =>
      (instance as WorkerInstance).abort('killed by the conformance test'),
  });
}
