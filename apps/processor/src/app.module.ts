import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { ProcessorEnv } from './config/processor.env';
import { IngestModule } from './ingest/ingest.module';
import { QuarantineModule } from './quarantine/quarantine.module';
import { ReplayModule } from './replay/replay.module';

export const APP_NAME = 'processor';

@Module({})
export class AppModule {
  static register(env: ProcessorEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, ProcessorEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
        IngestModule,
        QuarantineModule,
        ReplayModule,
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<ProcessorEnv> = {
  name: APP_NAME,
  env: ProcessorEnv,
  module: (env) => AppModule.register(env),
};
