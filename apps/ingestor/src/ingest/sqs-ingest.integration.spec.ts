import { Client } from 'pg';
import { AMS_QUARANTINE_SUBJECT, HEADERS, QuarantinedBodyV1, STREAMS } from '@ams/contracts';
import { ConsumedMessage, ConsumerHandle, JetStreamService } from '@ams/platform';
import {
  baseTestEnv,
  createTestDatabase,
  DEFAULT_NATS_URL,
  fixtureBody,
  RunningTestApp,
  SqsEndpoint,
  startNestApp,
  startPrivateNatsServer,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { appDefinition } from '../app.module';
import { IngestorEnv } from '../config/ingestor.env';

interface Harness {
  app: RunningTestApp<IngestorEnv>;
  js: JetStreamService;
  seen: ConsumedMessage[];
  consumer: ConsumerHandle;
}

async function startHarness(env: Record<string, string>, natsUrl: string, prefix: string): Promise<Harness> {
  const app = await startNestApp(appDefinition, env);
  const js = new JetStreamService({ url: natsUrl, prefix, connectionName: 'ingestor-spec' });
  await js.connect();
  const seen: ConsumedMessage[] = [];
  const consumer = await js.consumeBatches(
    { stream: STREAMS.ams.name, durable: 'spec', filterSubject: STREAMS.ams.subjects[0], maxBatch: 100, maxWaitMs: 10, ackWaitMs: 10_000 },
    async (batch) => {
      seen.push(...batch);
    },
  );
  return { app, js, seen, consumer };
}

async function stopHarness(h: Harness | undefined): Promise<void> {
  await h?.consumer.stop();
  await h?.app.close();
  await h?.js.close();
}

describe('ingestor: SQS → JetStream (real fauxqs, NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;

  beforeAll(async () => {
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
  });
  afterAll(async () => {
    await sqs?.stop();
    await db?.drop();
  });

  const envFor = (queueUrl: string, prefix: string, natsUrl = DEFAULT_NATS_URL) => ({
    ...baseTestEnv(db, prefix, natsUrl),
    SQS_QUEUE_URLS: queueUrl,
    SQS_ENDPOINT: sqs.endpoint,
    SQS_WAIT_TIME_SECONDS: '1',
    SQS_VISIBILITY_TIMEOUT_S: '5',
    SQS_CONCURRENCY: '2',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });

  describe('with the machine NATS', () => {
    let h: Harness;
    let queueUrl: string;

    beforeAll(async () => {
      const prefix = uniquePrefix('ing');
      queueUrl = await sqs.createQueue(`ams-${prefix}`);
      process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
      process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
      h = await startHarness(envFor(queueUrl, prefix), DEFAULT_NATS_URL, prefix);
    });
    afterAll(() => stopHarness(h));

    it('publishes a record to ams.<dataset> with its idempotency id, then deletes it from SQS', async () => {
      await sqs.send(queueUrl, fixtureBody('02'));
      const msg = await waitFor(() => h.seen.find((m) => m.subject === 'ams.sp-traffic'), { description: 'record in JetStream' });
      expect(msg.msgId).toBe('e96bfd9b-626b-4f96-9d98-04561b68f233');
      expect(msg.json()).toMatchObject({ clicks: 7, impressions: 412, cost: 6.93 });
      expect(msg.headers[HEADERS.sqsMessageId]).toBeTruthy();
      await waitFor(async () => {
        const c = await sqs.counts(queueUrl);
        return c.visible === 0 && c.inFlight === 0;
      }, { description: 'SQS message deleted' });
    });

    it('unwraps an SNS Notification envelope to the same record (deduplicated by JetStream)', async () => {
      const before = h.seen.length;
      await sqs.send(queueUrl, fixtureBody('10'));
      await waitFor(async () => (await sqs.counts(queueUrl)).inFlight === 0 && (await sqs.counts(queueUrl)).visible === 0);
      // same idempotency_id as fixture 02: JetStream's Nats-Msg-Id window drops it, nothing new arrives
      await sqs.send(queueUrl, fixtureBody('06'));
      await waitFor(() => h.seen.find((m) => m.subject === 'ams.sb-traffic'), { description: 'sb-traffic record' });
      expect(h.seen.slice(before).filter((m) => m.subject === 'ams.sp-traffic')).toHaveLength(0);
    });

    it('quarantines a body that is not JSON, with its reason and raw body, and deletes it only after that', async () => {
      await sqs.send(queueUrl, 'this is {not json');
      const msg = await waitFor(() => h.seen.find((m) => m.subject === AMS_QUARANTINE_SUBJECT), { description: 'quarantine message' });
      const q = msg.json() as QuarantinedBodyV1;
      expect(q).toMatchObject({ version: 1, code: 'not-json', rawBody: 'this is {not json' });
      expect(q.reason).toMatch(/JSON/);
      await waitFor(async () => {
        const c = await sqs.counts(queueUrl);
        return c.visible === 0 && c.inFlight === 0;
      }, { description: 'quarantined SQS message deleted' });
    });

    it('quarantines an unknown dataset and keeps going', async () => {
      await sqs.send(queueUrl, JSON.stringify({ dataset_id: 'sp-mystery', idempotency_id: 'x' }));
      await sqs.send(queueUrl, fixtureBody('04'));
      const q = await waitFor(() => h.seen.find((m) => m.subject === AMS_QUARANTINE_SUBJECT && (m.json() as QuarantinedBodyV1).code === 'unknown-dataset'));
      expect((q.json() as QuarantinedBodyV1).reason).toContain('sp-mystery');
      await waitFor(() => h.seen.find((m) => m.subject === 'ams.sp-conversion'), { description: 'next record still flows' });
    });

    it('records a confirmation from a topic that is not Amazon’s as refused, and deletes it', async () => {
      const body = JSON.parse(fixtureBody('01'));
      body.TopicArn = 'arn:aws:sns:us-east-1:123456789012:attacker-topic';
      body.SubscribeURL = 'http://127.0.0.1:9/never-fetched';
      await sqs.send(queueUrl, JSON.stringify(body));
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const row = await waitFor(async () => (await pg.query('SELECT * FROM subscription_confirmation')).rows[0], { description: 'confirmation recorded' });
        expect(row).toMatchObject({ outcome: 'refused', topic_arn: 'arn:aws:sns:us-east-1:123456789012:attacker-topic', dataset_id: null });
      } finally {
        await pg.end();
      }
      await waitFor(async () => (await sqs.counts(queueUrl)).visible + (await sqs.counts(queueUrl)).inFlight === 0);
    });
  });

  it('leaves messages on SQS while NATS is down, backs off, and hands them over once it is back', async () => {
    const nats = await startPrivateNatsServer();
    const prefix = uniquePrefix('ingdown');
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, { visibilityTimeoutS: 2 });
    let h: Harness | undefined;
    try {
      h = await startHarness({ ...envFor(queueUrl, prefix, nats.url), SQS_VISIBILITY_TIMEOUT_S: '2' }, nats.url, prefix);
      await nats.stop();
      await sqs.send(queueUrl, fixtureBody('02'));
      // the message is received but can't be handed off: it must still be on the queue a while later
      await waitFor(async () => (await sqs.counts(queueUrl)).inFlight === 1, { description: 'message received while NATS is down' });
      await waitFor(async () => {
        const metrics = await (await fetch(`${h?.app.baseUrl}/metrics`)).text();
        return /ams_ingest_batch_failures_total\{[^}]*\} [1-9]/.test(metrics);
      }, { description: 'hand-off failure counted' });
      const c = await sqs.counts(queueUrl);
      expect(c.visible + c.inFlight).toBe(1);

      await nats.start();
      const harness = h;
      await waitFor(() => harness.seen.find((m) => m.subject === 'ams.sp-traffic'), { timeoutMs: 45_000, description: 'record handed over after NATS came back' });
      await waitFor(async () => {
        const after = await sqs.counts(queueUrl);
        return after.visible === 0 && after.inFlight === 0;
      }, { timeoutMs: 20_000, description: 'deleted after the PubAck' });
      expect(harness.seen.filter((m) => m.subject === 'ams.sp-traffic')).toHaveLength(1);
    } finally {
      await stopHarness(h);
      await nats.dispose();
    }
  });
});
