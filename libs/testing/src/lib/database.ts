import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from './wait-for';

const TEST_NAME = /(^|_)test(_|$)/i;
const SAFE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Guard: throws unless `name` marks a test database (a `test` token between underscores or at
 * either end, e.g. `ams_test_ab12cd`, `test_ams`, `ams_test`). `ams_sentinel`, `testing_prod`,
 * `mytest` are refused.
 */
export function assertTestDatabaseName(name: string): void {
  if (typeof name !== 'string' || !TEST_NAME.test(name)) {
    throw new Error(
      `Refusing to use database "${String(name)}": its name does not mark it as a test database ` +
        `(expected a "test" token, e.g. ams_test_ab12cd)`,
    );
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

export interface CreateTestDatabaseOptions {
  /** Server-level connection used to CREATE/DROP. Default TEST_DATABASE_ADMIN_URL or postgres://postgres@127.0.0.1:5432/postgres */
  adminUrl?: string;
  /** Run `runMigrations(url)` from @ams/db on the new database. Default true. */
  migrate?: boolean;
}

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(adminUrl: string, name: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(adminUrl: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  assertTestDatabaseName(name);
  if (!SAFE_NAME.test(name)) throw new Error(`Refusing to drop "${name}": not a plain identifier`);
  await withAdmin(adminUrl, async (client) => {
    // a pool that reconnects between the terminate and the DROP makes the DROP fail: try again
    await waitFor(
      async () => {
        await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [name],
        );
        await client.query(`DROP DATABASE IF EXISTS "${name}"`);
        return true;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: `DROP DATABASE ${name}` },
    );
  });
}

/** Loaded only when migrations are wanted, so this lib works before/without @ams/db's migrations. */
async function loadRunMigrations(): Promise<(url: string) => Promise<unknown>> {
  const db: { runMigrations?: (url: string) => Promise<unknown> } = await import('@ams/db');
  if (typeof db.runMigrations !== 'function') {
    throw new Error('@ams/db does not export runMigrations(url); pass { migrate: false } or add it');
  }
  return db.runMigrations;
}

/**
 * Creates a fresh database `ams_test_<pid>_<random6>` on the admin server, runs the migrations
 * (unless `migrate: false`) and returns its URL and a `drop()` that disconnects everyone and drops it.
 */
export async function createTestDatabase(opts: CreateTestDatabaseOptions = {}): Promise<TestDatabase> {
  const adminUrl = opts.adminUrl ?? process.env['TEST_DATABASE_ADMIN_URL'] ?? DEFAULT_ADMIN_URL;
  const name = `ams_test_${process.pid}_${randomBytes(3).toString('hex')}`;
  assertTestDatabaseName(name);
  const url = withDatabase(adminUrl, name);

  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE "${name}"`));

  let dropped: Promise<void> | undefined;
  const database: TestDatabase = {
    name,
    url,
    drop: () =>
      (dropped ??= dropDatabase(adminUrl, name).catch((err: unknown) => {
        dropped = undefined; // let a later call try again
        throw err;
      })),
  };

  if (opts.migrate !== false) {
    try {
      const runMigrations = await loadRunMigrations();
      await runMigrations(url);
    } catch (err) {
      await database.drop().catch(() => undefined);
      throw err;
    }
  }
  return database;
}
