import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { AggregatorEnv } from './config/aggregator.env';

export const APP_NAME = 'aggregator';

@Module({})
export class AppModule {
  static register(env: AggregatorEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, AggregatorEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<AggregatorEnv> = {
  name: APP_NAME,
  env: AggregatorEnv,
  module: (env) => AppModule.register(env),
};
