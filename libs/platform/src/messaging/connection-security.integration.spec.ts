/**
 * JetStreamService connects with the credentials and TLS settings the env gives (messagingSecurity), against real
 * nats-servers that require them: a user and password, a token, TLS with our CA (and a client certificate when the
 * server verifies clients). Without them, or with wrong ones, the same servers refuse the connection.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { CommonEnv, loadConfig } from '../config';
import { messagingSecurity } from './messaging-security';
import { rawAddress } from './raw-address';
import { type PrivateNatsServer, startPrivateNatsServer, uniquePrefix } from '@ams/testing';
import { ServiceTracker, testOptions } from './messaging.spec-env';

const dir = mkdtempSync(join(tmpdir(), 'ams-nats-tls-'));
const tracker = new ServiceTracker();
const servers: PrivateNatsServer[] = [];

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

beforeAll(() => {
  // a CA, a server certificate for 127.0.0.1 and a client certificate, all signed by the CA
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=ams-test-ca',
  );
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  for (const who of ['server', 'client']) {
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${who}.key`,
      '-out',
      `${who}.csr`,
      '-subj',
      `/CN=${who}`,
    );
    openssl(
      'x509',
      '-req',
      '-in',
      `${who}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${who}.pem`,
      '-days',
      '2',
      ...(who === 'server' ? ['-extfile', 'server.ext'] : []),
    );
  }
});

afterAll(async () => {
  await tracker.closeAll();
  await Promise.all(servers.map((s) => s.dispose()));
  rmSync(dir, { recursive: true, force: true });
});

async function server(args: string[]): Promise<PrivateNatsServer> {
  const s = await startPrivateNatsServer({ args });
  servers.push(s);
  return s;
}

/** Connects a JetStreamService as an app would, from an environment, and round-trips a request through JetStream. */
async function connectWith(url: string, env: Record<string, string>): Promise<void> {
  const cfg = loadConfig('processor', CommonEnv, { NATS_URL: url, ...env });
  const svc = await tracker.start({
    ...testOptions(uniquePrefix('sec'), 'processor', url),
    ...messagingSecurity('processor', cfg),
  });
  expect(await svc.rtt()).toBeGreaterThanOrEqual(0);
  await svc.ensureStream({ name: 'SEC', subjects: ['sec.>'], maxAgeMs: 600_000, duplicateWindowMs: 1000 });
  expect((await svc.publish(rawAddress('sec.x'), { ok: true })).seq).toBe(1);
}

describe('NATS connection security', () => {
  it('user and password: connects with them, refused without or with a wrong password', async () => {
    const s = await server(['--user', 'processor', '--pass', 'the-right-password']);
    await connectWith(s.url, { NATS_USER: 'processor', NATS_PASSWORD: 'the-right-password' });
    await expect(connectWith(s.url, {})).rejects.toThrow(/Authorization Violation/);
    await expect(connectWith(s.url, { NATS_USER: 'processor', NATS_PASSWORD: 'wrong' })).rejects.toThrow(
      /Authorization Violation/,
    );
  });

  it('token: connects with it, refused with another', async () => {
    const s = await server(['--auth', 'the-right-token-0123456789']);
    await connectWith(s.url, { NATS_TOKEN: 'the-right-token-0123456789' });
    await expect(connectWith(s.url, { NATS_TOKEN: 'another-token' })).rejects.toThrow(/Authorization Violation/);
  });

  it('TLS: trusts the server through NATS_TLS_CA, and presents NATS_TLS_CERT/KEY to a server that verifies clients', async () => {
    const tls = ['--tls', '--tlscert', join(dir, 'server.pem'), '--tlskey', join(dir, 'server.key')];
    const s = await server(tls);
    await connectWith(s.url, { NATS_TLS_CA: join(dir, 'ca.pem') });
    await expect(connectWith(s.url, {})).rejects.toThrow(); // a self-made CA is not trusted by default

    const verifying = await server([...tls, '--tlsverify', '--tlscacert', join(dir, 'ca.pem')]);
    await connectWith(verifying.url, {
      NATS_TLS_CA: join(dir, 'ca.pem'),
      NATS_TLS_CERT: join(dir, 'client.pem'),
      NATS_TLS_KEY: join(dir, 'client.key'),
    });
    // without the client certificate the server ends the handshake (a raw client: the service would keep retrying)
    await expect(
      connect({ servers: verifying.url, tls: { caFile: join(dir, 'ca.pem') }, reconnect: false, timeout: 3000 }),
    ).rejects.toThrow();
  }, 30_000);
});
