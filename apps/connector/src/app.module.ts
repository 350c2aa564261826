import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { AutomationModule } from './automation/automation.module';
import { ConnectorEnv } from './config/connector.env';
import { ConnectionModule } from './connection/connection.module';
import { SyncModule } from './sync/sync.module';

export const APP_NAME = 'connector';

@Module({})
export class AppModule {
  static register(env: ConnectorEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, ConnectorEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
        ConnectionModule,
        SyncModule,
        AutomationModule,
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<ConnectorEnv> = {
  name: APP_NAME,
  env: ConnectorEnv,
  module: (env) => AppModule.register(env),
};
