import fc from 'fast-check';
import { Client } from 'pg';
import { DEFAULT_ADMIN_URL, assertTestDatabaseName, createTestDatabase } from './database';

const adminUrl = process.env['TEST_DATABASE_ADMIN_URL'] ?? DEFAULT_ADMIN_URL;

async function databaseExists(name: string): Promise<boolean> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const res = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return res.rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('assertTestDatabaseName', () => {
  it.each(['ams_test_x', 'ams_test_123_ab12cd', 'test', 'test_ams', 'ams_test', 'AMS_TEST_X'])('accepts %s', (name) => {
    expect(() => assertTestDatabaseName(name)).not.toThrow();
  });

  it.each(['ams_sentinel', 'postgres', 'testing_prod', 'mytest', 'ams_tests', 'contest_db', ''])(
    'rejects %s',
    (name) => {
      expect(() => assertTestDatabaseName(name)).toThrow(/not mark it as a test database/);
    },
  );

  it('accepts every name the helper generates', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4_194_304 }), fc.stringMatching(/^[0-9a-f]{6}$/), (pid, rand) => {
        assertTestDatabaseName(`ams_test_${pid}_${rand}`);
      }),
    );
  });
});

describe('createTestDatabase', () => {
  it('creates a real database and drops it, even with a connection still open', async () => {
    const db = await createTestDatabase({ migrate: false });
    let client: Client | undefined;
    try {
      expect(db.name).toMatch(new RegExp(`^ams_test_${process.pid}_[0-9a-f]{6}$`));
      expect(await databaseExists(db.name)).toBe(true);

      client = new Client({ connectionString: db.url });
      client.on('error', () => undefined); // it is terminated by drop()
      await client.connect();
      const res = await client.query<{ db: string }>('SELECT current_database() AS db');
      expect(res.rows[0].db).toBe(db.name);
    } finally {
      await db.drop();
    }
    expect(await databaseExists(db.name)).toBe(false);
    await client?.end().catch(() => undefined);
    // dropping twice is harmless
    await expect(db.drop()).resolves.toBeUndefined();
  });

  it('gives two databases different names', async () => {
    const [a, b] = await Promise.all([createTestDatabase({ migrate: false }), createTestDatabase({ migrate: false })]);
    try {
      expect(a.name).not.toBe(b.name);
      expect(a.url).toContain(`/${a.name}`);
    } finally {
      await Promise.all([a.drop(), b.drop()]);
    }
  });
});
