import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { bootstrap } from '@ams/platform';
import { AppModule, APP_NAME } from './app.module';
import { ApiEnv } from './config/api.env';

void bootstrap({
  name: APP_NAME,
  env: ApiEnv,
  module: (env) => AppModule.register(env),
  configure: (app) => {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('ams-sentinel')
        .setDescription('Exact Amazon Marketing Stream performance, alerts and quarantine')
        .setVersion('1')
        .addBearerAuth()
        .build(),
    );
    SwaggerModule.setup('docs', app, doc, { jsonDocumentUrl: 'docs-json' });
  },
});
