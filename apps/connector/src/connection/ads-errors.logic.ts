import {
  AdsApiError,
  AdsHttpError,
  AdsMalformedResponseError,
  AdsNeedsReauthorizationError,
  AdsRetriesExhaustedError,
  AdsTokenError,
} from '@ams/ads-api';
import { CommandError } from '@ams/contracts';

/** The text the connector keeps and shows for a failure (sync state, connection row, events): bounded, no secret. */
export function describeFailure(err: unknown, max = 2000): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export const REAUTHORIZE_MESSAGE =
  'the Amazon Ads connection needs re-authorization: Login with Amazon refused the refresh token (invalid_grant); ' +
  'the user must consent again and the connector be given the new ADS_API_REFRESH_TOKEN';

export const UNCONFIGURED_MESSAGE =
  'the Amazon Ads API is not configured: set ADS_API_CLIENT_ID, ADS_API_CLIENT_SECRET and ADS_API_REFRESH_TOKEN ' +
  'on the connector';

/**
 * What a command answers for a failure of a call to Amazon: `UNAVAILABLE` when the user must consent again,
 * `UPSTREAM` with Amazon's status, code and request id for everything Amazon refused or failed to answer.
 * Anything that is not an Ads API error is returned as it is (the messaging module answers it INTERNAL).
 */
export function commandErrorOf(err: unknown): unknown {
  if (err instanceof CommandError) return err;
  if (err instanceof AdsNeedsReauthorizationError) return new CommandError('UNAVAILABLE', REAUTHORIZE_MESSAGE);
  if (err instanceof AdsApiError) return new CommandError('UPSTREAM', `Amazon Ads API: ${describeFailure(err, 1000)}`);
  return err;
}

/** Amazon's answer for one failed item (a subscription create): status, code, message, request id. */
export function upstreamDetail(err: unknown): { status?: number; code?: string; message: string; requestId?: string } {
  if (err instanceof AdsHttpError)
    return { status: err.status, code: err.code, message: describeFailure(err, 500), requestId: err.requestId };
  if (err instanceof AdsMalformedResponseError)
    return {
      status: err.status,
      code: 'MALFORMED_RESPONSE',
      message: describeFailure(err, 500),
      requestId: err.requestId,
    };
  if (err instanceof AdsRetriesExhaustedError) {
    const inner = upstreamDetail(err.last);
    return { ...inner, code: inner.code ?? 'RETRIES_EXHAUSTED', message: describeFailure(err, 500) };
  }
  if (err instanceof AdsApiError)
    return { code: err.kind.toUpperCase(), message: describeFailure(err, 500), requestId: err.requestId };
  return { message: describeFailure(err, 500) };
}

/**
 * A failure of the connection itself, not of one listing: Login with Amazon refused or could not be reached, the API
 * could not be reached, or it refused the token (401/403 after the renewal). The connection row turns `error` until
 * a later call succeeds. A malformed page or another 4xx is the sync's failure, recorded in `ads_sync_state`.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (err instanceof AdsTokenError) return true;
  if (err instanceof AdsHttpError) return err.status === 401 || err.status === 403;
  if (err instanceof AdsRetriesExhaustedError) return err.last.kind === 'network' || err.last.kind === 'token';
  return err instanceof AdsApiError && err.kind === 'network';
}
