/**
 * Reachability checks with short deadlines: a closed port, a black-holed host or a server that
 * never answers all end within a few seconds with a short reason.
 */
import { createConnection, createServer } from 'node:net';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Client } from 'pg';
import { NATS_BINARY_CANDIDATES, type NatsReach, type Reach } from './service-plan';

const PROBE_TIMEOUT_MS = 2_500;

function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'host unreachable';
    case '28P01':
    case '28000':
      return `authentication failed (${e.message ?? ''})`;
    default:
      return e?.message ? e.message.slice(0, 200) : String(err);
  }
}

function hostPort(url: string, defaultPort: number): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1', port: u.port ? Number(u.port) : defaultPort };
}

/** Opens a TCP connection and, when `greeting`, waits for the first line the server sends. */
function tcp(
  host: string,
  port: number,
  timeoutMs: number,
  greeting: boolean,
): Promise<{ ok: true; line: string } | { ok: false; detail: string }> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    let buf = '';
    let done = false;
    const finish = (r: { ok: true; line: string } | { ok: false; detail: string }) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, detail: `no answer from ${host}:${port} within ${timeoutMs} ms` }),
      timeoutMs,
    );
    socket.once('error', (err) => finish({ ok: false, detail: `${reason(err)} (${host}:${port})` }));
    socket.once('connect', () => {
      if (!greeting) finish({ ok: true, line: '' });
    });
    socket.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish({ ok: true, line: buf.slice(0, nl) });
    });
  });
}

/** PostgreSQL: TCP first (fast failure), then a real login to the URL's server (database `postgres`). */
export async function probePostgres(url: string, timeoutMs = PROBE_TIMEOUT_MS): Promise<Reach> {
  let target: { host: string; port: number };
  try {
    target = hostPort(url, 5432);
  } catch {
    return { ok: false, detail: 'not a valid URL' };
  }
  const t = await tcp(target.host, target.port, timeoutMs, false);
  if (!t.ok) return t;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({
    connectionString: admin.toString(),
    connectionTimeoutMillis: timeoutMs,
    application_name: 'ams-sentinel-launcher',
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return { ok: true };
  } catch (err) {
    return { ok: false, detail: reason(err) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** NATS greets with `INFO {...}`; its JSON says whether JetStream is on. Tries each URL until one answers. */
export async function probeNats(urls: string[], timeoutMs = PROBE_TIMEOUT_MS): Promise<NatsReach> {
  let last = 'no URL';
  for (const url of urls) {
    let target: { host: string; port: number };
    try {
      target = hostPort(url.includes('://') ? url : `nats://${url}`, 4222);
    } catch {
      last = `not a valid URL: ${url}`;
      continue;
    }
    const t = await tcp(target.host, target.port, timeoutMs, true);
    if (!t.ok) {
      last = t.detail;
      continue;
    }
    if (!t.line.startsWith('INFO ')) {
      last = `${target.host}:${target.port} is not a NATS server`;
      continue;
    }
    try {
      const info = JSON.parse(t.line.slice(5)) as { jetstream?: boolean; auth_required?: boolean };
      return { ok: true, jetstream: info.jetstream === true, authRequired: info.auth_required === true };
    } catch {
      return { ok: true, jetstream: false };
    }
  }
  return { ok: false, detail: last };
}

/** nats-server on the PATH, else the usual install locations. */
export function findNatsServer(pathEnv = process.env['PATH'] ?? ''): string | null {
  const candidates = [
    ...pathEnv
      .split(delimiter)
      .filter(Boolean)
      .map((d) => join(d, 'nats-server')),
    ...NATS_BINARY_CANDIDATES,
  ];
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return null;
}

/** true when nothing listens on `port` (on any interface: the apps bind 0.0.0.0). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host: '0.0.0.0', exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port the OS just reported free. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen({ port: 0, host: '0.0.0.0' }, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => (port ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}
