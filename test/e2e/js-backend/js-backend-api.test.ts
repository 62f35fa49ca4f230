/**
 * E2E tests of the JavaScript backend's model API against a real server (core + HTTP) on temp
 * repositories of small model.js files: batched execute sees the whole dynamic batch, tensor
 * helpers for every datatype, per-request errors, the model logger, and model-to-model calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HttpClient,
  type InferenceServerError,
  type InferResult,
  tensor,
} from '../../../src/client/index.js';
import { Logger } from '../../../src/common/logger.js';
import { DATATYPES } from '../../../src/protocol/datatypes.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import {
  inferError,
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeJsRepository,
} from './js-repository.js';

const ints = (result: InferResult, name: string): number[] => Array.from(result.output<Int32Array>(name));
const configType = (dt: string) => (dt === 'BYTES' ? 'TYPE_STRING' : `TYPE_${dt}`);

const MODELS = {
  batch_seen: {
    config: jsConfig(
      'batch_seen',
      8,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('SEEN', 'TYPE_INT32', '1')}, ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
      'dynamic_batching { preferred_batch_size: [ 4 ] max_queue_delay_microseconds: 5000000 }',
    ),
    source: `import { createTensor, logger, renameTensor } from '__API__';
export default class BatchSeen {
  initialize(args) {
    logger.info('initialized ' + args.modelInstanceName + ' of ' + args.modelName + ' v' + args.modelVersion);
  }
  execute(requests) {
    return requests.map((r) => [
      createTensor('SEEN', 'INT32', [r.batchSize, 1], new Array(r.batchSize).fill(requests.length)),
      renameTensor(r.input('X'), 'Y'),
    ]);
  }
}
`,
  },
  all_types: {
    config: jsConfig(
      'all_types',
      0,
      `input [ ${DATATYPES.map((dt) => tensorEntry(`IN_${dt}`, configType(dt), '-1')).join(', ')} ]
output [ ${DATATYPES.map((dt) => tensorEntry(`OUT_${dt}`, configType(dt), '-1')).join(', ')} ]`,
    ),
    source: `import { bytesElements, createTensor, toArray, toTypedArray } from '__API__';
export default class AllTypes {
  execute(requests) {
    return requests.map((r) => r.inputs.map((t) => {
      const name = t.name.replace('IN_', 'OUT_');
      if (t.datatype === 'BYTES') return createTensor(name, 'BYTES', t.shape, bytesElements(t));
      if (t.datatype === 'FP16' || t.datatype === 'BF16' || t.datatype === 'BOOL') return createTensor(name, t.datatype, t.shape, toArray(t));
      return createTensor(name, t.datatype, t.shape, toTypedArray(t).slice());
    }));
  }
}
`,
  },
  picky: {
    config: jsConfig(
      'picky',
      8,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
      'dynamic_batching { preferred_batch_size: [ 2 ] max_queue_delay_microseconds: 5000000 }',
    ),
    source: `import { createTensor, ModelError, toTypedArray } from '__API__';
export default class Picky {
  execute(requests) {
    return requests.map((r) => {
      const x = toTypedArray(r.input('X'));
      if (x[0] === 999) throw new Error('Picky cannot count to 999');
      if (x[0] < 0) return new ModelError('X must be >= 0: received ' + x[0], 'INVALID_ARG');
      return [createTensor('Y', 'INT32', [r.batchSize, 1], Array.from(x, (v) => v * 10))];
    });
  }
}
`,
  },
  malformed: {
    config: jsConfig(
      'malformed',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
    ),
    source: `import { createTensor, toTypedArray } from '__API__';
export default class Malformed {
  execute(requests) {
    const x = toTypedArray(requests[0].input('X'))[0];
    if (x === 1) return [[{ name: 'Y', datatype: 'INT32', shape: [2], data: new Uint8Array(4) }]];
    if (x === 2) return [[createTensor('Y', 'FP32', [1], [1])]];
    if (x === 3) return [[]];
    if (x === 4) return [[createTensor('Y', 'INT32', [1], [1, 2, 3])]];
    return [[createTensor('Y', 'INT32', [1], [x])]];
  }
}
`,
  },
  bls_post: {
    config: jsConfig(
      'bls_post',
      0,
      `input [ ${tensorEntry('A', 'TYPE_INT32', '16')}, ${tensorEntry('B', 'TYPE_INT32', '16')} ]
output [ ${tensorEntry('OUT', 'TYPE_INT32', '16')} ]`,
    ),
    // The bare specifier: the temp repository is outside the package, so the resolve hook maps it.
    source: `import { createTensor, infer, renameTensor, toTypedArray } from 'nereid/backend';
export default class BlsPost {
  async execute(requests) {
    return Promise.all(requests.map(async (r) => {
      const reply = await infer({
        model: 'simple',
        inputs: [{ ...renameTensor(r.input('A'), 'INPUT0'), shape: [1, 16] }, { ...renameTensor(r.input('B'), 'INPUT1'), shape: [1, 16] }],
        outputs: ['OUTPUT0'],
      });
      const sum = toTypedArray(reply.output('OUTPUT0'));
      return [createTensor('OUT', 'INT32', [16], Array.from(sum, (v) => v * 2))];
    }));
  }
}
`,
  },
  bls_missing: {
    config: jsConfig(
      'bls_missing',
      0,
      `input [ ${tensorEntry('X', 'TYPE_INT32', '1')} ]
output [ ${tensorEntry('Y', 'TYPE_INT32', '1')} ]`,
    ),
    source: `import { infer } from '__API__';
export default class BlsMissing {
  async execute(requests) {
    return Promise.all(requests.map((r) => infer({ model: 'nope', inputs: r.inputs }).then(() => [], (err) => err)));
  }
}
`,
  },
  bls_stream: {
    config: jsConfig(
      'bls_stream',
      0,
      `input [ ${tensorEntry('IN', 'TYPE_INT32', '-1')} ]
output [ ${tensorEntry('SUM', 'TYPE_INT32', '1')}, ${tensorEntry('COUNT', 'TYPE_INT32', '1')} ]`,
    ),
    source: `import { createTensor, inferStream, toTypedArray } from '__API__';
export default class BlsStream {
  async execute(requests) {
    const out = [];
    for (const r of requests) {
      const n = r.input('IN').shape[0];
      let sum = 0;
      let count = 0;
      for await (const reply of inferStream({
        model: 'repeat_int32',
        inputs: [r.input('IN'), createTensor('DELAY', 'UINT32', [n], new Array(n).fill(1)), createTensor('WAIT', 'UINT32', [1], [0])],
      })) {
        sum += toTypedArray(reply.output('OUT'))[0];
        count++;
      }
      out.push([createTensor('SUM', 'INT32', [1], [sum]), createTensor('COUNT', 'INT32', [1], [count])]);
    }
    return out;
  }
}
`,
  },
};

let repo: TempRepository;
let t: TestServer;
let client: HttpClient;
const logLines: string[] = [];

beforeAll(async () => {
  repo = writeJsRepository(MODELS, ['simple', 'repeat_int32', 'simple_identity']);
  t = await startTestServer({
    modelRepositories: [repo.dir],
    logger: new Logger({ write: (line) => void logLines.push(line) }),
  });
  client = new HttpClient(t.baseUrl);
});

afterAll(async () => {
  await client?.close();
  await t?.close();
  repo?.remove();
});

describe('JavaScript backend model API', () => {
  it('loads every JS model of the repository', () => {
    const rows = t.server.repositoryIndex();
    for (const name of Object.keys(MODELS)) {
      expect(rows.find((r) => r.name === name)).toMatchObject({ state: 'READY', reason: '' });
    }
  });

  it('batched execute receives the whole dynamic batch and each request gets its own rows', async () => {
    const sizes = [1, 2, 1];
    const results = await Promise.all(
      sizes.map((rows, i) =>
        client.infer('batch_seen', [tensor('X', 'INT32', [rows, 1], new Array(rows).fill(10 * (i + 1)))]),
      ),
    );
    results.forEach((result, i) => {
      expect(ints(result, 'SEEN')).toEqual(new Array(sizes[i]).fill(3));
      expect(ints(result, 'Y')).toEqual(new Array(sizes[i]).fill(10 * (i + 1)));
    });
    const stats = t.server.statistics('batch_seen').model_stats[0]!;
    expect(stats.execution_count).toBe(1);
    expect(stats.inference_count).toBe(4);
  });

  it('writes lines a model logs into the server log, tagged with the model', () => {
    const line = /\[batch_seen\] (\S+): initialized (\S+) of batch_seen v1/;
    const match = logLines.map((l) => line.exec(l)).find((m) => m !== null);
    expect(match).toBeDefined();
    expect(match![1]).toBe(match![2]);
  });

  it('tensor helpers round-trip every datatype, FP16 and BF16 included', async () => {
    const inputs = [
      tensor('IN_BOOL', 'BOOL', [3], [true, false, true]),
      tensor('IN_UINT8', 'UINT8', [2], [0, 255]),
      tensor('IN_UINT16', 'UINT16', [2], [0, 65535]),
      tensor('IN_UINT32', 'UINT32', [2], [0, 4294967295]),
      tensor('IN_UINT64', 'UINT64', [2], [0n, 18446744073709551615n]),
      tensor('IN_INT8', 'INT8', [2], [-128, 127]),
      tensor('IN_INT16', 'INT16', [2], [-32768, 32767]),
      tensor('IN_INT32', 'INT32', [2], [-2147483648, 2147483647]),
      tensor('IN_INT64', 'INT64', [2], [-9223372036854775808n, 9223372036854775807n]),
      tensor('IN_FP16', 'FP16', [3], [1.5, -2, 65504]),
      tensor('IN_FP32', 'FP32', [2], [0.25, -3.5]),
      tensor('IN_FP64', 'FP64', [2], [Math.PI, -1e300]),
      tensor('IN_BYTES', 'BYTES', [3], ['a\u0000b', new Uint8Array([0, 255, 0]), '']),
      tensor('IN_BF16', 'BF16', [3], [1, -0.5, 256]),
    ];
    const result = await client.infer('all_types', inputs);
    for (const input of inputs) {
      const name = input.name.replace('IN_', 'OUT_');
      expect(result.datatype(name)).toBe(input.datatype);
      expect(result.shape(name)).toEqual(input.shape);
      expect(Buffer.from(result.raw(name))).toEqual(Buffer.from(input.data));
    }
    expect(Array.from(result.outputAsFloat32('OUT_FP16'))).toEqual([1.5, -2, 65504]);
    expect(Array.from(result.outputAsFloat32('OUT_BF16'))).toEqual([1, -0.5, 256]);
  });

  it('simple_identity returns BYTES elements exactly, NULs and invalid UTF-8 included', async () => {
    const elements = [
      new Uint8Array([0, 0, 0]),
      new Uint8Array([104, 0, 105, 0xff, 0xfe]),
      new Uint8Array(0),
    ];
    const result = await client.infer('simple_identity', [tensor('INPUT0', 'BYTES', [1, 3], elements)]);
    expect(result.shape('OUTPUT0')).toEqual([1, 3]);
    expect(result.outputAsBytes('OUTPUT0').map((e) => Array.from(e))).toEqual(
      elements.map((e) => Array.from(e)),
    );
  });

  it('a returned ModelError fails only its own request of a batch, with its status', async () => {
    const [bad, good] = await Promise.allSettled([
      client.infer('picky', [tensor('X', 'INT32', [1, 1], [-3])]),
      client.infer('picky', [tensor('X', 'INT32', [1, 1], [4])]),
    ]);
    expect(bad.status).toBe('rejected');
    const error = (bad as PromiseRejectedResult).reason as InferenceServerError;
    expect(error.httpStatus).toBe(400);
    expect(error.message).toBe('X must be >= 0: received -3');
    expect(good.status).toBe('fulfilled');
    expect(ints((good as PromiseFulfilledResult<InferResult>).value, 'Y')).toEqual([40]);
    expect(t.server.statistics('picky').model_stats[0]!.execution_count).toBe(1);
  });

  it('an exception thrown by execute fails that call with a 500 and the instance keeps serving', async () => {
    const error = await inferError(
      Promise.all([
        client.infer('picky', [tensor('X', 'INT32', [1, 1], [999])]),
        client.infer('picky', [tensor('X', 'INT32', [1, 1], [1])]),
      ]),
    );
    expect(error.httpStatus).toBe(500);
    expect(error.message).toBe('execute() of model "picky" failed: Picky cannot count to 999');
    const [a, b] = await Promise.all([
      client.infer('picky', [tensor('X', 'INT32', [1, 1], [2])]),
      client.infer('picky', [tensor('X', 'INT32', [1, 1], [3])]),
    ]);
    expect(ints(a, 'Y')).toEqual([20]);
    expect(ints(b, 'Y')).toEqual([30]);
  });

  it('a malformed output (bytes not matching the shape, wrong datatype, missing requested output, bad helper values) is a 500, never a 400', async () => {
    const expected: [number, string][] = [
      [1, "Tensor 'Y' has 4 bytes but shape [2] of INT32 needs 8"],
      [2, "Model returned output 'Y' as FP32 but the config declares INT32"],
      [3, "Model 'malformed' did not produce output 'Y'"],
      [4, "Tensor 'Y' has 3 elements but shape [1] needs 1"],
    ];
    for (const [x, message] of expected) {
      // The client names its output, so a model that leaves it out cannot answer without it.
      const error = await inferError(
        client.infer('malformed', [tensor('X', 'INT32', [1], [x])], { outputs: ['Y'] }),
      );
      expect(error.httpStatus, `X=${x}`).toBe(500);
      expect(error.message).toContain(message);
    }
    expect(ints(await client.infer('malformed', [tensor('X', 'INT32', [1], [7])]), 'Y')).toEqual([7]);
  });

  it('a JS model calls the ONNX model "simple" through the server and post-processes its output', async () => {
    const before = t.server.statistics('simple').model_stats[0]!.inference_count;
    const a = Array.from({ length: 16 }, (_, i) => i);
    const b = Array.from({ length: 16 }, () => 5);
    const result = await client.infer('bls_post', [
      tensor('A', 'INT32', [16], a),
      tensor('B', 'INT32', [16], b),
    ]);
    expect(ints(result, 'OUT')).toEqual(a.map((v) => (v + 5) * 2));
    expect(t.server.statistics('simple').model_stats[0]!.inference_count).toBe(before + 1);
  });

  it('a model-to-model call to an unknown model rejects with the server error', async () => {
    const error = await inferError(client.infer('bls_missing', [tensor('X', 'INT32', [1], [1])]));
    expect(error.httpStatus).toBe(404);
    expect(error.message).toBe("Request for unknown model: 'nope' is not found");
  });

  it('a JS model iterates the responses of the decoupled model repeat_int32', async () => {
    const values = [3, 4, 5, 6];
    const result = await client.infer('bls_stream', [tensor('IN', 'INT32', [4], values)]);
    expect(ints(result, 'SUM')).toEqual([18]);
    expect(ints(result, 'COUNT')).toEqual([4]);
  });
});
