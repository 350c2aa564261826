import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { MIGRATIONS } from '@ams/db';
import { assertTestDatabaseName, createTestDatabase, TestDatabase } from '@ams/testing';
import { databaseName, migrate } from './migrate';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function tables(url: string): Promise<string[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ t: string }>(
      "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    return rows.map((r) => r.t);
  } finally {
    await client.end();
  }
}

describe('migrate (the production migration entry point)', () => {
  const dbs: TestDatabase[] = [];
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.drop()));
  });

  it('applies every migration to an empty database, then reports the schema up to date', async () => {
    const db = await createTestDatabase({ migrate: false });
    dbs.push(db);
    const first = await migrate(db.url);
    expect(first).toMatchObject({ database: db.name, createdDatabase: false });
    expect(first.applied).toHaveLength(MIGRATIONS.length);
    expect(await tables(db.url)).toEqual(
      expect.arrayContaining(['hourly_fact', 'performance_delta', 'schema_migrations']),
    );
    expect((await migrate(db.url)).applied).toEqual([]);
  });

  it('lets two concurrent runs (an overlapping Job retry) apply each migration exactly once', async () => {
    const db = await createTestDatabase({ migrate: false });
    dbs.push(db);
    const [a, b] = await Promise.all([migrate(db.url), migrate(db.url)]);
    expect([...a.applied, ...b.applied]).toHaveLength(MIGRATIONS.length);
  });

  it('creates the database when it does not exist yet', async () => {
    const name = `ams_test_${process.pid}_${randomBytes(3).toString('hex')}`;
    assertTestDatabaseName(name);
    const url = new URL(ADMIN_URL);
    url.pathname = `/${name}`;
    try {
      const result = await migrate(url.toString());
      expect(result).toMatchObject({ database: name, createdDatabase: true });
      expect(result.applied).toHaveLength(MIGRATIONS.length);
    } finally {
      const admin = new Client({ connectionString: ADMIN_URL });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await admin.end();
    }
  });

  it('refuses a URL without a database name', () => {
    expect(() => databaseName('postgres://postgres@127.0.0.1:5432/')).toThrow(/names no database/);
  });
});
