import { bootstrap } from '@ams/platform';
import { appDefinition } from './app.module';

void bootstrap(appDefinition);
