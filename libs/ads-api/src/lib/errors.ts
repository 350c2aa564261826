/**
 * What can go wrong talking to Amazon, as types a caller can branch on (`instanceof` or `kind`). Messages
 * name the operation, the status and Amazon's request id, and never carry a token or a secret.
 */
export type AdsApiErrorKind =
  | 'http'
  | 'malformed_response'
  | 'needs_reauthorization'
  | 'network'
  | 'retries_exhausted'
  | 'token'
  | 'write_in_doubt';

export abstract class AdsApiError extends Error {
  abstract readonly kind: AdsApiErrorKind;
  /** whether trying the same request again later may succeed */
  abstract readonly retryable: boolean;
  constructor(
    message: string,
    /** the client operation, e.g. `listProfiles` */
    readonly operation: string,
    /** Amazon's `x-amzn-RequestId` of the (last) response, when there was one */
    readonly requestId?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Amazon answered with a status that is an answer, not a transient failure (4xx other than 429; 5xx/429 when retries are off). */
export class AdsHttpError extends AdsApiError {
  readonly kind = 'http' as const;
  readonly retryable: boolean;
  constructor(
    operation: string,
    readonly status: number,
    /** Amazon's error code (`code` of `{code, details|message}`), when the body had one */
    readonly code: string | undefined,
    /** Amazon's `details`/`message`, truncated */
    readonly detail: string | undefined,
    requestId?: string,
  ) {
    super(
      `${operation}: HTTP ${status}${code ? ` ${code}` : ''}${detail ? `: ${detail}` : ''}${requestId ? ` (request id ${requestId})` : ''}`,
      operation,
      requestId,
    );
    this.retryable = status === 429 || status >= 500;
  }
}

/**
 * The answer could not be read as the documented shape: not JSON (an HTML error page), truncated JSON, a
 * missing or mistyped required field, or (with `unknownFields: 'reject'`) a field the client does not know.
 * No partly-parsed object ever reaches the caller.
 */
export class AdsMalformedResponseError extends AdsApiError {
  readonly kind = 'malformed_response' as const;
  readonly retryable = false;
  constructor(
    operation: string,
    /** what was wrong, with the JSON path, e.g. `$[0].profileId: expected an integer id` */
    readonly problem: string,
    readonly status: number,
    requestId?: string,
  ) {
    super(
      `${operation}: malformed response (HTTP ${status}): ${problem}${requestId ? ` (request id ${requestId})` : ''}`,
      operation,
      requestId,
    );
  }
}

/**
 * Login with Amazon refused the refresh token (`invalid_grant`: revoked, or never granted). A person must
 * consent again and give a new refresh token; until then the client makes no call at all.
 */
export class AdsNeedsReauthorizationError extends AdsApiError {
  readonly kind = 'needs_reauthorization' as const;
  readonly retryable = false;
  constructor(
    operation: string,
    /** LwA's `error_description` (it names the parameter, never its value) */
    readonly detail: string | undefined,
  ) {
    super(
      `${operation}: the Amazon Ads connection needs re-authorization (invalid_grant${detail ? `: ${detail}` : ''})`,
      operation,
    );
  }
}

/** LwA refused for another reason (invalid_client, a 5xx after retries, a malformed token answer). */
export class AdsTokenError extends AdsApiError {
  readonly kind = 'token' as const;
  constructor(
    operation: string,
    readonly status: number | undefined,
    readonly code: string | undefined,
    readonly detail: string | undefined,
    readonly retryable: boolean,
    /** LwA's `Retry-After`, in ms, when it sent one */
    readonly retryAfterMs?: number,
  ) {
    super(
      `${operation}: Login with Amazon token refresh failed${status ? ` (HTTP ${status})` : ''}${code ? `: ${code}` : ''}${detail ? ` ${detail}` : ''}`,
      operation,
    );
  }
}

/** No HTTP answer: connection refused or reset, DNS, or the per-attempt timeout. */
export class AdsNetworkError extends AdsApiError {
  readonly kind = 'network' as const;
  readonly retryable = true;
  constructor(
    operation: string,
    readonly timedOut: boolean,
    readonly causeMessage: string,
    /** the system error code (`ECONNREFUSED`, `ECONNRESET`…), when there was one */
    readonly code?: string,
  ) {
    super(`${operation}: ${timedOut ? 'timed out' : `network error: ${causeMessage}`}`, operation);
  }

  /** the request never reached Amazon (nothing listening, no DNS answer): safe to send again, even a write */
  get notSent(): boolean {
    return this.code === 'ECONNREFUSED' || this.code === 'ENOTFOUND' || this.code === 'EAI_AGAIN';
  }
}

/**
 * A write (PUT) was sent and its outcome is unknown: a timeout, a 5xx, a connection lost after sending, or a
 * 2xx whose body could not be read. Amazon may have applied all, some or none of the chunk's items, so the
 * client does not send it again. Read the entities back before deciding (`AdsEntityWriter.read`).
 *
 * `itemIds` are the ids of the chunk in doubt. `settled` holds the results of the chunks before it (the
 * client methods' `WriteItemResult`s; `AdsEntityWriter.apply`'s `EntityChangeResult`s) and `notSent` the ids of
 * the chunks after it, which were not sent.
 */
export class AdsWriteInDoubtError<S = unknown> extends AdsApiError {
  readonly kind = 'write_in_doubt' as const;
  readonly retryable = false;
  settled: readonly S[] = [];
  notSent: readonly string[] = [];
  constructor(
    operation: string,
    readonly profileId: string | undefined,
    readonly itemIds: readonly string[],
    /** what happened: the timeout or network error, the 5xx, the malformed answer */
    readonly failure: AdsApiError,
  ) {
    super(
      `${operation}: outcome unknown for ${itemIds.length} item(s) of profile ${profileId ?? '-'} (not retried): ${failure.message}`,
      operation,
      failure.requestId,
    );
  }
}

/** Every attempt failed with something retryable, until the attempt count or the time budget ran out. */
export class AdsRetriesExhaustedError extends AdsApiError {
  readonly kind = 'retries_exhausted' as const;
  readonly retryable = true;
  constructor(
    operation: string,
    readonly attempts: number,
    readonly elapsedMs: number,
    /** the failure of the last attempt */
    readonly last: AdsApiError,
  ) {
    super(
      `${operation}: gave up after ${attempts} attempts in ${elapsedMs} ms; last: ${last.message}`,
      operation,
      last.requestId,
    );
  }
}
