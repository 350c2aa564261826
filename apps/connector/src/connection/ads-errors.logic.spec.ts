import {
  AdsHttpError,
  AdsMalformedResponseError,
  AdsNeedsReauthorizationError,
  AdsNetworkError,
  AdsRetriesExhaustedError,
  AdsTokenError,
} from '@ams/ads-api';
import { CommandError } from '@ams/contracts';
import { commandErrorOf, describeFailure, isConnectionFailure, upstreamDetail } from './ads-errors.logic';

describe('Ads API errors as command errors', () => {
  it('answers UNAVAILABLE for invalid_grant and UPSTREAM with status, code and request id for the rest', () => {
    const reauth = commandErrorOf(new AdsNeedsReauthorizationError('listProfiles', 'revoked'));
    expect(reauth).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringMatching(/consent again/) });
    const http = commandErrorOf(new AdsHttpError('createStreamSubscription', 409, 'OperationConflict', 'dup', 'rid-1'));
    expect(http).toBeInstanceOf(CommandError);
    expect(http).toMatchObject({ code: 'UPSTREAM' });
    expect((http as Error).message).toMatch(/HTTP 409 OperationConflict: dup \(request id rid-1\)/);
    const plain = new Error('boom');
    expect(commandErrorOf(plain)).toBe(plain);
  });

  it("keeps Amazon's answer per item and tells connection failures from a listing's", () => {
    const timeout = new AdsNetworkError('listSpKeywords', true, 'aborted');
    const exhausted = new AdsRetriesExhaustedError(
      'listSpKeywords',
      3,
      1200,
      new AdsHttpError('x', 503, 'X', 'down', 'r9'),
    );
    expect(upstreamDetail(exhausted)).toMatchObject({ status: 503, code: 'X', requestId: 'r9' });
    expect(upstreamDetail(new AdsMalformedResponseError('x', '$.a: missing', 200, 'r1'))).toMatchObject({
      status: 200,
      code: 'MALFORMED_RESPONSE',
    });
    expect(isConnectionFailure(timeout)).toBe(true);
    expect(isConnectionFailure(new AdsTokenError('t', 500, undefined, undefined, true))).toBe(true);
    expect(isConnectionFailure(new AdsHttpError('x', 401, 'UNAUTHORIZED', undefined))).toBe(true);
    expect(isConnectionFailure(new AdsHttpError('x', 400, 'INVALID_ARGUMENT', undefined))).toBe(false);
    expect(isConnectionFailure(exhausted)).toBe(false);
    expect(describeFailure(new Error('x'.repeat(50)), 10)).toHaveLength(10);
  });
});
