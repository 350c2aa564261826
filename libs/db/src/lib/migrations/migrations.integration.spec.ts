import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../data-source';
import { MIGRATIONS } from './index';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('migrations', () => {
  it('are listed in timestamp order with unique names', () => {
    const stamps = MIGRATIONS.map((m) => Number(/(\d{13})$/.exec(m.name)?.[1]));
    expect(stamps.every(Number.isFinite)).toBe(true);
    expect([...stamps].sort((a, b) => a - b)).toEqual(stamps);
    expect(new Set(MIGRATIONS.map((m) => m.name)).size).toBe(MIGRATIONS.length);
  });

  describe('on a real PostgreSQL', () => {
    const name = `ams_test_db_${randomBytes(4).toString('hex')}`;
    const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
    const admin = new Client({ connectionString: ADMIN_URL });

    beforeAll(async () => {
      await admin.connect();
      await admin.query(`CREATE DATABASE ${name}`);
    });
    afterAll(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    });

    it('apply from empty, are idempotent, and revert completely', async () => {
      expect(await runMigrations(url)).toEqual(MIGRATIONS.map((m) => m.name));
      expect(await runMigrations(url)).toEqual([]);

      const ds = new DataSource(dataSourceOptions({ url, poolSize: 1 }));
      await ds.initialize();
      try {
        // every entity maps onto a table the migrations created
        for (const meta of ds.entityMetadatas) {
          const cols = (await ds.query(
            `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1`,
            [meta.tableName],
          )) as Array<{ column_name: string }>;
          const names = new Set(cols.map((c) => c.column_name));
          expect({
            table: meta.tableName,
            missing: meta.columns.map((c) => c.databaseName).filter((c) => !names.has(c)),
          }).toEqual({
            table: meta.tableName,
            missing: [],
          });
        }
        // hourly_fact leaves room on each page for in-place (HOT) updates, until its migration is reverted
        const fillfactor = async () =>
          (
            (await ds.query(`SELECT reloptions FROM pg_class WHERE relname = 'hourly_fact'`)) as Array<{
              reloptions: string[] | null;
            }>
          )[0]?.reloptions;
        // partitioned: the parent has no storage, each partition leaves the room
        expect(await fillfactor()).toBeNull();
        const partitionFillfactors = (await ds.query(
          `SELECT DISTINCT array_to_string(c.reloptions, ',') AS o FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
            WHERE i.inhparent = 'hourly_fact'::regclass`,
        )) as Array<{ o: string }>;
        expect(partitionFillfactors).toEqual([{ o: 'fillfactor=70' }]);
        for (const m of [...MIGRATIONS].reverse()) {
          await ds.undoLastMigration({ transaction: 'each' });
          if (m.name === 'MonthlyPartitions1765100000000') expect(await fillfactor()).toEqual(['fillfactor=70']);
          if (m.name === 'HourlyFactFillfactor1764392000000') expect(await fillfactor()).toBeNull();
        }
        const left = (await ds.query(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'schema_migrations'`,
        )) as unknown[];
        expect(left).toEqual([]);
      } finally {
        await ds.destroy();
      }
    });
  });
});
