import { createHash } from 'node:crypto';

/**
 * A `clientRequestToken` (22–36 characters) derived from what is asked: the same profile, dataset and
 * destination always give the same token, so a retry after a timeout, or the same request made again,
 * cannot create a second subscription. UUID-shaped (36 characters) from SHA-256 of the parts.
 */
export function deriveClientRequestToken(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

export function isValidClientRequestToken(token: string): boolean {
  return token.length >= 22 && token.length <= 36;
}
