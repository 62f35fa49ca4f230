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

  it("ModelError falls back to INTERNAL for a status outside Triton's set", () => {
    expect(new ModelError('Odd', 'TEAPOT' as never).status).toBe('INTERNAL');
  });
});
