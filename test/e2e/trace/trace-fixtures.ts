/**
 * What the trace e2e tests share: the example models they load (`simple` and the image ensemble
 * with its two steps), their inputs, and the timestamps Triton records for a model that computes.
 */
import { InferInput } from '../../../src/client/index.js';
import { textLineImage } from '../ensemble/text-line-image.js';

/** The example models the trace tests serve. */
export const TRACE_TEST_MODELS = ['simple', 'text_orientation_image', 'image_preprocess', 'text_orientation'];

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
