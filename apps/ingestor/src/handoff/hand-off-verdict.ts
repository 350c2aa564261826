import type { StreamCapacity } from '@ams/platform';

export type HandOffVerdict = { ok: true } | { ok: false; reason: string };

/** Share of a limit at which a stream or account counts as full: the next batch would not fit. */
export const FULL_AT = 0.99;

/**
 * Whether JetStream would take records now, from the stream's and the account's fill: pure. An answer at all
 * already means the stream's leader is up (quorum); a stream that refuses new messages when full
 * (discard new) and is at its byte or message limit, or an account at its storage limit, would refuse them.
 * A stream that drops old messages (discard old, as AMS is created) is never full by its own limits.
 */
export function handOffVerdict(c: StreamCapacity): HandOffVerdict {
  if (c.discardNew && c.maxBytes > 0 && c.bytes >= c.maxBytes * FULL_AT) {
    return { ok: false, reason: `stream full: ${c.bytes} of ${c.maxBytes} bytes` };
  }
  if (c.discardNew && c.maxMessages > 0 && c.messages >= c.maxMessages * FULL_AT) {
    return { ok: false, reason: `stream full: ${c.messages} of ${c.maxMessages} messages` };
  }
  if (c.accountStorageLimit > 0 && c.accountStorageUsed >= c.accountStorageLimit * FULL_AT) {
    return {
      ok: false,
      reason: `JetStream account storage full: ${c.accountStorageUsed} of ${c.accountStorageLimit} bytes`,
    };
  }
  return { ok: true };
}
