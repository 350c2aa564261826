import { bootstrap } from '@ams/platform';
import { AppModule, APP_NAME } from './app.module';
import { ProcessorEnv } from './config/processor.env';

void bootstrap({ name: APP_NAME, env: ProcessorEnv, module: (env) => AppModule.register(env) });
