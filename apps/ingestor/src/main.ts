import { bootstrap } from '@ams/platform';
import { AppModule, APP_NAME } from './app.module';
import { IngestorEnv } from './config/ingestor.env';

void bootstrap({ name: APP_NAME, env: IngestorEnv, module: (env) => AppModule.register(env) });
