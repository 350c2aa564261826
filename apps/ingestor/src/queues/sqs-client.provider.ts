import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { SQSClient } from '@aws-sdk/client-sqs';
import { IngestorEnv } from '../config/ingestor.env';

/** The process's one SQS client (pollers, queue status, redrive), destroyed last. */
@Injectable()
export class SqsClientProvider implements OnApplicationShutdown {
  readonly client: SQSClient;

  constructor(env: IngestorEnv) {
    this.client = new SQSClient({
      region: env.AWS_REGION,
      ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}),
    });
  }

  onApplicationShutdown(): void {
    this.client.destroy();
  }
}
