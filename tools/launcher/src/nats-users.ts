/**
 * The launcher's own nats-server (--own-nats, or when the machine has none) runs with the same per-app users and
 * permissions as production (libs/contracts nats-permissions.ts): a random password per app, generated once and kept
 * in <data dir>/launcher/nats-users.json (mode 0600), handed to nats-server and to each app in its environment only.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  type NatsApp,
  type NatsUser,
  NATS_PASSWORD_SHAPE,
  NATS_USERS,
  natsPasswordVariable,
  newNatsPassword,
  natsUserName,
  renderNatsServerConf,
} from '@ams/contracts';

/** Every user's password: the apps' and the operator's (for the NATS CLI). */
export type NatsPasswords = Record<NatsUser, string>;

/** The passwords kept in `file`, completed with new ones for apps that have none; the file is (re)written 0600. */
export function loadOrCreateNatsPasswords(file: string): NatsPasswords {
  let kept: Partial<Record<string, string>> = {};
  if (existsSync(file)) {
    try {
      kept = JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      kept = {}; // unreadable: new passwords (nats-server and the apps get them together)
    }
  }
  const out = {} as NatsPasswords;
  for (const app of NATS_USERS) {
    const k = kept[app];
    out[app] = typeof k === 'string' && NATS_PASSWORD_SHAPE.test(k) ? k : newNatsPassword(randomBytes);
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600); // an existing file keeps its mode on write
  return out;
}

/** nats-server's environment for the config: `<USER>_NATS_PASSWORD` per user. */
export function natsServerEnv(passwords: NatsPasswords): Record<string, string> {
  return Object.fromEntries(NATS_USERS.map((a) => [natsPasswordVariable(a), passwords[a]]));
}

/** What an app gets in its environment to connect as its own user. */
export function appNatsEnv(app: NatsApp, passwords: NatsPasswords): Record<string, string> {
  return { NATS_USER: natsUserName(app), NATS_PASSWORD: passwords[app] };
}

/** `nats-server --version` → [major, minor], or null when it cannot be read. */
export function natsServerVersion(binary: string): [number, number] | null {
  try {
    const out = execFileSync(binary, ['--version'], { encoding: 'utf8', timeout: 5_000 });
    const m = /v?(\d+)\.(\d+)\.\d+/.exec(out);
    return m ? [Number(m[1]), Number(m[2])] : null;
  } catch {
    return null;
  }
}

/** Writes the launcher's nats-server config (JetStream in `storeDir`, the per-app users for `prefix`); returns its path. */
export function writeLauncherNatsConf(opts: {
  file: string;
  storeDir: string;
  prefix: string;
  binary: string;
}): string {
  const v = natsServerVersion(opts.binary);
  const conf = renderNatsServerConf(
    {
      header: ['nats-server of `npm start` (tools/launcher), written at every start; passwords from its environment'],
      serverName: 'ams-launcher',
      host: '127.0.0.1',
      port: 4222, // the launcher passes the port it chose with -p
      storeDir: opts.storeDir,
      maxMemoryStore: '256MB',
      maxFileStore: '10GB',
      // sync_interval exists from nats-server 2.10 on (Debian's package is 2.9)
      syncAlways: v === null || v[0] > 2 || (v[0] === 2 && v[1] >= 10),
    },
    opts.prefix,
  );
  mkdirSync(dirname(opts.file), { recursive: true });
  writeFileSync(opts.file, conf, { mode: 0o600 });
  return opts.file;
}

export const NATS_USERS_FILE = (dataDir: string) => join(dataDir, 'launcher', 'nats-users.json');
