import {
  AdsApiError,
  AdsHttpError,
  AdsMalformedResponseError,
  AdsNeedsReauthorizationError,
  AdsNetworkError,
  AdsRetriesExhaustedError,
  AdsWriteInDoubtError,
} from './errors';
import { redactSecrets } from './logger';
import { backoffDelayMs, parseRetryAfter } from './backoff';
import { parseJsonLossless, stringifyJsonLossless } from './lossless-json';
import { AdsRuntime, AdsRuntimeOptions, resolveRuntime } from './runtime';
import { Check, CheckContext, ValidationProblem, checkRoot } from './validate';
import { LwaTokenProvider } from './token-provider';

export interface AdsRequest<T> {
  /** the client operation, for logs and errors */
  operation: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** `Amazon-Advertising-API-Scope`: the profile id, on every call but `GET /v2/profiles` */
  profileId?: string;
  /** Content-Type (with a body) and Accept; default `application/json` */
  mediaType?: string;
  /** Accept, when it differs from the Content-Type (SB v3 updates) */
  accept?: string;
  /** further headers (`Prefer`) */
  headers?: Record<string, string>;
  /**
   * A write that must not be sent twice blindly: retried only after a 429 (or a network error before
   * sending); a timeout, a 5xx, a lost connection or an unreadable 2xx throws `AdsWriteInDoubtError`.
   */
  write?: { itemIds: readonly string[] };
  /** on 415/406, retry once with this media type (Amazon's spec and docs disagree for some endpoints) */
  fallbackMediaType?: string;
  /** how to read a 2xx body; `undefined` when the body is empty */
  check: Check<T>;
  /** whether an empty 2xx body is the answer (e.g. `PUT /streams/subscriptions/{id}`) */
  allowEmpty?: boolean;
}

export interface AdsResponse<T> {
  value: T;
  status: number;
  requestId: string | undefined;
}

export interface AdsHttpClientOptions extends AdsRuntimeOptions {
  apiBaseUrl: string;
  clientId: string;
  tokens: LwaTokenProvider;
  /** texts that must never be logged (the client secret, the refresh token) */
  secrets: () => readonly string[];
  /** per-attempt timeout (default 30 000 ms: Amazon's p99 for synchronous calls) */
  requestTimeoutMs?: number;
  unknownFields?: CheckContext['unknownFields'];
}

/**
 * One Amazon Ads API request, done right: the three headers, the media type, lossless JSON, the answer
 * checked against its shape, and the retry policy:
 *
 * - 429, 5xx, network errors and timeouts are retried with back-off (`Retry-After` honoured, else full
 *   jitter), within `maxAttempts` and `totalTimeoutMs`; a write (`req.write`) only after a 429 or a network
 *   error before sending, and any other such failure is `AdsWriteInDoubtError` (never sent twice);
 * - a 401 renews the access token once and retries once; a second 401 is the answer;
 * - a 415/406 retries once with the fallback media type, when the endpoint has one;
 * - any other 4xx is the answer at once (`AdsHttpError`); `invalid_grant` stops every call.
 *
 * Every response is logged with Amazon's request id (`x-amzn-RequestId`); tokens and secrets never are.
 */
export class AdsHttpClient {
  private readonly rt: AdsRuntime;

  constructor(private readonly o: AdsHttpClientOptions) {
    this.rt = resolveRuntime(o);
  }

  async request<T>(req: AdsRequest<T>): Promise<AdsResponse<T>> {
    const started = this.rt.now();
    let mediaType = req.mediaType ?? 'application/json';
    let renewedAfter401 = false;
    let switchedMediaType = false;
    let retries = 0;
    let attempt = 0;
    for (;;) {
      attempt++;
      if (this.o.tokens.state === 'needs_reauthorization')
        throw new AdsNeedsReauthorizationError(req.operation, undefined);
      const token = await this.o.tokens.getAccessToken(req.operation);
      const remaining = this.rt.policy.totalTimeoutMs - (this.rt.now() - started);
      const outcome = await this.attempt(
        req,
        token,
        mediaType,
        attempt,
        Math.max(1, Math.min(this.o.requestTimeoutMs ?? 30_000, remaining)),
      );
      if (outcome.kind === 'done') return outcome.response;
      const failure = outcome.error;
      if (req.write && outcome.kind === 'failed' && this.inDoubt(failure))
        throw this.writeInDoubt(req, failure, attempt);
      if (outcome.kind === 'unauthorized' && !renewedAfter401) {
        renewedAfter401 = true;
        this.rt.log.warn('ads_api.unauthorized_renewing_token', {
          operation: req.operation,
          requestId: failure.requestId,
        });
        await this.o.tokens.renewAfterRejection(token, req.operation);
        continue;
      }
      if (outcome.kind === 'media_type' && req.fallbackMediaType && !switchedMediaType) {
        switchedMediaType = true;
        this.rt.log.warn('ads_api.media_type_fallback', {
          operation: req.operation,
          refused: mediaType,
          next: req.fallbackMediaType,
        });
        mediaType = req.fallbackMediaType;
        continue;
      }
      if (!failure.retryable || outcome.kind === 'unauthorized' || outcome.kind === 'media_type') throw failure;
      const delay = backoffDelayMs(this.rt.policy, retries, outcome.retryAfterMs, this.rt.random);
      const elapsed = this.rt.now() - started;
      if (attempt >= this.rt.policy.maxAttempts || elapsed + delay >= this.rt.policy.totalTimeoutMs) {
        this.rt.log.error('ads_api.retries_exhausted', {
          operation: req.operation,
          attempts: attempt,
          elapsedMs: elapsed,
          requestId: failure.requestId,
        });
        throw new AdsRetriesExhaustedError(req.operation, attempt, elapsed, failure);
      }
      retries++;
      this.rt.log.warn('ads_api.retrying', {
        operation: req.operation,
        attempt,
        delayMs: delay,
        retryAfterMs: outcome.retryAfterMs,
        requestId: failure.requestId,
        error: this.redact(failure.message),
      });
      await this.rt.sleep(delay);
    }
  }

  private async attempt<T>(
    req: AdsRequest<T>,
    token: string,
    mediaType: string,
    attempt: number,
    timeoutMs: number,
  ): Promise<
    | { kind: 'done'; response: AdsResponse<T> }
    | { kind: 'unauthorized' | 'media_type' | 'failed'; error: AdsApiError; retryAfterMs?: number }
  > {
    const url = this.url(req);
    const headers: Record<string, string> = {
      'Amazon-Advertising-API-ClientId': this.o.clientId,
      Authorization: `Bearer ${token}`,
      ...req.headers,
      Accept: req.accept ?? mediaType,
    };
    if (req.profileId !== undefined) headers['Amazon-Advertising-API-Scope'] = req.profileId;
    let body: string | undefined;
    if (req.body !== undefined) {
      headers['Content-Type'] = mediaType;
      body = stringifyJsonLossless(req.body);
    }
    const t0 = this.rt.now();
    let res: Response;
    let text: string;
    try {
      const signal = AbortSignal.timeout(timeoutMs);
      res = await this.rt.fetchFn(url, { method: req.method, headers, body, signal });
      text = await res.text();
    } catch (err) {
      const e = err as Error;
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      const cause = (e as { cause?: Error & { code?: string } }).cause;
      const error = new AdsNetworkError(
        req.operation,
        timedOut,
        this.redact(String(cause?.message ?? e.message)),
        typeof cause?.code === 'string' ? cause.code : undefined,
      );
      this.rt.log.warn('ads_api.request_failed', {
        operation: req.operation,
        method: req.method,
        path: req.path,
        attempt,
        timedOut,
        durationMs: this.rt.now() - t0,
      });
      return { kind: 'failed', error };
    }
    const requestId = res.headers.get('x-amzn-requestid') ?? res.headers.get('x-amz-request-id') ?? undefined;
    this.rt.log.info('ads_api.response', {
      operation: req.operation,
      method: req.method,
      path: req.path,
      profileId: req.profileId,
      status: res.status,
      requestId,
      attempt,
      durationMs: this.rt.now() - t0,
    });
    if (res.ok) {
      try {
        return {
          kind: 'done',
          response: { value: this.read(req, res.status, text, requestId), status: res.status, requestId },
        };
      } catch (err) {
        if (err instanceof AdsMalformedResponseError) {
          this.rt.log.error('ads_api.malformed_response', {
            operation: req.operation,
            status: res.status,
            requestId,
            problem: this.redact(err.problem),
          });
          if (req.write) throw this.writeInDoubt(req, err, attempt);
        }
        throw err;
      }
    }
    const { code, detail } = errorBody(text);
    const error = new AdsHttpError(
      req.operation,
      res.status,
      code,
      detail === undefined ? undefined : this.redact(detail),
      requestId,
    );
    const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), this.rt.now());
    if (res.status === 401) return { kind: 'unauthorized', error };
    if (res.status === 415 || res.status === 406) return { kind: 'media_type', error };
    return { kind: 'failed', error, retryAfterMs };
  }

  private read<T>(req: AdsRequest<T>, status: number, text: string, requestId: string | undefined): T {
    const malformed = (problem: string) => new AdsMalformedResponseError(req.operation, problem, status, requestId);
    let parsed: unknown;
    if (text.trim() === '') {
      if (!req.allowEmpty) throw malformed('empty body');
      parsed = undefined;
    } else {
      try {
        parsed = parseJsonLossless(text);
      } catch (err) {
        const looksHtml = /^\s*</.test(text);
        throw malformed(
          looksHtml ? 'an HTML page, not JSON' : `not valid JSON (${(err as Error).message.slice(0, 120)})`,
        );
      }
    }
    try {
      const { value, unknown } = checkRoot(req.check, parsed, this.o.unknownFields ?? 'strip');
      if (unknown.length > 0)
        this.rt.log.warn('ads_api.unknown_fields_ignored', {
          operation: req.operation,
          requestId,
          fields: unknown.join(', '),
        });
      return value;
    } catch (err) {
      if (err instanceof ValidationProblem) throw malformed(err.message);
      throw err;
    }
  }

  /** A failed write whose outcome is unknown: anything but a 429 or a network error before sending. */
  private inDoubt(failure: AdsApiError): boolean {
    if (failure instanceof AdsNetworkError) return !failure.notSent;
    if (failure instanceof AdsHttpError) return failure.status >= 500;
    return false;
  }

  private writeInDoubt(req: AdsRequest<unknown>, failure: AdsApiError, attempt: number): AdsWriteInDoubtError {
    this.rt.log.error('ads_api.write_in_doubt', {
      operation: req.operation,
      profileId: req.profileId,
      items: req.write?.itemIds.length,
      attempt,
      requestId: failure.requestId,
      error: this.redact(failure.message),
    });
    return new AdsWriteInDoubtError(req.operation, req.profileId, req.write?.itemIds ?? [], failure);
  }

  private url(req: AdsRequest<unknown>): string {
    const u = new URL(this.o.apiBaseUrl + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    return u.toString();
  }

  private redact(text: string): string {
    return redactSecrets(text, this.o.secrets());
  }
}

/** Amazon's error bodies: `{code, details}` (generic), `{code, message}` (versioned APIs, streams), or not JSON at all. */
function errorBody(text: string): { code?: string; detail?: string } {
  try {
    const b = JSON.parse(text) as Record<string, unknown>;
    if (typeof b !== 'object' || b === null) return {};
    const code = typeof b['code'] === 'string' ? b['code'] : undefined;
    const d = b['details'] ?? b['message'] ?? b['description'];
    return { code, detail: typeof d === 'string' ? d.slice(0, 300) : undefined };
  } catch {
    return { detail: text.trim() === '' ? undefined : `non-JSON body: ${text.trim().slice(0, 80)}` };
  }
}
