import { createServer, IncomingMessage, Server } from 'node:http';
import { Client } from 'pg';
import { AMS_QUARANTINE, HEADERS, INGEST_POLLING, IngestPollingRequestV1, QuarantinedBodyV1 } from '@ams/contracts';
import { ConsumedMessage } from '@ams/platform';
import {
  createTestDatabase,
  DEFAULT_NATS_URL,
  fixtureBody,
  SqsEndpoint,
  startPrivateNatsServer,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { Harness, ingestorTestEnv, startHarness, stopHarness } from '../testing/ingestor.harness';

/**
 * Stands in for the SNS API at SNS_ENDPOINT: records every request (so a test can prove that nothing
 * was called, or that SubscribeURL was never fetched) and answers ConfirmSubscription.
 */
interface SnsStub {
  url: string;
  requests: Array<{ path: string; body: string }>;
  close(): Promise<void>;
}
async function startSnsStub(): Promise<SnsStub> {
  const requests: SnsStub['requests'] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', body });
      const arn = 'arn:aws:sns:us-east-1:906013806264:EXAMPLE-TOPIC-NAME:0f0e0d0c-0000-4000-8000-000000000001';
      if (String(req.headers['content-type']).includes('json')) {
        res
          .writeHead(200, { 'content-type': 'application/x-amz-json-1.0' })
          .end(JSON.stringify({ SubscriptionArn: arn }));
      } else {
        res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(
            `<ConfirmSubscriptionResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><ConfirmSubscriptionResult><SubscriptionArn>${arn}</SubscriptionArn></ConfirmSubscriptionResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ConfirmSubscriptionResponse>`,
          );
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((r) => server.close(() => r())) };
}

describe('ingestor: SQS → JetStream (real fauxqs, NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let sns: SnsStub;

  beforeAll(async () => {
    // for every test, not only the first block's: without them the SDK's default credential chain goes on to
    // probe the EC2 metadata endpoint, and a test run alone (-t) hung there
    process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
    sns = await startSnsStub();
  });
  afterAll(async () => {
    await sns?.close();
    await sqs?.stop();
    await db?.drop();
  });

  const envFor = (queueUrl: string, prefix: string, natsUrl = DEFAULT_NATS_URL) => ({
    ...ingestorTestEnv(db, sqs, queueUrl, prefix, natsUrl),
    SNS_ENDPOINT: sns.url,
    SQS_VISIBILITY_TIMEOUT_S: '5',
  });

  describe('with the machine NATS', () => {
    let h: Harness;
    let queueUrl: string;

    beforeAll(async () => {
      const prefix = uniquePrefix('ing');
      queueUrl = await sqs.createQueue(`ams-${prefix}`);
      h = await startHarness(envFor(queueUrl, prefix), DEFAULT_NATS_URL, prefix);
    });
    afterAll(() => stopHarness(h));

    it('publishes a record to ams.<dataset> with its idempotency id, then deletes it from SQS', async () => {
      await sqs.send(queueUrl, fixtureBody('02'));
      const msg = await waitFor(() => h.seen.find((m) => m.subject === 'ams.sp-traffic'), {
        description: 'record in JetStream',
      });
      expect(msg.msgId).toBe('A1EXAMPLEADV01:e96bfd9b-626b-4f96-9d98-04561b68f233');
      expect(msg.json()).toMatchObject({ clicks: 7, impressions: 412, cost: 6.93 });
      expect(msg.headers[HEADERS.sqsMessageId]).toBeTruthy();
      await waitFor(
        async () => {
          const c = await sqs.counts(queueUrl);
          return c.visible === 0 && c.inFlight === 0;
        },
        { description: 'SQS message deleted' },
      );
    });

    it('unwraps an SNS Notification envelope to the same record (deduplicated by JetStream)', async () => {
      const before = h.seen.length;
      await sqs.send(queueUrl, fixtureBody('10'));
      await waitFor(
        async () => (await sqs.counts(queueUrl)).inFlight === 0 && (await sqs.counts(queueUrl)).visible === 0,
      );
      // same idempotency_id as fixture 02: JetStream's Nats-Msg-Id window drops it, nothing new arrives
      await sqs.send(queueUrl, fixtureBody('06'));
      await waitFor(() => h.seen.find((m) => m.subject === 'ams.sb-traffic'), { description: 'sb-traffic record' });
      expect(h.seen.slice(before).filter((m) => m.subject === 'ams.sp-traffic')).toHaveLength(0);
    });

    it('quarantines a body that is not JSON, with its reason and raw body, and deletes it only after that', async () => {
      await sqs.send(queueUrl, 'this is {not json');
      const msg = await waitFor(() => h.seen.find((m) => m.subject === AMS_QUARANTINE.subject), {
        description: 'quarantine message',
      });
      const q = msg.json() as QuarantinedBodyV1;
      expect(q).toMatchObject({ version: 1, code: 'not-json', rawBody: 'this is {not json' });
      expect(q.reason).toMatch(/JSON/);
      await waitFor(
        async () => {
          const c = await sqs.counts(queueUrl);
          return c.visible === 0 && c.inFlight === 0;
        },
        { description: 'quarantined SQS message deleted' },
      );
    });

    it('quarantines an unknown dataset and keeps going', async () => {
      await sqs.send(queueUrl, JSON.stringify({ dataset_id: 'sp-mystery', idempotency_id: 'x' }));
      await sqs.send(queueUrl, fixtureBody('04'));
      const q = await waitFor(() =>
        h.seen.find(
          (m) => m.subject === AMS_QUARANTINE.subject && (m.json() as QuarantinedBodyV1).code === 'unknown-dataset',
        ),
      );
      expect((q.json() as QuarantinedBodyV1).reason).toContain('sp-mystery');
      await waitFor(() => h.seen.find((m) => m.subject === 'ams.sp-conversion'), {
        description: 'next record still flows',
      });
    });

    it('records a confirmation from a topic that is not Amazon’s as refused, and deletes it', async () => {
      const body = JSON.parse(fixtureBody('01'));
      body.TopicArn = 'arn:aws:sns:us-east-1:123456789012:attacker-topic';
      body.SubscribeURL = `${sns.url}/subscribe-url-must-never-be-fetched`;
      const before = sns.requests.length;
      await sqs.send(queueUrl, JSON.stringify(body));
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const row = await waitFor(async () => (await pg.query('SELECT * FROM subscription_confirmation')).rows[0], {
          description: 'confirmation recorded',
        });
        expect(row).toMatchObject({
          outcome: 'refused',
          topic_arn: 'arn:aws:sns:us-east-1:123456789012:attacker-topic',
          dataset_id: null,
        });
      } finally {
        await pg.end();
      }
      await waitFor(async () => (await sqs.counts(queueUrl)).visible + (await sqs.counts(queueUrl)).inFlight === 0);
      expect(sns.requests.slice(before)).toEqual([]);
    });

    it('confirms an Amazon publisher topic through the SNS API (TopicArn + Token), never via SubscribeURL', async () => {
      const body = JSON.parse(fixtureBody('01'));
      body.SubscribeURL = `${sns.url}/subscribe-url-must-never-be-fetched`;
      await sqs.send(queueUrl, JSON.stringify(body));
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        const row = await waitFor(
          async () => (await pg.query(`SELECT * FROM subscription_confirmation WHERE outcome = 'confirmed'`)).rows[0],
          { description: 'confirmation recorded' },
        );
        expect(row).toMatchObject({
          dataset_id: 'sp-traffic',
          realm: 'NA',
          region: 'us-east-1',
          account_id: '906013806264',
        });
        expect(row.subscription_arn).toMatch(/^arn:aws:sns:us-east-1:906013806264:/);
      } finally {
        await pg.end();
      }
      const calls = sns.requests.filter((r) => r.body.includes('ConfirmSubscription') || r.body.includes('Token'));
      expect(calls).toHaveLength(1);
      expect(calls[0].body).toContain(encodeURIComponent(body.TopicArn).slice(0, 20));
      expect(sns.requests.some((r) => r.path.includes('subscribe-url-must-never-be-fetched'))).toBe(false);
    });

    it('quarantines oversized bodies and invalid records with a clear reason; SQL-looking text is stored inert', async () => {
      const big = JSON.stringify({
        ...JSON.parse(fixtureBody('02')),
        idempotency_id: 'big-1',
        keyword_text: 'x'.repeat(300 * 1024),
      });
      const noCampaign = JSON.parse(fixtureBody('02'));
      delete noCampaign.campaign_id;
      noCampaign.idempotency_id = 'no-campaign-1';
      const sql = {
        ...JSON.parse(fixtureBody('02')),
        idempotency_id: 'sql-1',
        keyword_text: "'); DROP TABLE hourly_fact; --",
      };
      await sqs.send(queueUrl, big);
      await sqs.send(queueUrl, JSON.stringify(noCampaign));
      await sqs.send(queueUrl, JSON.stringify(sql));
      const codeOf = (m: ConsumedMessage) =>
        m.subject === AMS_QUARANTINE.subject ? (m.json() as QuarantinedBodyV1) : null;
      const tooLarge = await waitFor(() => h.seen.map(codeOf).find((q) => q?.code === 'too-large'), {
        description: 'too-large quarantined',
      });
      expect(tooLarge?.reason).toMatch(/bytes|KiB|large/i);
      expect(tooLarge?.rawBody.length).toBe(big.length);
      const missing = await waitFor(() => h.seen.map(codeOf).find((q) => q?.reason.includes('campaign_id')), {
        description: 'missing campaign_id quarantined',
      });
      expect(missing?.code).toBe('invalid-record');
      const stored = await waitFor(() => h.seen.find((m) => m.msgId === 'A1EXAMPLEADV01:sql-1'), {
        description: 'SQL-looking record passed on as data',
      });
      expect((stored.json() as { keyword_text: string }).keyword_text).toBe("'); DROP TABLE hourly_fact; --");
    });

    it('pauses and resumes polling on command, without a restart, and remembers it', async () => {
      const paused = await h.js.request(INGEST_POLLING, { enabled: false, reason: 'maintenance' }, 5000);
      expect(paused.enabled).toBe(false);
      // an in-flight long poll may still deliver once; after that nothing is received
      const before = h.seen.length;
      await sqs.send(queueUrl, fixtureBody('07'));
      const stillThere = await waitFor(
        async () => {
          const c = await sqs.counts(queueUrl);
          return c.visible === 1 && c;
        },
        { timeoutMs: 10_000, description: 'message left on the queue while paused' },
      );
      expect(stillThere.visible).toBe(1);
      expect(h.seen.length).toBe(before);
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      const { rows } = await pg.query('SELECT polling_enabled, reason FROM ingest_control');
      await pg.end();
      expect(rows).toEqual([{ polling_enabled: false, reason: 'maintenance' }]);

      const resumed = await h.js.request(INGEST_POLLING, { enabled: true }, 5000);
      expect(resumed.enabled).toBe(true);
      await waitFor(() => h.seen.find((m) => m.subject === 'ams.sd-conversion'), { description: 'polling resumed' });
      await expect(
        h.js.request(INGEST_POLLING, { enabled: 'yes' } as unknown as IngestPollingRequestV1, 5000),
      ).rejects.toThrow(/enabled/);
    });
  });

  it('leaves messages on SQS while NATS is down, backs off, and hands them over once it is back', async () => {
    const nats = await startPrivateNatsServer();
    const prefix = uniquePrefix('ingdown');
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, { visibilityTimeoutS: 2 });
    let h: Harness | undefined;
    try {
      h = await startHarness(
        { ...envFor(queueUrl, prefix, nats.url), SQS_VISIBILITY_TIMEOUT_S: '2' },
        nats.url,
        prefix,
      );
      await nats.stop();
      await sqs.send(queueUrl, fixtureBody('02'));
      // the message is received but can't be handed off: it must still be on the queue a while later
      await waitFor(async () => (await sqs.counts(queueUrl)).inFlight === 1, {
        description: 'message received while NATS is down',
      });
      /** The value of a metric's first series on the ingestor's /metrics (NaN when it has none yet). */
      const metric = async (name: string) => {
        const metrics = await (await fetch(`${h?.app.baseUrl}/metrics`)).text();
        return Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(metrics)?.[1]);
      };
      await waitFor(async () => (await metric('ams_ingest_batch_failures_total')) >= 1, {
        description: 'hand-off failure counted',
      });
      const c = await sqs.counts(queueUrl);
      expect(c.visible + c.inFlight).toBe(1);
      await waitFor(async () => (await metric('ams_ingest_poll_backoff_seconds')) > 0, {
        description: 'polling backed off',
      });

      await nats.start();
      const harness = h;
      // the reconnect itself ends the back-off: the pollers do not wait out the rest of it
      await waitFor(async () => (await metric('ams_ingest_backoff_ended_by_reconnect_total')) >= 1, {
        timeoutMs: 20_000,
        description: 'the back-off ended by the reconnect',
      });
      await waitFor(() => harness.seen.find((m) => m.subject === 'ams.sp-traffic'), {
        timeoutMs: 45_000,
        description: 'record handed over after NATS came back',
      });
      await waitFor(
        async () => {
          const after = await sqs.counts(queueUrl);
          return after.visible === 0 && after.inFlight === 0;
        },
        { timeoutMs: 20_000, description: 'deleted after the PubAck' },
      );
      expect(harness.seen.filter((m) => m.subject === 'ams.sp-traffic')).toHaveLength(1);
    } finally {
      await stopHarness(h);
      await nats.dispose();
    }
  });
});
