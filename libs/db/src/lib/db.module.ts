import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions, DbConnectionOptions } from './data-source';

/** TypeORM for an app: the shared entities, synchronize off, migrations never run at start. */
@Module({})
export class DbModule {
  static forRoot(opts: DbConnectionOptions): DynamicModule {
    return {
      module: DbModule,
      global: true,
      imports: [TypeOrmModule.forRoot({ ...dataSourceOptions(opts), retryAttempts: 3, retryDelay: 1000 })],
      exports: [TypeOrmModule],
    };
  }
}
