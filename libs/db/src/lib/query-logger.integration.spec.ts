import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source';
import { LOGGED_PARAMETERS_CHARS, LOGGED_QUERY_CHARS } from './query-logger';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

describe('the pools log a failed query in one bounded line (real PostgreSQL)', () => {
  const errors: unknown[][] = [];
  let ds: DataSource;

  beforeAll(async () => {
    Logger.overrideLogger({
      error: (...args: unknown[]) => errors.push(args),
      log: () => undefined,
      warn: () => undefined,
    });
    ds = await new DataSource(dataSourceOptions({ url: ADMIN_URL, poolSize: 1 })).initialize();
  });
  afterAll(async () => {
    await ds?.destroy();
    Logger.overrideLogger(false);
  });

  it('names the SQLSTATE and cuts a huge statement and its parameters', async () => {
    const huge = Array.from({ length: 10_000 }, (_, i) => String(i));
    const sql = `SELECT ${'1 + '.repeat(2_000)}$1::bigint, cardinality($2::text[])`;
    await expect(ds.query(sql, ['9'.repeat(5_000), huge])).rejects.toMatchObject({ code: '22003' });
    expect(errors).toHaveLength(1);
    const [entry, message] = errors[0] as [{ code: string; query: string; parameters: string }, string];
    expect(message).toBe('query failed');
    expect(entry.code).toBe('22003');
    expect(entry.query.length).toBeLessThan(LOGGED_QUERY_CHARS + 50);
    expect(entry.parameters.length).toBeLessThan(LOGGED_PARAMETERS_CHARS + 50);
    expect(JSON.stringify(entry).length).toBeLessThan(LOGGED_QUERY_CHARS + 2 * LOGGED_PARAMETERS_CHARS + 200);
  });

  it('pins the session TimeZone to UTC', async () => {
    expect(await ds.query('SHOW TimeZone')).toEqual([{ TimeZone: 'UTC' }]);
  });
});
