import { Client } from 'pg';
import { AMS_RECORDS, PERF_HOURLY_UPDATED, PerfHourlyUpdatedV1, STREAMS } from '@ams/contracts';
import { ConsumerHandle, JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, loadFixture, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

const N = 10_000;

/**
 * The largest batch the processor takes (PROCESSOR_BATCH_SIZE 10,000) touching 10,000 distinct hours: announced as
 * one event it would be about 1.2 MB, above NATS's default max_payload of 1 MiB, and the publish would fail the batch
 * for redelivery forever. Its touched hours must arrive, all of them, in events that each fit the server's limit.
 */
describe('processor: perf.hourly.updated.v1 fits the NATS payload limit whatever the batch (real NATS and PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let app: RunningTestApp<ProcessorEnv> | undefined;
  let events: ConsumerHandle | undefined;
  const sizes: number[] = [];
  const touched = new Set<string>();

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = uniquePrefix('evsize');
    const env = {
      ...baseTestEnv(db, prefix),
      PROCESSOR_BATCH_SIZE: String(N),
      PROCESSOR_BATCH_WAIT_MS: '5000',
      PROCESSOR_ACK_WAIT_MS: '60000',
    };
    // the streams exist once the app has started; then the records wait in the stream and are taken as one batch
    app = await startNestApp(appDefinition, env);
    await app.close();
    app = undefined;
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'event-size-spec' });
    await js.connect();
    events = await js.consumeBatches<PerfHourlyUpdatedV1>(
      {
        stream: STREAMS.events.name,
        durable: 'spec-events',
        filterSubject: PERF_HOURLY_UPDATED.subject,
        maxBatch: 50,
        maxWaitMs: 10,
        ackWaitMs: 30_000,
      },
      async (batch) => {
        for (const m of batch) {
          sizes.push(m.data.length);
          for (const t of m.json().touched) touched.add(`${t.advertiserId}|${t.campaignId}|${t.hourStart}`);
        }
      },
    );
    const template = loadFixture('02');
    for (let i = 0; i < N; i += 1000) {
      await js.publishMany(
        Array.from({ length: 1000 }, (_, k) => {
          const id = `size-${i + k}`;
          return {
            to: AMS_RECORDS.at('sp-traffic'),
            data: { ...template, idempotency_id: id, campaign_id: String(700000000000000 + i + k) },
            msgId: id,
          };
        }),
      );
    }
    app = await startNestApp(appDefinition, env);
  }, 120_000);

  afterAll(async () => {
    await events?.stop();
    await app?.close();
    await js?.close();
    await pg?.end();
    await db?.drop();
  });

  it('announces every touched hour, in several events each within max_payload', async () => {
    await waitFor(() => touched.size === N, {
      timeoutMs: 60_000,
      description: `all ${N} touched hours announced (${touched.size} so far)`,
    });
    const maxPayload = await js.maxPayload();
    expect(maxPayload).toBeGreaterThan(0);
    expect(sizes.length).toBeGreaterThanOrEqual(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxPayload);
    expect(Number((await pg.query(`SELECT count(*) AS n FROM performance_delta`)).rows[0].n)).toBe(N);
  }, 90_000);
});
