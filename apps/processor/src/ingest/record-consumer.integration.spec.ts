import { Client } from 'pg';
import { validateRecord } from '@ams/ams';
import {
  AMS_QUARANTINE,
  AMS_RECORDS,
  HEADERS,
  PERF_HOURLY_UPDATED,
  PerfHourlyUpdatedV1,
  QUARANTINE_REPLAY,
  QuarantinedBodyV1,
  QuarantineReplayRequestV1,
  REPROCESS_WINDOW,
  ReprocessWindowRequestV1,
  STREAMS,
} from '@ams/contracts';
import { ConsumerHandle, JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, loadFixture, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

/** Publishes like the ingestor does: subject per dataset, Nats-Msg-Id = dedup key (unless told otherwise). */
async function publishRecord(
  js: JetStreamService,
  record: Record<string, unknown>,
  msgId?: string | null,
): Promise<void> {
  const v = validateRecord(record);
  const dataset = String(record['dataset_id']);
  const id = msgId === undefined ? (v.ok ? v.dedupKey : undefined) : (msgId ?? undefined);
  await js.publish(AMS_RECORDS.at(dataset), record, id ? { msgId: id } : {});
}

describe('processor: JetStream → PostgreSQL (real NATS and PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let app: RunningTestApp<ProcessorEnv> | undefined;
  let prefix: string;
  let env: Record<string, string>;
  const events: PerfHourlyUpdatedV1[] = [];
  let eventConsumer: ConsumerHandle;

  const fact = async (campaignId: string) => {
    const { rows } = await pg.query(
      `SELECT impressions::text, clicks::text, cost::text, orders_7d::text, sales_7d::text, units_7d::text,
              keyword_text, match_type, utc_offset_minutes
         FROM hourly_fact WHERE campaign_id = $1`,
      [campaignId],
    );
    return rows;
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await pg.query(sql, params)).rows[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    prefix = uniquePrefix('proc');
    env = { ...baseTestEnv(db, prefix), PROCESSOR_BATCH_WAIT_MS: '20', PROCESSOR_ACK_WAIT_MS: '5000' };
    app = await startNestApp(appDefinition, env);
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'processor-spec' });
    await js.connect();
    eventConsumer = await js.consumeBatches<PerfHourlyUpdatedV1>(
      {
        stream: STREAMS.events.name,
        durable: 'spec-events',
        filterSubject: PERF_HOURLY_UPDATED.subject,
        maxBatch: 50,
        maxWaitMs: 10,
        ackWaitMs: 5000,
      },
      async (batch) => {
        for (const m of batch) events.push(m.json());
      },
    );
  });

  afterAll(async () => {
    await eventConsumer?.stop();
    await app?.close();
    await js?.close();
    await pg?.end();
    await db?.drop();
  });

  it('sums a record and its negative restatement, counting a duplicate once', async () => {
    const first = loadFixture('02');
    await publishRecord(js, first);
    await publishRecord(js, loadFixture('03'));
    // the same record again, past JetStream's duplicate window (no Nats-Msg-Id): the database must drop it
    await publishRecord(js, first, null);

    await waitFor(
      async () =>
        (await count('SELECT count(*) AS n FROM performance_delta')) === 2 &&
        (await fact('185402650650808'))[0]?.clicks === '6',
      {
        description: 'two distinct deltas summed',
      },
    );
    const [row] = await fact('185402650650808');
    expect(row).toMatchObject({
      impressions: '397',
      clicks: '6',
      cost: '5.94',
      keyword_text: 'wireless earbuds',
      match_type: 'EXACT',
      utc_offset_minutes: -420,
    });
    // a redelivered duplicate arriving alone: its batch commits (and is announced) yet changes nothing
    await waitFor(() => events.length >= 1, { description: 'first event' });
    const before = events.length;
    await publishRecord(js, first, null);
    await waitFor(() => events.length > before, { description: 'the duplicate batch committed and announced' });
    expect(events[events.length - 1].touched).toEqual([
      {
        advertiserId: 'A1EXAMPLEADV01',
        campaignId: '185402650650808',
        hourStart: '2025-06-03T17:00:00.000Z',
        utcOffsetMinutes: -420,
      },
    ]);
    expect((await fact('185402650650808'))[0].clicks).toBe('6');
    expect(await count('SELECT count(*) AS n FROM performance_delta')).toBe(2);
  });

  it('joins the conversion onto the click hour without losing the keyword text', async () => {
    await publishRecord(js, loadFixture('04'));
    await waitFor(async () => (await fact('185402650650808'))[0]?.orders_7d === '2', {
      description: 'conversion joined',
    });
    const [row] = await fact('185402650650808');
    expect(row).toMatchObject({
      clicks: '6',
      cost: '5.94',
      orders_7d: '2',
      sales_7d: '54.98',
      units_7d: '2',
      keyword_text: 'wireless earbuds',
    });
  });

  it('stores sponsored brands and display records on their own keys (placement_type, target_id)', async () => {
    await publishRecord(js, loadFixture('06'));
    await publishRecord(js, loadFixture('07'));
    await waitFor(
      async () =>
        (await count(
          `SELECT count(*) AS n FROM hourly_fact WHERE campaign_id IN ('144000000000123', '277000000000111')`,
        )) === 2,
    );
    const { rows } = await pg.query(
      `SELECT campaign_id, ad_product, keyword_id, placement, match_type, impressions::text, viewable_impressions::text,
              clicks::text, cost::text, orders_14d::text, sales_14d::text
         FROM hourly_fact WHERE campaign_id IN ('144000000000123', '277000000000111') ORDER BY campaign_id`,
    );
    expect(rows[0]).toEqual({
      campaign_id: '144000000000123',
      ad_product: 'sb',
      keyword_id: '144000000000999',
      placement: 'Top of Search on-Amazon',
      match_type: 'BROAD',
      impressions: '950',
      viewable_impressions: '610',
      clicks: '3',
      cost: '4.41',
      orders_14d: '0',
      sales_14d: '0',
    });
    expect(rows[1]).toMatchObject({
      campaign_id: '277000000000111',
      ad_product: 'sd',
      keyword_id: '277000000000444',
      placement: '',
      orders_14d: '1',
      sales_14d: '24.99',
    });
    const { rows: extra } = await pg.query(
      `SELECT extra FROM performance_delta WHERE idempotency_id = 'aaf7c14c-5c99-43a3-84c9-19794c74dc24'`,
    );
    expect(extra[0].extra).toMatchObject({
      attributed_sales_new_to_brand_14d: 24.99,
      view_attributed_conversions_14d: 0,
    });
  });

  it('quarantines invalid records with their reason and keeps the rest of the batch', async () => {
    const bad = { ...loadFixture('02'), idempotency_id: 'bad-clicks-1', clicks: 'seven' };
    const good = { ...loadFixture('02'), idempotency_id: 'good-after-bad', campaign_id: '777000000000001' };
    await publishRecord(js, bad, 'bad-clicks-1');
    await publishRecord(js, good);
    const q: QuarantinedBodyV1 = {
      version: 1,
      code: 'not-json',
      reason: 'body: is not JSON',
      datasetId: null,
      rawBody: 'not json {',
      sqsMessageId: 'sqs-1',
      receivedAt: new Date().toISOString(),
    };
    await js.publish(AMS_QUARANTINE, q, { msgId: 'q:sqs-1' });

    await waitFor(async () => (await count('SELECT count(*) AS n FROM quarantine')) === 2, {
      description: 'two quarantined',
    });
    const { rows } = await pg.query('SELECT source, code, reason, raw_body FROM quarantine ORDER BY source');
    expect(rows[0]).toMatchObject({ source: 'ingestor', code: 'not-json', raw_body: 'not json {' });
    expect(rows[1]).toMatchObject({ source: 'processor', code: 'invalid-record' });
    expect(rows[1].reason).toMatch(/clicks/);
    expect(JSON.parse(rows[1].raw_body).clicks).toBe('seven');
    await waitFor(async () => (await fact('777000000000001'))[0]?.clicks === '7', {
      description: 'valid record of the same batch stored',
    });
  });

  it('replays a quarantined record over NATS once it is fixed, exactly once', async () => {
    const { rows } = await pg.query(
      `SELECT id::text, raw_body FROM quarantine WHERE source = 'processor' AND code = 'invalid-record'`,
    );
    const id = rows[0].id as string;
    const cmd = (payload: unknown) => js.request(QUARANTINE_REPLAY, payload as QuarantineReplayRequestV1, 5000);

    expect(await cmd({ id })).toMatchObject({ id, outcome: 'still-invalid' });
    expect(await cmd({ id: '999999999' })).toEqual({ id: '999999999', outcome: 'not-found' });
    await expect(cmd({ id: 'drop table' })).rejects.toThrow(/id must be a quarantine id/);

    const fixed = { ...JSON.parse(rows[0].raw_body), clicks: 2, campaign_id: '555000000000001' };
    expect(await cmd({ id, rawBody: JSON.stringify(fixed) })).toEqual({ id, outcome: 'stored', records: 1 });
    expect(await cmd({ id, rawBody: JSON.stringify(fixed) })).toEqual({ id, outcome: 'already-replayed' });
    expect((await fact('555000000000001'))[0]).toMatchObject({ clicks: '2' });
    const { rows: after } = await pg.query(`SELECT status, replay_outcome FROM quarantine WHERE id = $1`, [id]);
    expect(after[0]).toEqual({ status: 'replayed', replay_outcome: 'stored' });
  });

  it('reprocesses a window of the replay log: restores lost rows exactly and doubles nothing', async () => {
    const since = new Date(Date.now() - 1000);
    const records = [1, 2, 3].map((i) => ({
      ...loadFixture('02'),
      idempotency_id: `window-${i}`,
      campaign_id: '444000000000001',
      clicks: i,
    }));
    for (const r of records) await publishRecord(js, r);
    await waitFor(async () => (await fact('444000000000001'))[0]?.clicks === '6', { description: 'window stored' });
    // a restore from an older backup loses the rows
    await pg.query(`DELETE FROM hourly_fact WHERE campaign_id = '444000000000001'`);
    await pg.query(
      `DELETE FROM performance_delta WHERE campaign_id = '444000000000001' AND idempotency_id <> 'window-1'`,
    );
    const cmd = (payload: unknown) => js.request(REPROCESS_WINDOW, payload as ReprocessWindowRequestV1, 20_000);
    const reply = await cmd({ from: since.toISOString(), to: new Date(Date.now() + 1000).toISOString() });
    expect(reply.messages).toBeGreaterThanOrEqual(3);
    // window-1's delta survived, 2 and 3 are inserted again, and the facts are rebuilt from all three
    expect((await fact('444000000000001'))[0]).toMatchObject({ clicks: '6' });
    expect(await count(`SELECT count(*) AS n FROM performance_delta WHERE campaign_id = '444000000000001'`)).toBe(3);
    // running it again changes nothing
    await cmd({ from: since.toISOString(), to: new Date(Date.now() + 1000).toISOString() });
    expect((await fact('444000000000001'))[0]).toMatchObject({ clicks: '6' });
    await expect(cmd({ from: 'yesterday', to: since.toISOString() })).rejects.toThrow(/from/);
  });

  it('keeps every budget-usage event once and the latest by usage time', async () => {
    const base = loadFixture('05');
    await publishRecord(js, { ...base, budget_usage_percentage: 95.12 });
    await publishRecord(js, { ...base, budget_usage_percentage: 90, usage_updated_timestamp: '2025-06-03T21:00:00Z' });
    await publishRecord(js, { ...base, budget_usage_percentage: 95.12 }, null); // duplicate
    await waitFor(async () => (await count('SELECT count(*) AS n FROM budget_usage_event')) === 2);
    const { rows } = await pg.query('SELECT usage_percentage::text, budget::text FROM budget_usage_latest');
    expect(rows).toEqual([{ usage_percentage: '95.12', budget: '50' }]);
  });

  it('keeps the newest version of a campaign whatever the arrival order', async () => {
    const v7 = loadFixture('08');
    await publishRecord(js, v7);
    await publishRecord(js, { ...v7, version: 6, name: 'older name' });
    await waitFor(
      async () => (await count(`SELECT count(*) AS n FROM ams_entity WHERE entity_id = '185402650650808'`)) === 1,
    );
    await waitFor(async () => {
      const { rows } = await pg.query(
        `SELECT version::text, name, budget_amount::text FROM ams_entity WHERE entity_id = '185402650650808'`,
      );
      return rows[0]?.version === '7' && rows[0];
    });
    const { rows } = await pg.query(
      `SELECT version::text, name, budget_amount::text FROM ams_entity WHERE entity_id = '185402650650808'`,
    );
    expect(rows[0]).toEqual({ version: '7', name: 'SP - Earbuds - Exact', budget_amount: '50' });
  });

  it('loses nothing and doubles nothing when shut down mid-stream and restarted', async () => {
    const template = loadFixture('02');
    const n = 3000;
    const publishing = (async () => {
      for (let i = 0; i < n; i += 100) {
        await js.publishMany(
          Array.from({ length: 100 }, (_, k) => {
            const j = i + k;
            return {
              to: AMS_RECORDS.at('sp-traffic'),
              data: {
                ...template,
                idempotency_id: `restart-${j}`,
                campaign_id: '888000000000001',
                ad_id: String(1000 + (j % 7)),
                clicks: 1,
                impressions: 10,
                cost: 0.01,
              },
              msgId: `restart-${j}`,
            };
          }),
        );
      }
    })();
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM performance_delta WHERE campaign_id = '888000000000001'`)) > 200,
      {
        description: 'processing under way',
      },
    );
    await app?.close(); // SIGTERM path: drain the in-flight batch, ack, close
    app = undefined;
    await publishing;
    app = await startNestApp(appDefinition, env);
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM performance_delta WHERE campaign_id = '888000000000001'`)) === n,
      { timeoutMs: 30_000, description: `all ${n} deltas stored` },
    );
    const { rows } = await pg.query(
      `SELECT sum(clicks)::text AS clicks, sum(impressions)::text AS impressions, sum(cost)::text AS cost
         FROM hourly_fact WHERE campaign_id = '888000000000001'`,
    );
    expect(rows[0]).toEqual({ clicks: String(n), impressions: String(n * 10), cost: (n / 100).toFixed(2) });
  });

  it('stores a quarantine message with a field its contract does not know as invalid-quarantine-message, naming the field', async () => {
    const q = {
      version: 1,
      code: 'not-json',
      reason: 'body: is not JSON',
      datasetId: null,
      rawBody: 'unknown-field probe',
      sqsMessageId: 'sqs-unknown-field',
      receivedAt: new Date().toISOString(),
      smuggled: true,
    } as QuarantinedBodyV1;
    await js.publish(AMS_QUARANTINE, q, {
      msgId: 'q:sqs-unknown-field',
      headers: { [HEADERS.sqsMessageId]: 'sqs-unknown-field' },
    });
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM quarantine WHERE sqs_message_id = 'sqs-unknown-field'`)) === 1,
      {
        description: 'the probe stored',
      },
    );
    const { rows } = await pg.query(
      `SELECT source, code, reason FROM quarantine WHERE sqs_message_id = 'sqs-unknown-field'`,
    );
    expect(rows[0]).toMatchObject({
      source: 'ingestor',
      code: 'invalid-quarantine-message',
      reason: expect.stringContaining('smuggled: is not a field'),
    });
  });
});
