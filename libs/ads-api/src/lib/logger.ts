/**
 * Where the client reports what it does. Inject an adapter over the app's logger (pino, Nest); the lib has
 * none of its own. Invariant: the client never puts an access token, refresh token or client secret in a
 * message or a field (`redactSecrets` is the last line of defence for texts that came from outside).
 */
export type AdsLogFields = Record<string, string | number | boolean | undefined | null>;

export interface AdsLogger {
  debug(message: string, fields?: AdsLogFields): void;
  info(message: string, fields?: AdsLogFields): void;
  warn(message: string, fields?: AdsLogFields): void;
  error(message: string, fields?: AdsLogFields): void;
}

export const silentAdsLogger: AdsLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/** Replaces every occurrence of the given secrets, and anything shaped like an LwA token, with `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/Atz[ar]\|[A-Za-z0-9_\-|.+/=]+/g, '[redacted]');
}
