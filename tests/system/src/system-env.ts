/**
 * The environment the system tests give the five built apps: their own database, NATS prefix and SQS queue, the
 * SQS endpoint's static test credentials and short long-polls. Each suite adds what it tests on top.
 */
export interface SystemEnvOptions {
  databaseUrl: string;
  natsUrl: string;
  prefix: string;
  queueUrl: string;
  sqsEndpoint: string;
  apiKey: string;
}

export function systemEnv(o: SystemEnvOptions): Record<string, string> {
  return {
    DATABASE_URL: o.databaseUrl,
    DATABASE_POOL_SIZE: '4',
    NATS_URL: o.natsUrl,
    NATS_PREFIX: o.prefix,
    LOG_LEVEL: 'info',
    SQS_QUEUE_URLS: o.queueUrl,
    SQS_ENDPOINT: o.sqsEndpoint,
    SQS_WAIT_TIME_SECONDS: '1',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    API_KEYS: o.apiKey,
    PROCESSOR_ACK_WAIT_MS: '5000',
  };
}
