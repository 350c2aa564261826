import { CommonEnv } from '@ams/platform';

export class AggregatorEnv extends CommonEnv {
  override PORT = 3004;
}
