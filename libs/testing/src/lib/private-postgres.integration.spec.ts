import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { createTestDatabase } from './database';
import { canConnect } from './ports';
import { PrivatePostgres, startPrivatePostgres } from './private-postgres';

describe('startPrivatePostgres', () => {
  let pg: PrivatePostgres | undefined;
  afterEach(async () => {
    await pg?.dispose();
    if (pg) expect(existsSync(pg.dataDir)).toBe(false);
    pg = undefined;
  });

  it('runs a cluster of its own that keeps its data across a stop and a start on the same port', async () => {
    pg = await startPrivatePostgres();
    expect(pg.port).not.toBe(5432);
    const db = await createTestDatabase({ adminUrl: pg.adminUrl, migrate: false });
    const write = new Client({ connectionString: db.url });
    await write.connect();
    await write.query('CREATE TABLE kept (v text)');
    await write.query(`INSERT INTO kept VALUES ('before the stop')`);
    await write.end();

    await pg.stop();
    expect(await canConnect(pg.port)).toBe(false);
    await pg.start();

    const read = new Client({ connectionString: db.url });
    await read.connect();
    expect((await read.query('SELECT v FROM kept')).rows).toEqual([{ v: 'before the stop' }]);
    await read.end();
    await db.drop();
  });
});
