import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { AlerterEnv } from './config/alerter.env';

export const APP_NAME = 'alerter';

@Module({})
export class AppModule {
  static register(env: AlerterEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, AlerterEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<AlerterEnv> = {
  name: APP_NAME,
  env: AlerterEnv,
  module: (env) => AppModule.register(env),
};
