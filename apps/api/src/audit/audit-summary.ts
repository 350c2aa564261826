import { createHash } from 'node:crypto';

const SECRET_NAME = /key|secret|token|password|passwd|authorization|credential|webhook|cookie/i;
const MAX_STRING = 200;
const MAX_ITEMS = 50;
const MAX_DEPTH = 4;

/**
 * What the audit log keeps of a request body: its shape and values, never a secret. Fields whose name suggests a
 * secret are replaced by `[redacted]`; a replayed `rawBody` by its size and SHA-256 prefix (enough to match it to a
 * stored record, not to read it); long strings, long lists and deep objects are cut.
 */
export function summarise(body: unknown, depth = 0): unknown {
  if (body === null || body === undefined) return body ?? null;
  if (typeof body === 'string')
    return body.length > MAX_STRING ? `${body.slice(0, MAX_STRING)}… (${body.length} chars)` : body;
  if (typeof body !== 'object') return body;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(body)) {
    const items = body.slice(0, MAX_ITEMS).map((v) => summarise(v, depth + 1));
    return body.length > MAX_ITEMS ? [...items, `… (${body.length} items)`] : items;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    if (k === 'rawBody' && typeof v === 'string')
      out[k] = {
        bytes: Buffer.byteLength(v, 'utf8'),
        sha256: createHash('sha256').update(v).digest('hex').slice(0, 16),
      };
    else if (SECRET_NAME.test(k)) out[k] = '[redacted]';
    else out[k] = summarise(v, depth + 1);
  }
  return out;
}
