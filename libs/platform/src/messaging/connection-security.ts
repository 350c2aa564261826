import { readFileSync } from 'node:fs';
import { type ConnectionOptions, credsAuthenticator } from 'nats';
import type { MessagingOptions } from './messaging.types';

/** Credentials, TLS and inbox prefix of the connection (values are passed to nats.js, never logged). */
export function connectionSecurity(opts: MessagingOptions): Partial<ConnectionOptions> {
  const out: Partial<ConnectionOptions> = {};
  const auth = opts.auth;
  if (auth?.kind === 'user') {
    out.user = auth.user;
    out.pass = auth.password;
  } else if (auth?.kind === 'token') {
    out.token = auth.token;
  } else if (auth?.kind === 'creds') {
    const file = auth.file;
    out.authenticator = credsAuthenticator(() => new Uint8Array(readFileSync(file)));
  }
  const tls = Object.fromEntries(Object.entries(opts.tls ?? {}).filter(([, v]) => !!v));
  if (Object.keys(tls).length) out.tls = tls;
  if (opts.inboxPrefix) out.inboxPrefix = opts.inboxPrefix;
  return out;
}
