/**
 * The error a client call fails with, for e2e tests that check error statuses, codes and texts.
 * The call must reject, and with the client's InferenceServerError.
 */
import { expect } from 'vitest';
import { InferenceServerError } from '../../src/client/index.js';

/** The InferenceServerError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<InferenceServerError> {
  const err = await promise.then(
    () => {
      throw new Error('Expected the call to fail');
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InferenceServerError);
  return err as InferenceServerError;
}
