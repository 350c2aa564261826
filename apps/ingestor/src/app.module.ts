import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { IngestorEnv } from './config/ingestor.env';
import { IngestModule } from './ingest/ingest.module';

export const APP_NAME = 'ingestor';

@Module({})
export class AppModule {
  static register(env: IngestorEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, IngestorEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
        IngestModule,
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<IngestorEnv> = {
  name: APP_NAME,
  env: IngestorEnv,
  module: (env) => AppModule.register(env),
};
