import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonEnv } from './common-env';
import { ConfigError, loadConfig } from './load-config';
import { messagingSecurity } from '../messaging/messaging-security';

const dir = mkdtempSync(join(tmpdir(), 'ams-nats-env-'));
const file = join(dir, 'app.creds');
writeFileSync(file, 'not checked here');
const SECRET = 'do-not-show-this-secret';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig('processor', CommonEnv, env);
    return [];
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    expect(err.message).not.toContain(SECRET);
    return err.problems;
  }
}

describe('CommonEnv: NATS credentials and TLS', () => {
  it('connects without credentials when none are set (an open NATS)', () => {
    const env = loadConfig('processor', CommonEnv, {});
    expect(messagingSecurity('processor', env)).toEqual({
      auth: undefined,
      tls: undefined,
      inboxPrefix: '_INBOX.processor',
    });
  });

  it('takes a user with its password, a token, or a creds file, and TLS files', () => {
    const user = loadConfig('api', CommonEnv, { NATS_USER: 'api', NATS_PASSWORD: SECRET, NATS_TLS_CA: file });
    expect(messagingSecurity('api', user)).toEqual({
      auth: { kind: 'user', user: 'api', password: SECRET },
      tls: { caFile: file, certFile: undefined, keyFile: undefined },
      inboxPrefix: '_INBOX.api',
    });
    expect(messagingSecurity('api', loadConfig('api', CommonEnv, { NATS_TOKEN: SECRET })).auth).toEqual({
      kind: 'token',
      token: SECRET,
    });
    expect(messagingSecurity('api', loadConfig('api', CommonEnv, { NATS_CREDS_FILE: file })).auth).toEqual({
      kind: 'creds',
      file,
    });
    const mtls = loadConfig('api', CommonEnv, { NATS_TLS_CA: file, NATS_TLS_CERT: file, NATS_TLS_KEY: file });
    expect(messagingSecurity('api', mtls).tls).toEqual({ caFile: file, certFile: file, keyFile: file });
  });

  it.each([
    ['a user without a password', { NATS_USER: 'api' }, ['NATS_USER: is set without NATS_PASSWORD']],
    ['a password without a user', { NATS_PASSWORD: SECRET }, ['NATS_PASSWORD: is set without NATS_USER']],
    [
      'a user and a token',
      { NATS_USER: 'api', NATS_PASSWORD: SECRET, NATS_TOKEN: SECRET },
      ['NATS_USER: cannot be combined with NATS_TOKEN', 'NATS_TOKEN: cannot be combined with NATS_USER'],
    ],
    [
      'a token and a creds file',
      { NATS_TOKEN: SECRET, NATS_CREDS_FILE: file },
      ['NATS_CREDS_FILE: cannot be combined with NATS_TOKEN', 'NATS_TOKEN: cannot be combined with NATS_CREDS_FILE'],
    ],
    [
      'a creds file that does not exist',
      { NATS_CREDS_FILE: join(dir, 'missing.creds') },
      ['NATS_CREDS_FILE: names a file that does not exist'],
    ],
    ['a CA that is a directory', { NATS_TLS_CA: dir }, ['NATS_TLS_CA: is not a regular file']],
    ['a client certificate without its key', { NATS_TLS_CERT: file }, ['NATS_TLS_CERT: is set without NATS_TLS_KEY']],
    ['a client key without its certificate', { NATS_TLS_KEY: file }, ['NATS_TLS_KEY: is set without NATS_TLS_CERT']],
  ])('refuses %s, naming the variable, never the value', (_what, env, expected) => {
    const got = problems(env as Record<string, string>);
    for (const e of expected) expect(got.some((p) => p.startsWith(e))).toBe(true);
    expect(got).toHaveLength(expected.length);
  });
});
