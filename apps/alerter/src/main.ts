import { bootstrap } from '@ams/platform';
import { AppModule, APP_NAME } from './app.module';
import { AlerterEnv } from './config/alerter.env';

void bootstrap({ name: APP_NAME, env: AlerterEnv, module: (env) => AppModule.register(env) });
