import {
  type FetchFunction,
  IncomingWebhook,
  IncomingWebhookHTTPError,
  IncomingWebhookRequestError,
} from '@slack/webhook';
import { redactUrls } from './destinations.logic';
import type { SlackMessage } from './notification.logic';

export type SendResult =
  | { outcome: 'delivered'; status: number }
  /** 429: wait `retryAfterMs` (Slack's Retry-After) before the next message to this webhook */
  | { outcome: 'rate-limited'; status: 429; retryAfterMs: number | null }
  /** 5xx, 408, network error, timeout: try again later */
  | { outcome: 'retryable'; status: number | null; error: string }
  /** other 4xx (404 no_service, 403 invalid_token, 410 channel_is_archived, 400 invalid_payload): do not retry */
  | { outcome: 'permanent'; status: number; error: string };

/**
 * One POST to an incoming webhook with `@slack/webhook`, its own retries off: rate limits and retries
 * are the sender's (the client never retries 429 and ignores Retry-After). Its errors carry the
 * status but not the headers, so a small fetch wrapper keeps the response's Retry-After.
 */
export async function postToSlack(url: string, message: SlackMessage, timeoutMs: number): Promise<SendResult> {
  let retryAfter: string | null = null;
  const fetchFn: FetchFunction = async (input, init) => {
    const res = await fetch(input, init as RequestInit);
    retryAfter = res.headers.get('retry-after');
    return res;
  };
  const hook = new IncomingWebhook(url, { fetch: fetchFn, timeout: timeoutMs, retryConfig: { retries: 0 } });
  try {
    await hook.send({ text: message.text, blocks: message.blocks });
    return { outcome: 'delivered', status: 200 };
  } catch (err) {
    if (err instanceof IncomingWebhookHTTPError) {
      const status = err.statusCode;
      const body = typeof err.body === 'string' ? err.body.slice(0, 200) : '';
      if (status === 429)
        return { outcome: 'rate-limited', status: 429, retryAfterMs: parseRetryAfter(retryAfter, Date.now()) };
      const error = redactUrls(`HTTP ${status}${body ? ` ${body}` : ''}`);
      if (status >= 500 || status === 408) return { outcome: 'retryable', status, error };
      return { outcome: 'permanent', status, error };
    }
    const original = err instanceof IncomingWebhookRequestError ? err.original : err;
    const cause = (original as { cause?: { code?: string; message?: string } } | undefined)?.cause;
    const text = `${original instanceof Error ? original.message : String(original)}${cause?.code ? ` (${cause.code})` : ''}`;
    return { outcome: 'retryable', status: null, error: redactUrls(`request failed: ${text}`) };
  }
}

/** Retry-After as delay-seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) return null;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, at - nowMs) : null;
}
