import { Client } from 'pg';
import { DEFAULT_ADMIN_URL, createTestDatabase } from './database';

// @ams/db is replaced here so these specs test the wiring, whatever state the real migrations are in
const runMigrations = jest.fn<Promise<string[]>, [string]>();
let exportsRunMigrations = true;
jest.mock('@ams/db', () => ({
  get runMigrations() {
    return exportsRunMigrations ? runMigrations : undefined;
  },
}));

const adminUrl = process.env['TEST_DATABASE_ADMIN_URL'] ?? DEFAULT_ADMIN_URL;

async function testDatabases(): Promise<string[]> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const res = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `ams\\_test\\_${process.pid}\\_%`,
    ]);
    return res.rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

describe('createTestDatabase with migrations', () => {
  beforeEach(() => {
    runMigrations.mockReset();
    exportsRunMigrations = true;
  });

  it('runs runMigrations(url) from @ams/db on the new database by default', async () => {
    runMigrations.mockImplementation(async (url) => {
      const client = new Client({ connectionString: url });
      await client.connect();
      await client.query('CREATE TABLE migrated (id text PRIMARY KEY)');
      await client.end();
      return ['CreateMigrated1'];
    });
    const db = await createTestDatabase();
    try {
      expect(runMigrations).toHaveBeenCalledWith(db.url);
      const client = new Client({ connectionString: db.url });
      await client.connect();
      const res = await client.query("SELECT to_regclass('public.migrated') AS t");
      await client.end();
      expect(res.rows[0].t).toBe('migrated');
    } finally {
      await db.drop();
    }
  });

  it('drops the database when the migrations fail', async () => {
    runMigrations.mockRejectedValue(new Error('migration 3 failed'));
    await expect(createTestDatabase()).rejects.toThrow('migration 3 failed');
    expect(await testDatabases()).toEqual([]);
  });

  it('says so when @ams/db has no runMigrations, and leaves no database behind', async () => {
    exportsRunMigrations = false;
    await expect(createTestDatabase()).rejects.toThrow(/@ams\/db does not export runMigrations/);
    expect(await testDatabases()).toEqual([]);
    await expect(createTestDatabase({ migrate: false }).then((db) => db.drop())).resolves.toBeUndefined();
  });
});
