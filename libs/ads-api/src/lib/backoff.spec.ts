import { DEFAULT_BACKOFF, backoffDelayMs, parseRetryAfter } from './backoff';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('reads seconds and HTTP dates; absent or unreadable is undefined; a past date is 0', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter('0.5', now)).toBe(500);
    expect(parseRetryAfter('Tue, 01 Dec 2026 12:00:07 GMT', now)).toBe(7000);
    expect(parseRetryAfter('Tue, 01 Dec 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('backoffDelayMs', () => {
  const policy = { ...DEFAULT_BACKOFF, baseDelayMs: 1000, maxDelayMs: 8000 };
  it('honours Retry-After, capped at the maximum delay', () => {
    expect(backoffDelayMs(policy, 0, 2500, () => 0.99)).toBe(2500);
    expect(backoffDelayMs(policy, 0, 120_000, () => 0.99)).toBe(8000);
  });
  it('without Retry-After: full jitter under a doubling ceiling, capped', () => {
    expect(backoffDelayMs(policy, 0, undefined, () => 0.5)).toBe(500);
    expect(backoffDelayMs(policy, 2, undefined, () => 0.5)).toBe(2000);
    expect(backoffDelayMs(policy, 10, undefined, () => 0.999)).toBe(7992);
    expect(backoffDelayMs(policy, 3, undefined, () => 0)).toBe(0);
  });
});
