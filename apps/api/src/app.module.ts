import { DynamicModule, Module } from '@nestjs/common';
import { DbModule } from '@ams/db';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { BootstrapOptions, platformImports } from '@ams/platform';
import { describeScopes } from './auth/scope';
import { ApiEnv } from './config/api.env';
import { ReplicaModule } from './replica/replica.module';
import { V1Module } from './v1.module';
import { contentSecurityPolicy, inlineScriptHashes, readIndexHtml, resolveWebDist } from './web/web-dist';
import { WebModule } from './web/web.module';

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
        ReplicaModule,
        V1Module,
        WebModule.register(resolveWebDist(env.WEB_DIST_DIR)),
      ],
    };
  }
}

export const appDefinition: BootstrapOptions<ApiEnv> = {
  name: APP_NAME,
  env: ApiEnv,
  module: (env) => AppModule.register(env),
  configure: (app, env) => {
    const express = app.getHttpAdapter().getInstance() as {
      set(name: string, value: unknown): void;
      disable(name: string): void;
    };
    express.set('trust proxy', trustProxy(env.API_TRUST_PROXY));
    express.disable('x-powered-by');
    // security headers on every answer (helmet's: HSTS, nosniff, frame SAMEORIGIN …) with the dashboard's CSP: its own
    // scripts and styles, inline scripts of its index.html by hash only, requests to this origin only
    const indexHtml = readIndexHtml(resolveWebDist(env.WEB_DIST_DIR));
    app.use(
      helmet({
        contentSecurityPolicy: {
          useDefaults: false,
          directives: contentSecurityPolicy(indexHtml ? inlineScriptHashes(indexHtml) : []),
        },
      }),
    );
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('ams-sentinel')
        .setDescription('Exact Amazon Marketing Stream performance, alerts and quarantine')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    describeScopes(doc);
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
  },
};

/** API_TRUST_PROXY as Express's `trust proxy` value. */
export function trustProxy(v: string): boolean | number | string {
  if (v === '' || v === 'false') return false;
  if (v === 'true') return true;
  if (/^\d+$/.test(v)) return Number(v);
  return v;
}
