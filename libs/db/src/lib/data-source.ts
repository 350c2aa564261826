import 'reflect-metadata';
import { DataSource, DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export interface DbConnectionOptions {
  url: string;
  poolSize?: number;
  applicationName?: string;
  /** statement timeout in ms for this connection pool (0 = none) */
  statementTimeoutMs?: number;
}

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
    applicationName: opts.applicationName,
    extra: {
      max: opts.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
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
