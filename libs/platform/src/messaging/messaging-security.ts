import { natsInboxPrefix } from '@ams/contracts';
import type { CommonEnv } from '../config/common-env';
import type { MessagingOptions } from './messaging.types';

/**
 * The connection's credentials, TLS and inbox prefix from the validated environment (CommonEnv): at most one way to
 * authenticate is set (the env class refuses two), none means an open NATS. The inbox prefix is the app's own
 * (`_INBOX.<app>`), which its NATS user alone may subscribe to.
 */
export function messagingSecurity(app: string, env: CommonEnv): Pick<MessagingOptions, 'auth' | 'tls' | 'inboxPrefix'> {
  const auth: MessagingOptions['auth'] = env.NATS_USER
    ? { kind: 'user', user: env.NATS_USER, password: env.NATS_PASSWORD ?? '' }
    : env.NATS_CREDS_FILE
      ? { kind: 'creds', file: env.NATS_CREDS_FILE }
      : env.NATS_TOKEN
        ? { kind: 'token', token: env.NATS_TOKEN }
        : undefined;
  const tls =
    env.NATS_TLS_CA || env.NATS_TLS_CERT
      ? { caFile: env.NATS_TLS_CA, certFile: env.NATS_TLS_CERT, keyFile: env.NATS_TLS_KEY }
      : undefined;
  return { auth, tls, inboxPrefix: natsInboxPrefix(app) };
}
