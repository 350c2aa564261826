import { ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { LineBuffer, exitOf, terminate, trackChild, trackDir, untrackDir } from './child-registry';
import { freePort } from './ports';
import { waitFor } from './wait-for';

const run = promisify(execFile);

/** The PostgreSQL binaries of the machine's PostgreSQL 15 (`TEST_PG_BIN` to use others). */
export const DEFAULT_PG_BIN = process.env['TEST_PG_BIN'] ?? '/usr/lib/postgresql/15/bin';

export interface PrivateReplicaPair {
  /** postgres://postgres@127.0.0.1:<port>/postgres of the primary (pass as `adminUrl` to createTestDatabase). */
  primaryUrl: string;
  /** The same for the hot standby (read only). */
  standbyUrl: string;
  /** `url` (a database on the primary) with the standby's host and port. */
  onStandby(url: string): string;
  /** Stops applying WAL on the standby (`pg_wal_replay_pause()`): it keeps receiving, and lags. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  /** Resolves once the standby has replayed everything the primary had written when this was called. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /** The postmasters' process ids (a benchmark sums their processes' CPU). */
  pids: { primary: number; standby: number };
  /** The primary's `pg_current_wal_lsn()` and the standby's `pg_last_wal_replay_lsn()`, as text. */
  positions(): Promise<{ primary: string; standby: string }>;
  dispose(): Promise<void>;
}

/** As root, PostgreSQL's programs run as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function one<T>(url: string, sql: string): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<{ v: T }>(sql)).rows[0].v;
  } finally {
    await client.end();
  }
}

/**
 * A PostgreSQL primary and a hot standby streaming from it, made by the test from the machine's PostgreSQL binaries
 * (`initdb`, then `pg_basebackup -R` of the running primary) in a temp dir, on free ports of 127.0.0.1, trust auth.
 * Both servers are children of this process (killed if it exits without dispose).
 */
export async function startPrivateReplicaPair(opts: { bin?: string } = {}): Promise<PrivateReplicaPair> {
  const bin = opts.bin ?? DEFAULT_PG_BIN;
  if (!existsSync(join(bin, 'pg_basebackup'))) {
    throw new Error(`no PostgreSQL binaries in ${bin} (apt-get install postgresql-15, or set TEST_PG_BIN)`);
  }
  const user = runAs();
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const dir = await mkdtemp(join(tmpdir(), 'ams-pg-replica-'));
  trackDir(dir);
  const primaryDir = join(dir, 'primary');
  const standbyDir = join(dir, 'standby');
  const children: ChildProcess[] = [];
  const logs = { primary: new LineBuffer(100), standby: new LineBuffer(100) };
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`;

  const startServer = async (which: 'primary' | 'standby', dataDir: string, port: number): Promise<void> => {
    const proc = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        '-c',
        'max_connections=100',
        '-c',
        'fsync=off',
        '-c',
        'hot_standby=on',
        // a standby's read never cancelled by replay (a query that started before a vacuum's cleanup)
        '-c',
        'max_standby_streaming_delay=-1',
      ],
      { ...ids, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(proc);
    trackChild(proc);
    proc.stdout?.on('data', (d: Buffer) => logs[which].push(d));
    proc.stderr?.on('data', (d: Buffer) => logs[which].push(d));
    const exited = exitOf(proc).then((info) => {
      throw new Error(`the ${which} exited during startup (${info.code ?? info.signal}):\n${logs[which].tail(30)}`);
    });
    try {
      await Promise.race([
        waitFor(() => accepts(url(port)), { timeoutMs: 30_000, intervalMs: 50, description: `the ${which}` }),
        exited,
      ]);
    } finally {
      exited.catch(() => undefined);
    }
  };

  const dispose = async (): Promise<void> => {
    await Promise.all(children.map((c) => terminate(c, 'SIGINT', 15_000)));
    await rm(dir, { recursive: true, force: true });
    untrackDir(dir);
  };

  try {
    if (user) chownSync(dir, user.uid, user.gid);
    mkdirSync(primaryDir);
    if (user) chownSync(primaryDir, user.uid, user.gid);
    await run(join(bin, 'initdb'), ['-D', primaryDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'], {
      ...ids,
      env: { ...process.env, LC_ALL: 'C' },
    });
    await startServer('primary', primaryDir, primaryPort);
    // a base backup of the running primary that starts as its standby (-R: standby.signal, primary_conninfo)
    await run(
      join(bin, 'pg_basebackup'),
      [
        '-h',
        '127.0.0.1',
        '-p',
        String(primaryPort),
        '-U',
        'postgres',
        '-D',
        standbyDir,
        '-R',
        '-X',
        'stream',
        '-c',
        'fast',
      ],
      { ...ids, env: { ...process.env, LC_ALL: 'C' } },
    );
    await startServer('standby', standbyDir, standbyPort);
  } catch (err) {
    await dispose();
    throw err;
  }

  const primaryUrl = url(primaryPort);
  const standbyUrl = url(standbyPort);
  const positions = async () => ({
    primary: await one<string>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS v'),
    standby: await one<string>(standbyUrl, 'SELECT pg_last_wal_replay_lsn()::text AS v'),
  });
  return {
    primaryUrl,
    standbyUrl,
    onStandby(u) {
      const x = new URL(u);
      x.port = String(standbyPort);
      return x.toString();
    },
    pauseReplay: async () => {
      await one(standbyUrl, 'SELECT pg_wal_replay_pause()::text AS v');
      await waitFor(
        async () => (await one<string>(standbyUrl, 'SELECT pg_get_wal_replay_pause_state() AS v')) === 'paused',
        {
          description: 'the standby to pause replay',
        },
      );
    },
    resumeReplay: async () => {
      await one(standbyUrl, 'SELECT pg_wal_replay_resume()::text AS v');
    },
    caughtUp: async (timeoutMs = 30_000) => {
      const target = await one<string>(primaryUrl, 'SELECT pg_current_wal_lsn()::text AS v');
      await waitFor(() => one<boolean>(standbyUrl, `SELECT pg_last_wal_replay_lsn() >= '${target}'::pg_lsn AS v`), {
        timeoutMs,
        intervalMs: 20,
        description: `the standby to replay up to ${target}`,
      });
    },
    positions,
    pids: { primary: children[0].pid ?? -1, standby: children[1].pid ?? -1 },
    dispose,
  };
}
