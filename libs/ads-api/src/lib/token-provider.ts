import {
  AdsApiError,
  AdsNeedsReauthorizationError,
  AdsNetworkError,
  AdsRetriesExhaustedError,
  AdsTokenError,
} from './errors';
import { backoffDelayMs, parseRetryAfter } from './backoff';
import { parseJsonLossless } from './lossless-json';
import { AdsRuntime, AdsRuntimeOptions, resolveRuntime } from './runtime';

/**
 * The connection's authorization, as a caller sees it: `unauthorized` until the first token, `authorized`
 * while LwA issues tokens, `needs_reauthorization` once LwA answered `invalid_grant` (then no call is made
 * until `setRefreshToken` gives a new refresh token).
 */
export type AdsConnectionState = 'unauthorized' | 'authorized' | 'needs_reauthorization';

export interface AdsCredentials {
  /** LwA client id, `amzn1.application-oa2-client.…` (not a secret: it is sent on every call) */
  clientId: string;
  clientSecret: string;
  /** `Atzr|…` */
  refreshToken: string;
}

export interface LwaTokenProviderOptions extends AdsRuntimeOptions {
  tokenUrl: string;
  credentials: AdsCredentials;
  /** refresh this long before `expires_in` runs out (default 60 000 ms; Amazon's Postman uses 10 s) */
  refreshMarginMs?: number;
  /** client credentials in the form body (Amazon's documented way, default) or as HTTP Basic (also accepted by LwA) */
  clientAuth?: 'body' | 'basic';
  /** per-attempt timeout of a token request (default 15 000 ms) */
  requestTimeoutMs?: number;
}

export interface AdsConnectionStatus {
  state: AdsConnectionState;
  /** when the last access token was issued */
  lastRefreshAt: Date | undefined;
  /** the last failure's message (never a secret) */
  lastError: string | undefined;
  refreshCount: number;
}

type StateListener = (state: AdsConnectionState, error?: AdsApiError) => void;

/**
 * Access tokens from Login with Amazon's refresh-token grant.
 *
 * Invariants: a cached token is handed out until `refreshMarginMs` before it expires; at most one refresh
 * is in flight at any time and every concurrent caller awaits that one (single flight); after
 * `invalid_grant` no further request goes to LwA or the API. Tokens and secrets never reach the logger.
 */
export class LwaTokenProvider {
  private credentials: AdsCredentials;
  private accessToken: string | undefined;
  private expiresAtMs = 0;
  private inflight: Promise<string> | undefined;
  private status: AdsConnectionStatus = {
    state: 'unauthorized',
    lastRefreshAt: undefined,
    lastError: undefined,
    refreshCount: 0,
  };
  private readonly listeners = new Set<StateListener>();
  private readonly rotationListeners = new Set<(refreshToken: string) => void>();
  private readonly rt: AdsRuntime;

  constructor(private readonly o: LwaTokenProviderOptions) {
    this.credentials = { ...o.credentials };
    this.rt = resolveRuntime(o);
  }

  get state(): AdsConnectionState {
    return this.status.state;
  }

  connectionStatus(): AdsConnectionStatus {
    return { ...this.status };
  }

  /** Called on every state change; returns the unsubscribe function. */
  onStateChange(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called when LwA returns a refresh token different from the one in use (persist it). */
  onRefreshTokenRotated(listener: (refreshToken: string) => void): () => void {
    this.rotationListeners.add(listener);
    return () => this.rotationListeners.delete(listener);
  }

  /** A new refresh token after the user consented again: leaves `needs_reauthorization`. */
  setRefreshToken(refreshToken: string): void {
    this.credentials = { ...this.credentials, refreshToken };
    this.accessToken = undefined;
    this.expiresAtMs = 0;
    if (this.status.state === 'needs_reauthorization') this.setState('unauthorized');
  }

  /** A valid access token: the cached one, the refresh in flight, or a new refresh. */
  getAccessToken(operation = 'getAccessToken'): Promise<string> {
    if (this.status.state === 'needs_reauthorization')
      return Promise.reject(new AdsNeedsReauthorizationError(operation, this.status.lastError));
    if (this.accessToken && this.rt.now() < this.expiresAtMs - (this.o.refreshMarginMs ?? 60_000))
      return Promise.resolve(this.accessToken);
    return this.refreshOnce(operation);
  }

  /**
   * The API refused `rejected` (401): drop it and get another. When a concurrent caller already replaced
   * it, that newer token is returned without a second refresh.
   */
  renewAfterRejection(rejected: string, operation: string): Promise<string> {
    if (this.accessToken === rejected) {
      this.accessToken = undefined;
      this.expiresAtMs = 0;
    }
    return this.getAccessToken(operation);
  }

  private refreshOnce(operation: string): Promise<string> {
    if (!this.inflight) {
      this.inflight = this.refresh(operation).finally(() => {
        this.inflight = undefined;
      });
    }
    return this.inflight;
  }

  private async refresh(operation: string): Promise<string> {
    const started = this.rt.now();
    let attempt = 0;
    for (;;) {
      attempt++;
      let failure: AdsApiError;
      let retryAfterMs: number | undefined;
      try {
        return await this.requestToken(operation);
      } catch (err) {
        if (!(err instanceof AdsApiError)) throw err;
        failure = err;
        if (err instanceof AdsTokenError) retryAfterMs = err.retryAfterMs;
      }
      if (!failure.retryable) {
        this.recordFailure(failure);
        throw failure;
      }
      const delay = backoffDelayMs(this.rt.policy, attempt - 1, retryAfterMs, this.rt.random);
      const elapsed = this.rt.now() - started;
      if (attempt >= this.rt.policy.maxAttempts || elapsed + delay > this.rt.policy.totalTimeoutMs) {
        const exhausted = new AdsRetriesExhaustedError(operation, attempt, elapsed, failure);
        this.recordFailure(exhausted);
        throw exhausted;
      }
      this.rt.log.warn('ads_api.token_refresh_retry', { operation, attempt, delayMs: delay, error: failure.message });
      await this.rt.sleep(delay);
    }
  }

  private async requestToken(operation: string): Promise<string> {
    const { clientId, clientSecret, refreshToken } = this.credentials;
    const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded;charset=UTF-8',
      accept: 'application/json',
    };
    if (this.o.clientAuth === 'basic')
      headers['authorization'] = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    else {
      form.set('client_id', clientId);
      form.set('client_secret', clientSecret);
    }
    let res: Response;
    const t0 = this.rt.now();
    try {
      res = await this.rt.fetchFn(this.o.tokenUrl, {
        method: 'POST',
        headers,
        body: form.toString(),
        signal: AbortSignal.timeout(this.o.requestTimeoutMs ?? 15_000),
      });
    } catch (err) {
      const e = err as Error;
      throw new AdsNetworkError(operation, e.name === 'TimeoutError' || e.name === 'AbortError', e.message);
    }
    const text = await readText(res, operation);
    const requestId = res.headers.get('x-amzn-requestid') ?? undefined;
    this.rt.log.info('ads_api.token_refresh', {
      operation,
      status: res.status,
      requestId,
      durationMs: this.rt.now() - t0,
    });
    let body: Record<string, unknown> | undefined;
    try {
      const parsed = parseJsonLossless(text);
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        body = parsed as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const errorCode = typeof body?.['error'] === 'string' ? (body['error'] as string) : undefined;
    const description =
      typeof body?.['error_description'] === 'string' ? (body['error_description'] as string).slice(0, 200) : undefined;
    if (errorCode === 'invalid_grant') {
      const e = new AdsNeedsReauthorizationError(operation, description);
      this.status.lastError = e.message;
      this.accessToken = undefined;
      this.setState('needs_reauthorization', e);
      this.rt.log.error('ads_api.needs_reauthorization', { operation, status: res.status, requestId });
      throw e;
    }
    if (!res.ok) {
      const retryable = res.status === 429 || res.status >= 500;
      throw new AdsTokenError(
        operation,
        res.status,
        errorCode,
        description,
        retryable,
        parseRetryAfter(res.headers.get('retry-after'), this.rt.now()),
      );
    }
    const token = body?.['access_token'];
    const expiresIn = body?.['expires_in'];
    if (typeof token !== 'string' || token.length === 0 || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
      throw new AdsTokenError(
        operation,
        res.status,
        'malformed_response',
        'the token answer lacks access_token or expires_in',
        false,
      );
    }
    const rotated = body?.['refresh_token'];
    if (typeof rotated === 'string' && rotated.length > 0 && rotated !== refreshToken) {
      this.credentials = { ...this.credentials, refreshToken: rotated };
      this.rt.log.warn('ads_api.refresh_token_rotated', { operation });
      for (const l of this.rotationListeners) l(rotated);
    }
    this.accessToken = token;
    this.expiresAtMs = t0 + expiresIn * 1000;
    this.status.lastRefreshAt = new Date(this.rt.now());
    this.status.refreshCount++;
    this.status.lastError = undefined;
    if (this.status.state !== 'authorized') this.setState('authorized');
    return token;
  }

  private recordFailure(e: AdsApiError): void {
    this.status.lastError = e.message;
    this.rt.log.error('ads_api.token_refresh_failed', { operation: e.operation, error: e.message });
  }

  private setState(state: AdsConnectionState, error?: AdsApiError): void {
    this.status.state = state;
    for (const l of this.listeners) {
      try {
        l(state, error);
      } catch {
        // a listener's failure is its own; the client goes on
      }
    }
  }
}

async function readText(res: Response, operation: string): Promise<string> {
  try {
    return await res.text();
  } catch (err) {
    throw new AdsNetworkError(operation, (err as Error).name === 'TimeoutError', (err as Error).message);
  }
}
