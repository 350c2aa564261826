/**
 * Test harness of the ingestor (integration specs only; not part of the app): the app in-process and a
 * JetStream consumer on the AMS stream that collects every record the ingestor handed off, in order.
 * `stopHarness` is safe on a harness that never started (undefined).
 */
import { AMS_RECORDS, STREAMS } from '@ams/contracts';
import { ConsumedMessage, ConsumerHandle, JetStreamService } from '@ams/platform';
import { DEFAULT_NATS_URL, type SqsEndpoint, type TestDatabase } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { IngestorEnv } from '../config/ingestor.env';

/**
 * The env every ingestor spec starts from: its database and NATS prefix, one queue on the fauxqs endpoint
 * polled with 1 s long polls by 2 pollers, and static AWS credentials. Specs add or override the rest.
 */
export function ingestorTestEnv(
  db: Pick<TestDatabase, 'url'>,
  sqs: Pick<SqsEndpoint, 'endpoint'>,
  queueUrl: string,
  prefix: string,
  natsUrl = DEFAULT_NATS_URL,
): Record<string, string> {
  return {
    ...baseTestEnv(db, prefix, natsUrl),
    SQS_QUEUE_URLS: queueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    SQS_WAIT_TIME_SECONDS: '1',
    SQS_CONCURRENCY: '2',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  };
}

export interface Harness {
  app: RunningTestApp<IngestorEnv>;
  js: JetStreamService;
  /** every message the ingestor published to the AMS stream, as consumed */
  seen: ConsumedMessage[];
  consumer: ConsumerHandle;
}

/** Starts the ingestor with `env` and a collecting consumer on `prefix`'s AMS stream at `natsUrl`. */
export async function startHarness(
  env: Record<string, string>,
  natsUrl: string,
  prefix: string,
  connectionName = 'ingestor-spec',
): Promise<Harness> {
  const app = await startNestApp(appDefinition, env);
  const js = new JetStreamService({ url: natsUrl, prefix, connectionName });
  await js.connect();
  const seen: ConsumedMessage[] = [];
  const consumer = await js.consumeBatches(
    {
      stream: STREAMS.ams.name,
      durable: 'spec',
      filterSubject: AMS_RECORDS.filter,
      maxBatch: 100,
      maxWaitMs: 10,
      ackWaitMs: 10_000,
    },
    async (batch) => {
      seen.push(...batch);
    },
  );
  return { app, js, seen, consumer };
}

export async function stopHarness(h: Harness | undefined): Promise<void> {
  await h?.consumer.stop();
  await h?.app.close();
  await h?.js.close();
}
