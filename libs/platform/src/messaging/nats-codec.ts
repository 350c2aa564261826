import { ErrorCode, headers as natsHeaders, type MsgHdrs, type NatsError } from 'nats';
import { MessagingTimeoutError } from './messaging.errors';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** JetStream bodies: bytes as given, a string as UTF-8, anything else as JSON. */
export function encode(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return encoder.encode(data);
  return encoder.encode(JSON.stringify(data ?? null));
}

/** Request/reply bodies are always JSON (a string payload becomes a JSON string). */
export function encodeJson(data: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(data ?? null));
}

/** A received body as JSON, or undefined when it is not JSON (validation then names it: not a JSON object). */
export function parseJson(data: Uint8Array): unknown {
  try {
    return data.length > 0 ? (JSON.parse(decoder.decode(data)) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

export function decodeText(data: Uint8Array): string {
  return decoder.decode(data);
}

export function toHeaders(record: Record<string, string> | undefined): MsgHdrs | undefined {
  if (!record) return undefined;
  const keys = Object.keys(record);
  if (keys.length === 0) return undefined;
  const h = natsHeaders();
  for (const k of keys) {
    h.set(k, record[k]);
  }
  return h;
}

/** The JetStream API's error code of a failed admin call (e.g. 10059 stream not found). */
export function apiErrorCode(err: unknown): number | undefined {
  return (err as NatsError | undefined)?.api_error?.err_code;
}

/** JetStream API errors a cluster gives while it elects a leader or a member is away: worth asking again. */
const TRANSIENT_API_ERRORS = new Set([
  10008, // JetStream system temporarily unavailable (no meta leader yet)
  10005, // no suitable peers for placement (a member is restarting, or has not joined the meta group yet)
]);

/**
 * Whether a JetStream API call may succeed if asked again: no answer in time, no responder (no leader for the stream
 * or the meta group yet), or a cluster that is electing. What a three-server cluster answers during a leader election.
 */
export function isTransientJetStreamError(err: unknown): boolean {
  const code = (err as NatsError | undefined)?.code;
  if (code === ErrorCode.Timeout || code === ErrorCode.NoResponders) return true;
  const api = apiErrorCode(err);
  return api !== undefined && TRANSIENT_API_ERRORS.has(api);
}

/**
 * Runs a JetStream API step again while it fails transiently (isTransientJetStreamError), waiting 250 ms doubling to
 * 2 s, for up to `deadlineMs`; then, or on any other error, throws its last error.
 */
export async function retryTransient<T>(
  what: string,
  fn: () => Promise<T>,
  onRetry: (message: string) => void,
  deadlineMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransientJetStreamError(err) || Date.now() >= deadline) throw err;
      const delay = Math.min(2_000, 250 * 2 ** attempt);
      onRetry(`${what} failed (${err instanceof Error ? err.message : String(err)}); again in ${delay} ms`);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** A timeout or "no responders" becomes MessagingTimeoutError naming what timed out; other errors pass through. */
export function mapNatsError(err: unknown, what: string, timeoutMs: number): Error {
  const code = (err as NatsError | undefined)?.code;
  if (code === ErrorCode.Timeout) {
    return new MessagingTimeoutError(`${what}: no answer within ${timeoutMs} ms`, { cause: err });
  }
  if (code === ErrorCode.NoResponders) {
    return new MessagingTimeoutError(`${what}: no responders`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
