import {
  createTestDatabase,
  fixtureBody,
  SqsEndpoint,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
// the real ingestor answers the api's commands (one process, one NATS prefix): no stand-in for our own code
// eslint-disable-next-line @nx/enforce-module-boundaries
import { appDefinition as ingestorDefinition } from '../../../ingestor/src/app.module';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'dead-letters-spec-key-0123456789';

describe('api: dead-letter visibility in GET /health and POST /v1/dead-letters/redrive (real ingestor, fauxqs, NATS)', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let api: RunningTestApp<ApiEnv>;
  let ingestor: RunningTestApp<unknown> | undefined;
  let queueUrl: string;
  let dlqUrl: string;
  const prefix = uniquePrefix('deadletters');
  const queue = `ams-${prefix}`;
  const dlqName = `ams-${prefix}-dlq`;

  beforeAll(async () => {
    process.env['AWS_ACCESS_KEY_ID'] ??= 'test';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'test';
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
    queueUrl = await sqs.createQueue(queue, { visibilityTimeoutS: 3, dlq: { name: dlqName, maxReceiveCount: 5 } });
    dlqUrl = await sqs.createQueue(dlqName);
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, prefix),
      API_KEYS: KEY,
      API_RATE_LIMIT_PER_MINUTE: '1000',
      SQS_QUEUE_URLS: queueUrl,
    });
  });
  afterAll(async () => {
    await ingestor?.close();
    await api?.close();
    await sqs?.stop();
    await db?.drop();
  });

  const health = async (key: string | null = KEY) =>
    (await (
      await fetch(`${api.baseUrl}/health`, { headers: key ? { authorization: `Bearer ${key}` } : {} })
    ).json()) as {
      integrations: { pipeline: Record<string, unknown> };
    };
  const redrive = (body: unknown, key: string | null = KEY) =>
    fetch(`${api.baseUrl}/v1/dead-letters/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}) },
      body: JSON.stringify(body),
    });

  it('says "unknown" quickly when no ingestor answers, and a redrive is a 503', async () => {
    const t0 = Date.now();
    const h = await health();
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(h.integrations.pipeline).toMatchObject({ status: 'unknown' });
    expect(String(h.integrations.pipeline['reason'])).toMatch(/no ingestor answered/);
    const res = await redrive({});
    expect(res.status).toBe(503);
  });

  it('shows the dead-letter depth, refuses bad input naming the field, and moves the messages back', async () => {
    const record = (id: string) => JSON.stringify({ ...JSON.parse(fixtureBody('02')), idempotency_id: `dl-${id}` });
    await sqs.sendMany(dlqUrl, [record('1'), record('2')]);
    ingestor = await startNestApp(ingestorDefinition, {
      ...baseTestEnv(db, prefix),
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_S: '3',
      SQS_QUEUE_STATUS_INTERVAL_S: '1',
      SNS_CONFIRM_ENABLED: 'false',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const degraded = await waitFor(
      async () => {
        const p = (await health()).integrations.pipeline;
        return p['status'] === 'degraded' && p;
      },
      { timeoutMs: 15_000, description: 'pipeline degraded by the dead-letter queue' },
    );
    expect(degraded).toMatchObject({ handOffOpen: true, deadLetterMessages: 2 });
    expect((degraded['queues'] as unknown[])[0]).toMatchObject({
      queue,
      maxReceiveCount: 5,
      deadLetter: { queue: dlqName, visible: 2 },
    });
    // without a key: the state and the dead-lettered count, no queue names
    const anonymous = (await health(null)).integrations.pipeline;
    expect(anonymous).toMatchObject({ status: 'degraded', deadLetterMessages: 2 });
    expect(anonymous).not.toHaveProperty('queues');

    expect((await redrive({}, null)).status).toBe(401);
    const bad = await redrive({ maxMessages: 0, queue: 'not a queue!' });
    expect(bad.status).toBe(400);
    const fields = ((await bad.json()) as { errors: Array<{ field: string }> }).errors.map((e) => e.field).sort();
    expect(fields).toEqual(['maxMessages', 'queue']);
    const unknownQueue = await redrive({ queue: 'ams-not-polled' });
    expect(unknownQueue.status).toBe(404);

    const moved = await redrive({ queue });
    expect(moved.status).toBe(200);
    expect(await moved.json()).toEqual({
      moved: 2,
      queues: [{ queue, deadLetterQueue: dlqName, moved: 2, method: 'receive-send-delete' }],
    });
    // the ingestor takes them from the source queue; the pipeline is healthy again
    await waitFor(async () => (await health()).integrations.pipeline['status'] === 'ok', {
      timeoutMs: 20_000,
      description: 'pipeline ok after the redrive',
    });
    await waitFor(
      async () => {
        const [q, d] = [await sqs.counts(queueUrl), await sqs.counts(dlqUrl)];
        return q.visible + q.inFlight + d.visible + d.inFlight === 0;
      },
      { timeoutMs: 20_000, description: 'both queues empty' },
    );
  }, 90_000);
});
