import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { AlertsModule } from './alerts/alerts.module';
import { AlerterEnv } from './config/alerter.env';
import { DeliveryModule } from './delivery/delivery.module';
import { EvaluationModule } from './evaluation/evaluation.module';
import { RulesModule } from './rules/rules.module';

export const APP_NAME = 'alerter';

@Module({})
export class AppModule {
  static register(env: AlerterEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, AlerterEnv, env),
        DbModule.forRoot({ url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE, applicationName: APP_NAME }),
        DeliveryModule,
        RulesModule,
        AlertsModule,
        EvaluationModule,
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<AlerterEnv> = {
  name: APP_NAME,
  env: AlerterEnv,
  module: (env) => AppModule.register(env),
};
