/** Bytes kept free below the server's max_payload for headers the client or a tracer may add to a publish. */
export const HEADER_HEADROOM_BYTES = 1024;

/**
 * Splits `items` into consecutive chunks such that `JSON.stringify(envelope(chunk))` is at most `maxBytes` bytes
 * (UTF-8) and no chunk holds more than `maxItems` items (the contract's ArrayMaxSize). Order is kept; every item is
 * in exactly one chunk; no chunk is empty unless `items` is. Throws when one item alone cannot fit.
 *
 * The size is exact for envelopes whose array of items is the only part that grows: each item's JSON plus a comma.
 */
export function chunkBySize<T>(
  items: T[],
  envelope: (chunk: T[]) => unknown,
  maxBytes: number,
  maxItems = Infinity,
): T[][] {
  if (items.length === 0) return [];
  const base = Buffer.byteLength(JSON.stringify(envelope([])));
  const chunks: T[][] = [];
  let chunk: T[] = [];
  let size = base;
  for (const item of items) {
    const bytes = Buffer.byteLength(JSON.stringify(item));
    if (base + bytes > maxBytes)
      throw new Error(`one item of ${bytes} bytes does not fit an event of at most ${maxBytes} bytes`);
    if (chunk.length && (size + 1 + bytes > maxBytes || chunk.length >= maxItems)) {
      chunks.push(chunk);
      chunk = [];
      size = base;
    }
    size += chunk.length ? 1 + bytes : bytes;
    chunk.push(item);
  }
  chunks.push(chunk);
  return chunks;
}

/** The byte budget of one event's body under a server's max_payload. */
export function eventBudget(maxPayload: number): number {
  return Math.max(maxPayload - HEADER_HEADROOM_BYTES, Math.floor(maxPayload / 2));
}
