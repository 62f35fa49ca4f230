/**
 * What the trace e2e tests share: the example models they load (`simple` and the image ensemble
 * with its two steps) and a JavaScript model calling `simple` (BLS), their inputs, and the
 * timestamps Triton records for a model that computes.
 */
import { InferInput } from '../../../src/client/index.js';
import { textLineImage } from '../ensemble/text-line-image.js';
import {
  jsConfig,
  type TempRepository,
  tensorEntry,
  writeJsRepository,
} from '../js-backend/js-repository.js';

/** The example models the trace tests serve. */
export const TRACE_TEST_MODELS = ['simple', 'text_orientation_image', 'image_preprocess', 'text_orientation'];

/**
 * A temp repository of the trace test models plus `bls_traced`: a JavaScript model that calls
 * `simple` twice per request, once passing its request's trace (`infer({ trace: r.trace })`, so
 * the call is traced as its child) and once not (that call is not traced).
 */
export function traceTestRepository(): TempRepository {
  const blsTraced = {
    config: jsConfig(
      'bls_traced',
      0,
      `input [ ${tensorEntry('INPUT0', 'TYPE_INT32', '1, 16')}, ${tensorEntry('INPUT1', 'TYPE_INT32', '1, 16')} ]
output [ ${tensorEntry('OUTPUT0', 'TYPE_INT32', '1, 16')} ]`,
    ),
    source: `import { infer } from '__API__';
export default class BlsTraced {
  async execute(requests) {
    return Promise.all(requests.map(async (r) => {
      const traced = await infer({ model: 'simple', inputs: r.inputs, outputs: ['OUTPUT0'], id: 'bls-child', trace: r.trace });
      await infer({ model: 'simple', inputs: r.inputs, outputs: ['OUTPUT0'], id: 'bls-untraced' });
      return [traced.output('OUTPUT0')];
    }));
  }
}
`,
  };
  return writeJsRepository({ bls_traced: blsTraced }, TRACE_TEST_MODELS);
}

/** Inputs of `simple`: 0..15 and sixteen 1s. */
export function simpleInputs(): InferInput[] {
  return [
    InferInput.fromValues(
      'INPUT0',
      'INT32',
      [1, 16],
      Array.from({ length: 16 }, (_, i) => i),
    ),
    InferInput.fromValues('INPUT1', 'INT32', [1, 16], new Array(16).fill(1)),
  ];
}

/** The input of `text_orientation_image`: one PNG of a line of text. */
export async function ensembleInputs(): Promise<InferInput[]> {
  return [InferInput.fromValues('image', 'BYTES', [1, 1], [await textLineImage('png')])];
}

/** The core's timestamps of a request that ran on a model, in order (between the frontend's). */
export const CORE_ACTIVITIES = [
  'REQUEST_START',
  'QUEUE_START',
  'COMPUTE_START',
  'COMPUTE_INPUT_END',
  'COMPUTE_OUTPUT_START',
  'COMPUTE_END',
  'REQUEST_END',
];
