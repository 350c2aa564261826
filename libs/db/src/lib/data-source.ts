import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { BoundedQueryLogger } from './query-logger';

export interface DbConnectionOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** statement timeout in ms for this connection pool (0 = none) */
  statementTimeoutMs?: number;
}

/**
 * Startup options of every connection we open: the session TimeZone is UTC whatever the server's or the database's
 * `TimeZone`, so no timestamp/timestamptz conversion, `::date` of an instant or text rendering of one can shift by the
 * server's local hours. (A client's startup option overrides `ALTER DATABASE … SET timezone`.)
 */
export const PG_SESSION_OPTIONS = '-c TimeZone=UTC';

/** The one place that turns a database URL into TypeORM options: schema only through migrations. */
export function dataSourceOptions(opts: DbConnectionOptions): DataSourceOptions {
  return {
    type: 'postgres',
    url: opts.url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    synchronize: false,
    migrationsRun: false,
    logging: ['error'],
    logger: new BoundedQueryLogger(),
    applicationName: opts.applicationName,
    extra: {
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      options: PG_SESSION_OPTIONS,
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    },
  };
}

/** Runs pending migrations and returns the names of those applied. */
export async function runMigrations(url: string): Promise<string[]> {
  const ds = new DataSource(dataSourceOptions({ url, poolSize: 1, applicationName: 'ams-sentinel-migrate' }));
  await ds.initialize();
  try {
    const applied = await ds.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}
