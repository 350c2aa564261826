import { bootstrap } from '@ams/platform';
import { AppModule, APP_NAME } from './app.module';
import { AggregatorEnv } from './config/aggregator.env';

void bootstrap({ name: APP_NAME, env: AggregatorEnv, module: (env) => AppModule.register(env) });
