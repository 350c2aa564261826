/**
 * When to try again. Pure: the clock and the random source are arguments, so the policy is tested exactly.
 *
 * - `Retry-After` (seconds, or an HTTP date) is honoured as given, capped at `maxDelayMs`.
 * - Without it: full jitter, a uniform wait in [0, min(maxDelayMs, baseDelayMs * 2^retry)) (AWS's
 *   "exponential backoff and jitter"), so many throttled callers spread out instead of retrying in step.
 */
export interface BackoffPolicy {
  /** attempts in all, the first included (default 6, Amazon's "about 6 tries") */
  maxAttempts: number;
  /** first back-off ceiling, doubled on every retry (default 1000 ms) */
  baseDelayMs: number;
  /** no single wait exceeds this (default 60 000 ms) */
  maxDelayMs: number;
  /** no request (all its attempts and waits) takes longer than this; a wait that would pass it is not made (default 120 000 ms) */
  totalTimeoutMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 60_000,
  totalTimeoutMs: 120_000,
};

/** `Retry-After` in ms from now, or undefined when absent or unreadable. A past date means 0. */
export function parseRetryAfter(header: string | null | undefined, nowMs: number): number | undefined {
  if (header == null) return undefined;
  const v = header.trim();
  if (v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * The wait before retry number `retry` (0 for the first retry). `retryAfterMs` from the answer wins over
 * the jittered back-off.
 */
export function backoffDelayMs(
  policy: BackoffPolicy,
  retry: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
  return Math.floor(random() * ceiling);
}
