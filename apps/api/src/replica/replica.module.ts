import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '@ams/db';
import { ApiEnv } from '../config/api.env';
import { READ_REPLICA, ReadDb } from './read-db.service';

/**
 * The read replica (DATABASE_READ_URL, optional): a second TypeORM DataSource, its own pool of DATABASE_POOL_SIZE
 * connections, and ReadDb, which sends each read to it or to the primary. Global: the read paths' repositories inject
 * ReadDb.
 */
@Global()
@Module({
  providers: [
    {
      provide: READ_REPLICA,
      inject: [ApiEnv],
      useFactory: async (env: ApiEnv): Promise<DataSource | null> => {
        if (!env.DATABASE_READ_URL) return null;
        const ds = new DataSource(
          dataSourceOptions({
            url: env.DATABASE_READ_URL,
            poolSize: env.DATABASE_POOL_SIZE,
            applicationName: 'api-read',
            statementTimeoutMs: 10_000,
          }),
        );
        return ds.initialize();
      },
    },
    ReadDb,
  ],
  exports: [ReadDb],
})
export class ReplicaModule {}
