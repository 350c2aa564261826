import { Client } from 'pg';
import { runMigrations } from '@ams/db';

/** Any constant works: it only has to be the same for every migration run against one database. */
const MIGRATION_LOCK_KEY = 7_436_117_001;
/** An unreachable server fails the run (and the Job) instead of hanging it. */
const CONNECT_TIMEOUT_MS = 10_000;

export interface MigrateResult {
  database: string;
  createdDatabase: boolean;
  applied: string[];
}

/**
 * Applies libs/db's pending migrations to `url`, creating the database first when it does not exist
 * (and the user may create it). Concurrent runs against one database wait for each other on a
 * PostgreSQL advisory lock, so a retried Job overlapping the first one cannot apply a migration twice.
 */
export async function migrate(url: string): Promise<MigrateResult> {
  const database = databaseName(url);
  const createdDatabase = await ensureDatabase(url, database);
  const lock = new Client({
    connectionString: url,
    application_name: 'ams-sentinel-migrate-lock',
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  await lock.connect();
  try {
    await waitForLock(lock);
    const applied = await runMigrations(url);
    return { database, createdDatabase, applied };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await lock.end();
  }
}

/** How often a run waiting for another one asks for the lock again. */
const LOCK_POLL_MS = 200;

/**
 * Takes the migration lock, asking again every LOCK_POLL_MS while another run holds it. Not a blocking
 * pg_advisory_lock: a session waiting inside one statement holds a snapshot the whole time, and CREATE INDEX
 * CONCURRENTLY in the running migration waits for every older snapshot to end — the two would wait for each other
 * until the index build's lock_timeout failed it. Each short try here ends its snapshot at once.
 */
async function waitForLock(lock: Client): Promise<void> {
  for (;;) {
    const { rows } = await lock.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [
      MIGRATION_LOCK_KEY,
    ]);
    if (rows[0]?.locked) return;
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database (expected postgres://user@host:5432/<database>)');
  return name;
}

/** true when the database had to be created. Managed databases usually exist already: try them first. */
async function ensureDatabase(url: string, name: string): Promise<boolean> {
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await probe.connect();
    return false;
  } catch (err: unknown) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: invalid_catalog_name
  } finally {
    await probe.end().catch(() => undefined);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return false;
    await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return true;
  } finally {
    await client.end();
  }
}
