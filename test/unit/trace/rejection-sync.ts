/** The ServerError a synchronous call throws (fails the test when it does not throw one). */
import { ServerError } from '../../../src/common/errors.js';

/** Runs `fn` and returns the ServerError it threw. */
export function rejectionSync(fn: () => unknown): ServerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServerError) return err;
    throw err;
  }
  throw new Error('Expected a ServerError, but the call returned');
}
