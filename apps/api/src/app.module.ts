import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { platformImports } from '@ams/platform';
import { ApiEnv } from './config/api.env';
import { PerformanceModule } from './performance/performance.module';

export const APP_NAME = 'api';

@Module({})
export class AppModule {
  static register(env: ApiEnv): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ...platformImports(APP_NAME, ApiEnv, env),
        DbModule.forRoot({
          url: env.DATABASE_URL,
          poolSize: env.DATABASE_POOL_SIZE,
          applicationName: APP_NAME,
          statementTimeoutMs: 10_000,
        }),
        PerformanceModule,
      ],
    };
  }
}
