import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { AggregatorEnv } from './config/aggregator.env';
import { MaintenanceModule } from './maintenance/maintenance.module';
import { RollupModule } from './rollup/rollup.module';

export const APP_NAME = 'aggregator';

@Module({})
export class AppModule {
  static register(env: AggregatorEnv): DynamicModule {
    const rollups = RollupModule.register(env);
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, AggregatorEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
        ScheduleModule.forRoot(),
        rollups,
        MaintenanceModule.register(env, rollups),
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<AggregatorEnv> = {
  name: APP_NAME,
  env: AggregatorEnv,
  module: (env) => AppModule.register(env),
};
