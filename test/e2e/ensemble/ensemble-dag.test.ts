/**
 * E2E tests of ensembles over HTTP with the project's client: steps run in data order (a diamond
 * listed out of order), independent steps run at the same time, intermediate tensors stay in
 * the server, a failing step fails the request naming the step, and the ensemble keeps its own
 * statistics next to those of its composing models.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, InferenceServerError, tensor } from '../../../src/client/index.js';
import type { ServerError } from '../../../src/common/errors.js';
import { InferenceRequest, type InferenceResponse } from '../../../src/core/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  ensembleConfig,
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeEnsembleRepository,
} from './ensemble-repository.js';

/** A JS model that waits 150 ms and returns IN + `add` with its start and end times (ms since epoch). */
function timedModel(name: string, add: number) {
  return {
    config: jsConfig(
      name,
      0,
      `input [ ${tensorEntry('IN', 'TYPE_INT32', '4')} ]
output [ ${tensorEntry('OUT', 'TYPE_INT32', '4')}, ${tensorEntry('SPAN', 'TYPE_FP64', '2')} ]`,
    ),
    source: `import { createTensor, toTypedArray } from '__API__';
export default class Timed {
  async execute(requests) {
    const started = performance.timeOrigin + performance.now();
    await new Promise((resolve) => setTimeout(resolve, 150));
    const ended = performance.timeOrigin + performance.now();
    return requests.map((r) => [
      createTensor('OUT', 'INT32', [4], Array.from(toTypedArray(r.input('IN')), (v) => v + ${add})),
      createTensor('SPAN', 'FP64', [2], [started, ended]),
    ]);
  }
}
`,
  };
}

const MODELS = {
  timed_a: timedModel('timed_a', 1),
  timed_b: timedModel('timed_b', 2),
  refuse_13: {
    config: jsConfig(
      'refuse_13',
      8,
      `input [ ${tensorEntry('INPUT0', 'TYPE_INT32', '-1')} ]
output [ ${tensorEntry('OUTPUT0', 'TYPE_INT32', '-1')} ]`,
    ),
    source: `import { ModelError, renameTensor, toTypedArray } from '__API__';
export default class Refuse13 {
  execute(requests) {
    return requests.map((r) =>
      toTypedArray(r.input('INPUT0')).includes(13)
        ? new ModelError('Refusing the value 13', 'INVALID_ARG')
        : [renameTensor(r.input('INPUT0'), 'OUTPUT0')],
    );
  }
}
`,
  },
};

const INT16 = (name: string) => tensorEntry(name, 'TYPE_INT32', '16');

const ENSEMBLES = {
  // Listed with the last step first: the order comes from the data, not from the list.
  diamond: ensembleConfig(
    'diamond',
    8,
    `input [ ${INT16('A')}, ${INT16('B')} ]
output [ ${INT16('TOTAL')}, ${INT16('BACK_TO_B')} ]`,
    [
      {
        model: 'simple',
        inputs: { INPUT0: 'sum', INPUT1: 'copy_a' },
        outputs: { OUTPUT0: 'TOTAL', OUTPUT1: 'BACK_TO_B' },
      },
      { model: 'simple', inputs: { INPUT0: 'A', INPUT1: 'B' }, outputs: { OUTPUT0: 'sum' } },
      { model: 'custom_identity_int32', inputs: { INPUT0: 'A' }, outputs: { OUTPUT0: 'copy_a' } },
    ],
  ),
  parallel: ensembleConfig(
    'parallel',
    0,
    `input [ ${tensorEntry('X', 'TYPE_INT32', '4')} ]
output [ ${tensorEntry('A', 'TYPE_INT32', '4')}, ${tensorEntry('B', 'TYPE_INT32', '4')}, ${tensorEntry('SPAN_A', 'TYPE_FP64', '2')}, ${tensorEntry('SPAN_B', 'TYPE_FP64', '2')} ]`,
    [
      { model: 'timed_a', inputs: { IN: 'X' }, outputs: { OUT: 'A', SPAN: 'SPAN_A' } },
      { model: 'timed_b', inputs: { IN: 'X' }, outputs: { OUT: 'B', SPAN: 'SPAN_B' } },
    ],
  ),
  chain: ensembleConfig(
    'chain',
    0,
    `input [ ${tensorEntry('X', 'TYPE_INT32', '4')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '4')} ]`,
    [
      { model: 'timed_a', inputs: { IN: 'X' }, outputs: { OUT: 'mid' } },
      { model: 'timed_b', inputs: { IN: 'mid' }, outputs: { OUT: 'Y' } },
    ],
  ),
  failing: ensembleConfig(
    'failing',
    8,
    `input [ ${tensorEntry('IN', 'TYPE_INT32', '-1')} ]
output [ ${tensorEntry('OUT', 'TYPE_INT32', '-1')} ]`,
    [
      { model: 'custom_identity_int32', inputs: { INPUT0: 'IN' }, outputs: { OUTPUT0: 'copied' } },
      { model: 'refuse_13', inputs: { INPUT0: 'copied' }, outputs: { OUTPUT0: 'OUT' } },
    ],
  ),
};

let repo: TempRepository;
let t: TestServer;
let client: HttpClient;

beforeAll(async () => {
  repo = writeEnsembleRepository(MODELS, ['simple', 'custom_identity_int32'], ENSEMBLES);
  t = await startTestServer({ modelRepositories: [repo.dir] });
  client = new HttpClient(t.baseUrl);
});

afterAll(async () => {
  await client?.close();
  await t?.close();
  repo?.remove();
});

const range = (n: number, f: (i: number) => number) => Int32Array.from({ length: n }, (_, i) => f(i));

describe('ensembles', () => {
  it('an ensemble loads after its composing models and reports platform ensemble', async () => {
    const index = await client.repositoryIndex();
    for (const name of Object.keys(ENSEMBLES)) {
      expect(index.find((e) => e.name === name)?.state).toBe('READY');
    }
    const metadata = await client.modelMetadata('diamond');
    expect(metadata.platform).toBe('ensemble');
    expect(metadata.outputs.map((o) => o.name)).toEqual(['TOTAL', 'BACK_TO_B']);
  });

  it('runs a diamond in data order: a step fires once all its inputs exist', async () => {
    const a = range(16, (i) => i * 3);
    const b = range(16, (i) => 100 - i);
    const result = await client.infer('diamond', [
      tensor('A', 'INT32', [1, 16], a),
      tensor('B', 'INT32', [1, 16], b),
    ]);
    // step 2: sum = A + B; step 3: copy_a = A; step 1: TOTAL = sum + copy_a, BACK_TO_B = sum - copy_a
    expect(Array.from(result.output<Int32Array>('TOTAL'))).toEqual(Array.from(a, (v, i) => v + b[i]! + v));
    expect(Array.from(result.output<Int32Array>('BACK_TO_B'))).toEqual(Array.from(b));
    expect(result.shape('TOTAL')).toEqual([1, 16]);
  });

  it('returns only the ensemble outputs, never the intermediate tensors', async () => {
    const result = await client.infer('diamond', [
      tensor(
        'A',
        'INT32',
        [1, 16],
        range(16, (i) => i),
      ),
      tensor(
        'B',
        'INT32',
        [1, 16],
        range(16, () => 1),
      ),
    ]);
    expect(result.outputNames().sort()).toEqual(['BACK_TO_B', 'TOTAL']);
    await expect(
      client.infer(
        'diamond',
        [
          tensor(
            'A',
            'INT32',
            [1, 16],
            range(16, (i) => i),
          ),
          tensor(
            'B',
            'INT32',
            [1, 16],
            range(16, () => 1),
          ),
        ],
        {
          outputs: ['sum'],
        },
      ),
    ).rejects.toThrow(/sum/);
  });

  it('runs independent steps at the same time', async () => {
    const result = await client.infer('parallel', [tensor('X', 'INT32', [4], [1, 2, 3, 4])]);
    expect(Array.from(result.output<Int32Array>('A'))).toEqual([2, 3, 4, 5]);
    expect(Array.from(result.output<Int32Array>('B'))).toEqual([3, 4, 5, 6]);
    const [startA, endA] = Array.from(result.output<Float64Array>('SPAN_A'));
    const [startB, endB] = Array.from(result.output<Float64Array>('SPAN_B'));
    // Each step takes 150 ms: their spans overlap only if both ran concurrently.
    expect(startA!).toBeLessThan(endB!);
    expect(startB!).toBeLessThan(endA!);
  });

  it('fails the request with a message naming the step that failed', async () => {
    const err = await client
      .infer('failing', [tensor('IN', 'INT32', [1, 3], [12, 13, 14])])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceServerError);
    const error = err as InferenceServerError;
    expect(error.message).toContain("Ensemble step 2 ('refuse_13') of 'failing' failed");
    expect(error.message).toContain('Refusing the value 13');
    expect(error.httpStatus).toBe(400);
    const ok = await client.infer('failing', [tensor('IN', 'INT32', [1, 3], [12, 14, 15])]);
    expect(Array.from(ok.output<Int32Array>('OUT'))).toEqual([12, 14, 15]);
  });

  it('stops a cancelled request before its next step starts', async () => {
    const executions = async () => (await client.modelStatistics('timed_b')).model_stats[0]!.execution_count;
    const before = await executions();
    const answer = new Promise<ServerError | InferenceResponse | null>((resolve) => {
      const request = new InferenceRequest({
        modelName: 'chain',
        inputs: [{ name: 'X', datatype: 'INT32', shape: [4], data: new Uint8Array(16) }],
        sink: { onResponse: (_r, response) => resolve(response), onError: (_r, error) => resolve(error) },
      });
      t.server.infer(request);
      // Step 1 is running (150 ms): the request cannot be dequeued, only flagged.
      expect(t.server.cancel(request)).toBe(false);
    });
    const outcome = await answer;
    expect((outcome as ServerError).status).toBe('CANCELLED');
    expect((outcome as ServerError).message).toContain("before step 2 ('timed_b')");
    expect(await executions()).toBe(before);
    const ok = await client.infer('chain', [tensor('X', 'INT32', [4], [1, 2, 3, 4])]);
    expect(Array.from(ok.output<Int32Array>('Y'))).toEqual([4, 5, 6, 7]);
  });

  it('keeps statistics for the ensemble and for each composing model', async () => {
    const stats = async (name: string) => (await client.modelStatistics(name)).model_stats[0]!;
    const before = { ensemble: await stats('failing'), step: await stats('refuse_13') };
    await client.infer('failing', [tensor('IN', 'INT32', [1, 2], [1, 2])]);
    await client.infer('failing', [tensor('IN', 'INT32', [2, 1], [3, 4])]);
    await client.infer('failing', [tensor('IN', 'INT32', [1, 1], [13])]).catch(() => undefined);
    const after = { ensemble: await stats('failing'), step: await stats('refuse_13') };
    expect(after.ensemble.inference_stats.success.count - before.ensemble.inference_stats.success.count).toBe(
      2,
    );
    expect(after.ensemble.inference_stats.fail.count - before.ensemble.inference_stats.fail.count).toBe(1);
    expect(after.ensemble.inference_count - before.ensemble.inference_count).toBe(3);
    expect(after.ensemble.inference_stats.success.ns).toBeGreaterThan(
      before.ensemble.inference_stats.success.ns,
    );
    expect(after.ensemble.inference_stats.compute_infer.ns).toBeGreaterThan(
      before.ensemble.inference_stats.compute_infer.ns,
    );
    expect(after.step.inference_stats.success.count - before.step.inference_stats.success.count).toBe(2);
    expect(after.step.inference_stats.fail.count - before.step.inference_stats.fail.count).toBe(1);
  });
});
