/**
 * Unit: ServerError takes only codes of the table, each with its own status (checked by the type
 * checker, which `npm test` runs: the `@ts-expect-error` lines fail it when they compile), and
 * the table's lookups.
 */
import { describe, expect, it } from 'vitest';
import {
  allowsStatus,
  ERROR_CODES,
  internal,
  invalidArg,
  isErrorCode,
  reviveServerError,
  ServerError,
  Status,
  statusOf,
  toServerError,
  unavailable,
} from '../../../src/common/errors.js';

describe('ServerError and the error-code table', () => {
  it('ServerError does not compile with a code outside the table', () => {
    // @ts-expect-error: a typo is not a code
    const typo = new ServerError(Status.NOT_FOUND, 'ERR_UNKNWON_MODEL', 'No model');
    expect(typo.code).toBe('ERR_UNKNWON_MODEL');
    // @ts-expect-error: helpers take codes only
    expect(invalidArg('ERR_NOT_A_CODE', 'Bad').status).toBe('INVALID_ARG');
  });

  it("ServerError and the helpers do not compile with a status other than the code's own", () => {
    // @ts-expect-error: ERR_UNKNOWN_MODEL is NOT_FOUND
    expect(new ServerError(Status.INVALID_ARG, 'ERR_UNKNOWN_MODEL', 'No model').status).toBe('INVALID_ARG');
    // @ts-expect-error: ERR_MODEL_LOAD is INVALID_ARG; an instance's failure is ERR_INSTANCE_LOAD
    expect(internal('ERR_MODEL_LOAD', 'Worker stopped').status).toBe('INTERNAL');
    // @ts-expect-error: the per-model bound is INVALID_ARG; the server-wide one is ERR_SERVER_INSTANCE_LIMIT
    expect(unavailable('ERR_INSTANCE_LIMIT', 'Full').status).toBe('UNAVAILABLE');
    expect(unavailable('ERR_SERVER_INSTANCE_LIMIT', 'Full').code).toBe('ERR_SERVER_INSTANCE_LIMIT');
  });

  it('a relaying code compiles with any status, as the party that chose it gave it', () => {
    expect(new ServerError(Status.NOT_FOUND, 'ERR_ENSEMBLE_STEP', 'Step 1 failed').status).toBe('NOT_FOUND');
    expect(new ServerError(Status.UNAVAILABLE, 'ERR_MODEL', 'Busy').code).toBe('ERR_MODEL');
    expect(allowsStatus('ERR_MODEL', Status.CANCELLED)).toBe(true);
    expect(allowsStatus('ERR_UNKNOWN_MODEL', Status.INVALID_ARG)).toBe(false);
    expect(allowsStatus('ERR_UNKNOWN_MODEL', Status.NOT_FOUND)).toBe(true);
  });

  it('statusOf gives the status of the table and isErrorCode knows only its codes', () => {
    expect(statusOf('ERR_QUEUE_FULL')).toBe('UNAVAILABLE');
    expect(statusOf('ERR_PROMPT_TOO_LONG')).toBe('INVALID_ARG');
    expect(statusOf('ERR_BACKEND')).toBe('INTERNAL');
    expect(isErrorCode('ERR_QUEUE_FULL')).toBe(true);
    expect(isErrorCode('ERR_INVALID_ARG_TYPE')).toBe(false);
    expect(isErrorCode('toString')).toBe(false);
    expect(isErrorCode(42)).toBe(false);
    for (const [code, entry] of Object.entries(ERROR_CODES)) {
      expect(Object.values(Status), code).toContain(entry.status);
    }
  });

  it('reviveServerError rebuilds an error that crossed a boundary as plain data', () => {
    const e = reviveServerError(Status.UNAVAILABLE, 'ERR_QUEUE_FULL', 'Queue full', { retryAfterS: 2 });
    expect(e).toBeInstanceOf(ServerError);
    expect(e).toMatchObject({
      status: 'UNAVAILABLE',
      code: 'ERR_QUEUE_FULL',
      message: 'Queue full',
      retryAfterS: 2,
    });
    expect(toServerError(new Error('Boom'))).toMatchObject({ status: 'INTERNAL', code: 'ERR_INTERNAL' });
  });
});
