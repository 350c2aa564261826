import { CommonEnv } from '@ams/platform';

export class AlerterEnv extends CommonEnv {
  override PORT = 3003;
}
