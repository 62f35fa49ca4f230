/**
 * The ServerError a synchronous call throws, for unit tests that check error statuses, codes and
 * texts. The call must throw, and a ServerError; anything else fails the test.
 */
import { ServerError } from '../../src/common/errors.js';

/** The ServerError `fn` throws; throws when it returns or throws something else. */
export function serverErrorOf(fn: () => unknown): ServerError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ServerError) return err;
    throw err;
  }
  throw new Error('Expected a ServerError');
}
