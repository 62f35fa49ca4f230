import { describe, expect, it } from 'vitest';
import { ModelError, toWorkerError } from '../../../../src/backends/js/model-error.js';
import { ServerError, Status } from '../../../../src/common/errors.js';

describe('ModelError', () => {
  it('toWorkerError keeps the status and code of a ModelError and of a ServerError', () => {
    expect(toWorkerError(new ModelError('Bad X', 'INVALID_ARG'))).toEqual({
      status: 'INVALID_ARG',
      code: 'ERR_MODEL',
      message: 'Bad X',
    });
    expect(toWorkerError(new ServerError(Status.NOT_FOUND, 'ERR_UNKNOWN_MODEL', 'No model'), 'Call')).toEqual(
      {
        status: 'NOT_FOUND',
        code: 'ERR_UNKNOWN_MODEL',
        message: 'Call: No model',
      },
    );
  });

  it('toWorkerError turns any other thrown value into an INTERNAL error', () => {
    expect(toWorkerError(new TypeError('x is undefined'))).toEqual({
      status: 'INTERNAL',
      code: 'ERR_MODEL',
      message: 'x is undefined',
    });
    expect(toWorkerError('plain string')).toEqual({
      status: 'INTERNAL',
      code: 'ERR_MODEL',
      message: 'plain string',
    });
  });

  it("toWorkerError keeps a model's code only when it is a registered code raised with its own status", () => {
    expect(toWorkerError(new ModelError('Busy', 'UNAVAILABLE', 'ERR_QUEUE_FULL'))).toMatchObject({
      status: 'UNAVAILABLE',
      code: 'ERR_QUEUE_FULL',
    });
    // Not in the table: ERR_MODEL, whose status is the model's.
    expect(toWorkerError(new ModelError('Mine', 'INVALID_ARG', 'ERR_MY_MODEL'))).toEqual({
      status: 'INVALID_ARG',
      code: 'ERR_MODEL',
      message: 'Mine',
    });
    // In the table, but ERR_QUEUE_FULL is UNAVAILABLE, never INVALID_ARG.
    expect(toWorkerError(new ModelError('Odd', 'INVALID_ARG', 'ERR_QUEUE_FULL'))).toMatchObject({
      status: 'INVALID_ARG',
      code: 'ERR_MODEL',
    });
    // Node's own codes look alike but are not ours.
    const nodeError = Object.assign(new TypeError('Bad argument'), { code: 'ERR_INVALID_ARG_TYPE' });
    expect(toWorkerError(nodeError)).toMatchObject({ status: 'INTERNAL', code: 'ERR_MODEL' });
  });

  it("ModelError falls back to INTERNAL for a status outside Triton's set", () => {
    expect(new ModelError('Odd', 'TEAPOT' as never).status).toBe('INTERNAL');
  });
});
