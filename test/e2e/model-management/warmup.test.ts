/**
 * E2E: `model_warmup` runs on every instance before the model is READY. A JavaScript model counts
 * the executions its instance ran and remembers the first value it saw from the warmup file, and
 * answers them to real requests; warmup data that does not fit fails the load with a message.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { InferInput } from '../../../src/client/index.js';
import {
  type TempRepository as JsRepository,
  jsConfig,
  tensorEntry,
  writeJsRepository,
} from '../js-backend/js-repository.js';
import { type ManagedServer, rejection, startManagedServer } from './management-fixtures.js';

const SOURCE = `import { createTensor, toTypedArray } from '__API__';
let executions = 0;
let rowsSeen = 0;
let fileValue = -1;
export default class Counter {
  execute(requests) {
    const answers = requests.map((r) => {
      const x = toTypedArray(r.input('X'));
      if (x[0] === 7 && fileValue === -1) fileValue = x[1];
      // A real request holds its instance a while, so two at once run on both instances.
      if (x[0] === 1) for (const end = Date.now() + 300; Date.now() < end; );
      return [createTensor('Y', 'INT32', [r.batchSize, 3], Array.from({ length: r.batchSize }, () => [executions, rowsSeen, fileValue]).flat())];
    });
    executions++;
    for (const r of requests) rowsSeen += r.batchSize;
    return answers;
  }
}
`;

const IO = `input [ ${tensorEntry('X', 'TYPE_INT32', '2')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '3')} ]`;

const WARMUP = `instance_group [ { kind: KIND_CPU count: 2 } ]
model_warmup [
  { name: "zeros" batch_size: 3 count: 2 inputs { key: "X" value: { data_type: TYPE_INT32 dims: [ 2 ] zero_data: true } } },
  { name: "random" batch_size: 1 inputs { key: "X" value: { data_type: TYPE_INT32 dims: [ 2 ] random_data: true } } },
  { name: "file" batch_size: 2 count: 1 inputs { key: "X" value: { data_type: TYPE_INT32 dims: [ 2 ] input_data_file: "x.bin" } } }
]`;

let repo: JsRepository;
let s: ManagedServer;

beforeAll(async () => {
  repo = writeJsRepository({
    counter: { config: jsConfig('counter', 4, IO, WARMUP), source: SOURCE },
    bad_file: { config: jsConfig('bad_file', 4, IO, WARMUP), source: SOURCE },
  });
  mkdirSync(join(repo.dir, 'counter', 'warmup'));
  writeFileSync(join(repo.dir, 'counter', 'warmup', 'x.bin'), Buffer.from(new Int32Array([7, 42]).buffer));
  mkdirSync(join(repo.dir, 'bad_file', 'warmup'));
  writeFileSync(join(repo.dir, 'bad_file', 'warmup', 'x.bin'), Buffer.from([1, 2, 3]));
  s = await startManagedServer([repo.dir], { modelControlMode: 'explicit' });
});

afterAll(async () => {
  await s?.close();
  repo?.remove();
});

it('runs every warmup entry count times on every instance before the model is READY', async () => {
  await s.http.loadModel('counter');
  // Two requests at once run on the two instances (default scheduler): each reports its own warmup.
  const x = () => [InferInput.fromValues('X', 'INT32', [1, 2], [1, 1])];
  const answers = await Promise.all([s.http.infer('counter', x()), s.grpc.infer('counter', x())]);
  for (const answer of answers) {
    const [executions, rows, fileValue] = answer.output<Int32Array>('Y');
    // 2 × zeros (3 rows) + 1 × random (1 row) + 1 × file (2 rows); one more if this instance ran the other request.
    expect([4, 5]).toContain(executions);
    expect([9, 10]).toContain(rows);
    expect(fileValue).toBe(42);
  }
  expect(answers.map((a) => a.output<Int32Array>('Y')[0]).sort()).toEqual([4, 4]);
});

it('fails the load when warmup data does not fit, saying which warmup failed', async () => {
  const err = await rejection(s.http.loadModel('bad_file'));
  expect(err.message).toMatch(/^failed to load 'bad_file': /);
  expect(err.message).toContain("warmup data file 'x.bin' of input 'X' holds 3 bytes: expected 8");
  expect(await s.http.isModelReady('bad_file')).toBe(false);
});
