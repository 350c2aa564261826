import { ChangeMessageVisibilityCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { Client } from 'pg';
import { DEAD_LETTER_REDRIVE, INGEST_QUEUE_STATUS, IngestQueueStatusRequestV1 } from '@ams/contracts';
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
import { RunningTestApp } from '@ams/testing/nest';
import { Harness, ingestorTestEnv, startHarness, stopHarness } from '../testing/ingestor.harness';

/** An sp-traffic record of its own (distinct idempotency id). */
const record = (id: string) => JSON.stringify({ ...JSON.parse(fixtureBody('02')), idempotency_id: `outage-${id}` });
const msgIdOf = (id: string) => `A1EXAMPLEADV01:outage-${id}`;

/** Keeps a fault in place for `ms` (the outage's length is the point, not an outcome to wait for). */
async function hold(ms: number, what: string): Promise<void> {
  const until = Date.now() + ms;
  await waitFor(() => Date.now() >= until, { timeoutMs: ms + 5_000, intervalMs: 250, description: what });
}

/** The value of a metric series on an app's /metrics whose labels contain `labels` (NaN when absent). */
async function metric(app: RunningTestApp<unknown>, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${app.baseUrl}/metrics`)).text();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}(\\{[^}]*\\})? (\\S+)$`).exec(line);
    if (m && (m[1] ?? '').includes(labels)) return Number(m[2]);
  }
  return Number.NaN;
}

describe('ingestor: a long NATS outage loses nothing to the dead-letter queue (real fauxqs, NATS, PostgreSQL)', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;

  beforeAll(async () => {
    process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
  });
  afterAll(async () => {
    await sqs?.stop();
    await db?.drop();
  });

  const envFor = (queueUrl: string, prefix: string, natsUrl = DEFAULT_NATS_URL) => ({
    ...ingestorTestEnv(db, sqs, queueUrl, prefix, natsUrl),
    SQS_VISIBILITY_TIMEOUT_S: '3',
    SQS_QUEUE_STATUS_INTERVAL_S: '1',
    INGEST_PROBE_MAX_INTERVAL_MS: '1000',
    SNS_CONFIRM_ENABLED: 'false',
  });

  it('stops receiving while NATS is down, holds what it received, and dead-letters nothing (maxReceiveCount 3, 20 s down)', async () => {
    const nats = await startPrivateNatsServer();
    const prefix = uniquePrefix('outage');
    const dlqName = `ams-${prefix}-dlq`;
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, {
      visibilityTimeoutS: 3,
      dlq: { name: dlqName, maxReceiveCount: 3 },
    });
    const dlqUrl = await sqs.createQueue(dlqName);
    // one message already received twice (a crashed replica, say): one more receive given back would dead-letter it
    await sqs.send(queueUrl, record('near-max'));
    for (let i = 0; i < 2; i++) {
      const got = await waitFor(
        async () =>
          (await sqs.client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }))).Messages?.[0],
      );
      await sqs.client.send(
        new ChangeMessageVisibilityCommand({
          QueueUrl: queueUrl,
          ReceiptHandle: got.ReceiptHandle,
          VisibilityTimeout: 0,
        }),
      );
    }
    let h: Harness | undefined;
    try {
      h = await startHarness(
        { ...envFor(queueUrl, prefix, nats.url), SQS_RECEIVE_COUNT_MARGIN: '0' },
        nats.url,
        prefix,
        'outage-spec',
      );
      const app = h.app;
      await waitFor(() => h?.seen.some((m) => m.msgId === msgIdOf('near-max')), {
        timeoutMs: 20_000,
        description: 'the near-max message handed off',
      });

      await nats.stop();
      const ids = Array.from({ length: 12 }, (_, i) => `during-${i}`);
      await sqs.sendMany(queueUrl, ids.map(record));
      await waitFor(async () => (await metric(app, 'ams_ingest_batch_failures_total')) >= 1, {
        timeoutMs: 30_000,
        description: 'a hand-off failed',
      });
      await hold(20_000, 'NATS down');
      // with visibility 3 s and maxReceiveCount 3, any message given back and received again would be dead-lettered by now
      const dlq = await sqs.counts(dlqUrl);
      expect(dlq.visible + dlq.inFlight).toBe(0);
      const q = await sqs.counts(queueUrl);
      expect(q.visible + q.inFlight).toBe(12);
      expect(await metric(app, 'ams_ingest_handoff_open')).toBe(0);
      expect(await metric(app, 'ams_ingest_held_messages')).toBeGreaterThan(0);
      expect(await metric(app, 'ams_ingest_poll_backoff_seconds')).toBeGreaterThan(0);
      expect(await metric(app, 'ams_ingest_handoff_probes_total', 'outcome="no-answer"')).toBeGreaterThan(0);

      await nats.start();
      const harness = h;
      await waitFor(async () => (await metric(app, 'ams_ingest_backoff_ended_by_reconnect_total')) >= 1, {
        timeoutMs: 20_000,
        description: 'the reconnect probed at once',
      });
      await waitFor(() => ids.every((id) => harness.seen.some((m) => m.msgId === msgIdOf(id))), {
        timeoutMs: 45_000,
        description: 'every record handed over',
      });
      await waitFor(
        async () => {
          const after = await sqs.counts(queueUrl);
          return after.visible === 0 && after.inFlight === 0;
        },
        { timeoutMs: 20_000, description: 'queue empty' },
      );
      expect(await metric(app, 'ams_ingest_handoff_open')).toBe(1);
      const dlqAfter = await sqs.counts(dlqUrl);
      expect(dlqAfter.visible + dlqAfter.inFlight).toBe(0);
      // held, not given back: each message was received once, so none of them came back a second time
      expect(await metric(app, 'ams_ingest_messages_given_back_total')).toBeNaN();
      // the redrive policy was read, and the message received a third time was counted as near its maximum
      expect(await metric(app, 'ams_sqs_queue_max_receive_count', `queue="ams-${prefix}"`)).toBe(3);
      expect(await metric(app, 'ams_ingest_messages_near_max_receive_total', `queue="ams-${prefix}"`)).toBe(1);
    } finally {
      await stopHarness(h);
      await nats.dispose();
    }
  }, 150_000);

  it('stays up and stores the records when the confirmation in the same receive cannot be recorded; the confirmation is kept for a retry', async () => {
    const prefix = uniquePrefix('confirm');
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, { visibilityTimeoutS: 3 });
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown) => rejections.push(reason);
    process.on('unhandledRejection', onRejection);
    let h: Harness | undefined;
    try {
      await pg.query(
        `CREATE OR REPLACE FUNCTION outage_spec_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected: confirmation table refuses writes'; END $$`,
      );
      await pg.query(
        `CREATE TRIGGER outage_spec_refuse BEFORE INSERT ON subscription_confirmation FOR EACH ROW EXECUTE FUNCTION outage_spec_refuse()`,
      );
      const confirmation = JSON.parse(fixtureBody('01'));
      confirmation.TopicArn = 'arn:aws:sns:us-east-1:123456789012:not-amazon';
      // both in the queue before the ingestor starts: its first receive holds them together
      await sqs.sendMany(queueUrl, [JSON.stringify(confirmation), record('with-confirmation')]);
      h = await startHarness(
        { ...envFor(queueUrl, prefix), SQS_CONCURRENCY: '1' },
        DEFAULT_NATS_URL,
        prefix,
        'outage-spec',
      );
      const harness = h;
      await waitFor(() => harness.seen.some((m) => m.msgId === msgIdOf('with-confirmation')), {
        timeoutMs: 20_000,
        description: 'record handed over',
      });
      // the record's message is deleted, the confirmation's stays on SQS for a retry
      await waitFor(
        async () => {
          const c = await sqs.counts(queueUrl);
          return c.visible + c.inFlight === 1;
        },
        { timeoutMs: 15_000, description: "the record's message deleted, the confirmation's kept" },
      );
      expect(rejections).toEqual([]);
      expect(await metric(harness.app, 'ams_ingest_subscription_confirmation_errors_total')).toBeGreaterThanOrEqual(1);
      // the process is up: it still answers, and once the table takes writes again the retried confirmation is recorded
      expect((await fetch(`${harness.app.baseUrl}/health/live`)).status).toBe(200);
      await pg.query(`DROP TRIGGER outage_spec_refuse ON subscription_confirmation`);
      const row = await waitFor(
        async () =>
          (
            await pg.query(`SELECT outcome FROM subscription_confirmation WHERE topic_arn = $1`, [
              confirmation.TopicArn,
            ])
          ).rows[0],
        {
          timeoutMs: 30_000,
          description: 'confirmation recorded on retry',
        },
      );
      expect(row).toEqual({ outcome: 'refused' });
      await waitFor(
        async () => {
          const after = await sqs.counts(queueUrl);
          return after.visible === 0 && after.inFlight === 0;
        },
        { timeoutMs: 20_000, description: 'confirmation deleted after it was recorded' },
      );
      expect(rejections).toEqual([]);
    } finally {
      process.off('unhandledRejection', onRejection);
      await pg.query(`DROP TRIGGER IF EXISTS outage_spec_refuse ON subscription_confirmation`).catch(() => undefined);
      await pg.end();
      await stopHarness(h);
    }
  }, 90_000);

  it('reports every queue and its dead-letter queue: depth on /metrics and over cmd.ingestor.queue-status.v1', async () => {
    const prefix = uniquePrefix('qstatus');
    const dlqName = `ams-${prefix}-dlq`;
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, {
      visibilityTimeoutS: 3,
      dlq: { name: dlqName, maxReceiveCount: 5 },
    });
    const dlqUrl = await sqs.createQueue(dlqName);
    await sqs.sendMany(dlqUrl, [record('dead-1'), record('dead-2')]);
    let h: Harness | undefined;
    try {
      h = await startHarness(envFor(queueUrl, prefix), DEFAULT_NATS_URL, prefix, 'outage-spec');
      const app = h.app;
      const reply = await h.js.request(INGEST_QUEUE_STATUS, { fresh: true }, 5000);
      expect(reply.handOffOpen).toBe(true);
      expect(reply.queues).toHaveLength(1);
      const [s] = reply.queues;
      expect(s).toMatchObject({
        queue: `ams-${prefix}`,
        maxReceiveCount: 5,
        depth: { visible: 0, notVisible: 0, delayed: 0 },
      });
      expect(s.deadLetter).toMatchObject({ queue: dlqName, visible: 2, notVisible: 0, delayed: 0 });
      expect(s.deadLetter?.oldestAgeSeconds).toEqual(expect.any(Number));
      // the peek left them where they were
      expect(await sqs.counts(dlqUrl)).toEqual({ visible: 2, inFlight: 0 });
      await waitFor(
        async () =>
          (await metric(app, 'ams_sqs_queue_messages', `queue="${dlqName}",role="dlq",state="visible"`)) === 2,
        {
          description: 'dead-letter depth on /metrics',
        },
      );
      expect(
        await metric(app, 'ams_sqs_queue_oldest_message_age_seconds', `queue="${dlqName}",role="dlq"`),
      ).toBeGreaterThanOrEqual(0);
      await expect(
        h.js.request(INGEST_QUEUE_STATUS, { fresh: 'yes' } as unknown as IngestQueueStatusRequestV1, 5000),
      ).rejects.toThrow(/fresh/);
    } finally {
      await stopHarness(h);
    }
  }, 60_000);

  it('redrives dead-letter messages to their source queue (receive, send, delete where the endpoint has no move task), at most maxMessages', async () => {
    const prefix = uniquePrefix('redrive');
    const dlqName = `ams-${prefix}-dlq`;
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, {
      visibilityTimeoutS: 3,
      dlq: { name: dlqName, maxReceiveCount: 5 },
    });
    const dlqUrl = await sqs.createQueue(dlqName);
    const ids = ['dlq-a', 'dlq-b', 'dlq-c'];
    await sqs.sendMany(dlqUrl, ids.map(record));
    let h: Harness | undefined;
    try {
      h = await startHarness(envFor(queueUrl, prefix), DEFAULT_NATS_URL, prefix, 'outage-spec');
      const harness = h;
      const one = await h.js.request(DEAD_LETTER_REDRIVE, { queue: `ams-${prefix}`, maxMessages: 1 }, 10_000);
      expect(one).toEqual({
        moved: 1,
        queues: [{ queue: `ams-${prefix}`, deadLetterQueue: dlqName, moved: 1, method: 'receive-send-delete' }],
      });
      const left = await sqs.counts(dlqUrl);
      expect(left.visible + left.inFlight).toBe(2);
      const rest = await h.js.request(DEAD_LETTER_REDRIVE, {}, 10_000);
      expect(rest.moved).toBe(2);
      await waitFor(() => ids.every((id) => harness.seen.some((m) => m.msgId === msgIdOf(id))), {
        timeoutMs: 20_000,
        description: 'redriven records handed over',
      });
      await waitFor(
        async () => {
          const [q, d] = [await sqs.counts(queueUrl), await sqs.counts(dlqUrl)];
          return q.visible + q.inFlight + d.visible + d.inFlight === 0;
        },
        { timeoutMs: 20_000, description: 'both queues empty' },
      );
      await expect(h.js.request(DEAD_LETTER_REDRIVE, { queue: 'no-such-queue' }, 5000)).rejects.toThrow(/not polled/);
      await expect(h.js.request(DEAD_LETTER_REDRIVE, { maxMessages: 0 }, 5000)).rejects.toThrow(/maxMessages/);
    } finally {
      await stopHarness(h);
    }
  }, 60_000);
});
