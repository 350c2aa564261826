import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from '../data-source';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Tables that are not part of the application's schema. */
const NOT_MAPPED = new Set(['schema_migrations']);

interface DbColumn {
  table: string;
  column: string;
  /** format_type without a type modifier, e.g. `numeric`, `text[]`, `timestamp with time zone` */
  type: string;
  nullable: boolean;
}

/**
 * The entities are the typed map of the schema (the apps write set-based SQL; few read through an entity): this
 * checks the map against the migrated schema, so a migration that adds, drops or retypes a column fails here until
 * its entity says the same.
 */
describe('entities match the migrated schema (real PostgreSQL)', () => {
  const name = `ams_test_entities_${randomBytes(4).toString('hex')}`;
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  const admin = new Client({ connectionString: ADMIN_URL });
  let ds: DataSource;
  let columns: DbColumn[];

  beforeAll(async () => {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await runMigrations(url);
    ds = await new DataSource(dataSourceOptions({ url, poolSize: 1 })).initialize();
    columns = (
      (await ds.query(
        `SELECT c.relname AS table, a.attname AS column, regexp_replace(format_type(a.atttypid, a.atttypmod), '\\(.*\\)', '') AS type,
              NOT a.attnotnull AS nullable
         FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
          AND NOT c.relispartition`,
      )) as DbColumn[]
    ).filter((c) => !NOT_MAPPED.has(c.table));
  });
  afterAll(async () => {
    await ds?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  });

  it('every table of the schema has an entity, and every entity a table', () => {
    const tables = [...new Set(columns.map((c) => c.table))].sort();
    const mapped = ds.entityMetadatas.map((m) => m.tableName).sort();
    expect(tables.length).toBeGreaterThan(10);
    expect(mapped).toEqual(tables);
  });

  it("every entity column exists with the column's type and nullability", () => {
    const byKey = new Map(columns.map((c) => [`${c.table}.${c.column}`, c]));
    const problems: string[] = [];
    for (const meta of ds.entityMetadatas) {
      for (const col of meta.columns) {
        const key = `${meta.tableName}.${col.databaseName}`;
        const db = byKey.get(key);
        if (!db) {
          problems.push(`${key}: no such column`);
          continue;
        }
        const type = `${ds.driver.normalizeType(col)}${col.isArray ? '[]' : ''}`;
        if (type !== db.type) problems.push(`${key}: entity ${type}, schema ${db.type}`);
        if (col.isNullable !== db.nullable)
          problems.push(
            `${key}: entity ${col.isNullable ? 'nullable' : 'not null'}, schema ${db.nullable ? 'nullable' : 'not null'}`,
          );
      }
    }
    expect(problems).toEqual([]);
  });

  it('every column of a mapped table is in its entity', () => {
    const mapped = new Set(ds.entityMetadatas.flatMap((m) => m.columns.map((c) => `${m.tableName}.${c.databaseName}`)));
    expect(columns.map((c) => `${c.table}.${c.column}`).filter((k) => !mapped.has(k))).toEqual([]);
  });
});
