/** Unit: InflightBytes, the byte budget of request bodies, and the error it refuses with. */
import { describe, expect, it } from 'vitest';
import { Status } from '../../../../src/common/errors.js';
import { InflightBytes, InflightBytesError } from '../../../../src/frontends/http/inflight-bytes.js';

describe('InflightBytes', () => {
  it('takes bytes up to its limit and refuses what would pass it, taking nothing', () => {
    const budget = new InflightBytes(100);
    expect(budget.tryTake(60)).toBe(true);
    expect(budget.tryTake(40)).toBe(true);
    expect(budget.heldBytes).toBe(100);
    expect(budget.tryTake(1)).toBe(false);
    expect(budget.heldBytes).toBe(100);
  });

  it('says whether bytes fit without taking them, and takes released bytes again', () => {
    const budget = new InflightBytes(100);
    budget.tryTake(70);
    expect(budget.fits(30)).toBe(true);
    expect(budget.fits(31)).toBe(false);
    expect(budget.heldBytes).toBe(70);
    budget.release(70);
    expect(budget.heldBytes).toBe(0);
    expect(budget.tryTake(100)).toBe(true);
  });

  it('refuses with UNAVAILABLE, a one-second retry hint and the flag in the message', () => {
    const budget = new InflightBytes(1000);
    budget.tryTake(900);
    const err = new InflightBytesError(budget, 200);
    expect(err.status).toBe(Status.UNAVAILABLE);
    expect(err.code).toBe('ERR_HTTP_INFLIGHT_BYTES');
    expect(err.retryAfterS).toBe(1);
    expect(err.message).toBe(
      'Cannot hold 200 more bytes of request body: 900 of 1000 bytes are held by requests in flight (--http-max-inflight-bytes)',
    );
  });
});
