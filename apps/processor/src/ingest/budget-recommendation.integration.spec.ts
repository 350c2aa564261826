import { Client } from 'pg';
import { validateRecord } from '@ams/ams';
import { AMS_RECORDS, QUARANTINE_REPLAY, QuarantineReplayRequestV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, loadFixture, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

/** sp-budget-recommendations through the real processor, NATS and PostgreSQL: stored once, history kept, bad → quarantine. */
describe('processor: sp-budget-recommendations → budget_recommendation', () => {
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let app: RunningTestApp<ProcessorEnv> | undefined;
  const fixture = loadFixture<Record<string, unknown>>('11');

  /** Publishes like the ingestor (Nats-Msg-Id = dedup key), or without a msg id (past JetStream's window). */
  const publish = async (record: Record<string, unknown>, withMsgId = true) => {
    const v = validateRecord(record);
    await js.publish(
      AMS_RECORDS.at(String(record['dataset_id'])),
      record,
      withMsgId && v.ok ? { msgId: v.dedupKey } : {},
    );
  };
  const rows = async () =>
    (
      await pg.query(
        `SELECT campaign_id, recommendation_time, suggested_budget::text, missed_sales_lower::text,
                missed_sales_upper::text, missed_clicks_upper::text, missed_impressions_lower::text,
                to_char(start_date, 'YYYY-MM-DD') AS start_date, to_char(end_date, 'YYYY-MM-DD') AS end_date,
                percent_time_in_budget::text, reason_for_suggestion, extra
           FROM budget_recommendation ORDER BY campaign_id, recommendation_time`,
      )
    ).rows as Array<Record<string, unknown>>;
  const count = async (sql: string) => Number((await pg.query(sql)).rows[0].n);

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = uniquePrefix('recs');
    app = await startNestApp(appDefinition, {
      ...baseTestEnv(db, prefix),
      PROCESSOR_BATCH_WAIT_MS: '20',
      PROCESSOR_ACK_WAIT_MS: '5000',
    });
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'recs-spec' });
    await js.connect();
  });

  afterAll(async () => {
    await app?.close();
    await js?.close();
    await pg?.end();
    await db?.drop();
  });

  it('stores a recommendation once, exact; a redelivery adds nothing; an older one is kept as history', async () => {
    await publish(fixture);
    // the same record again past JetStream's duplicate window (no Nats-Msg-Id): the natural key drops it
    await publish(fixture, false);
    // the day before's recommendation, arriving late: history, not the current one
    await publish({ ...fixture, recommendation_time: '2025-06-02T22:00:00Z', suggested_budget: 65.1 });
    // a double that is not a short decimal stays exactly its decimal text
    await publish({ ...fixture, campaign_id: '2', suggested_budget: 0.1 + 0.2, percent_time_in_budget: -1 }, false);
    await waitFor(async () => (await count('SELECT count(*) AS n FROM budget_recommendation')) === 3, {
      description: 'three distinct recommendations stored',
    });
    // the redelivery was consumed too (4 messages, 3 rows): freshness counts it, the table does not
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM dataset_freshness WHERE dataset_id = 'sp-budget-recommendations'`)) ===
        1,
      { description: 'freshness of the dataset' },
    );
    const got = await rows();
    expect(got).toEqual([
      {
        campaign_id: '185402650650808',
        recommendation_time: new Date('2025-06-02T22:00:00Z'),
        suggested_budget: '65.1',
        missed_sales_lower: '120.4',
        missed_sales_upper: '245.9',
        missed_clicks_upper: '71',
        missed_impressions_lower: '2150',
        start_date: '2025-05-28',
        end_date: '2025-06-03',
        percent_time_in_budget: '0.62',
        reason_for_suggestion: 'The campaign ran out of budget on 5 of the last 7 days',
        extra: {},
      },
      expect.objectContaining({ recommendation_time: new Date('2025-06-03T22:00:00Z'), suggested_budget: '72.5' }),
      expect.objectContaining({
        campaign_id: '2',
        suggested_budget: '0.30000000000000004',
        percent_time_in_budget: '-1',
      }),
    ]);
    expect(await count(`SELECT count(*) AS n FROM quarantine`)).toBe(0);
  });

  it('quarantines a bad record with the reason naming each field; a corrected replay stores it once', async () => {
    await publish({ ...fixture, campaign_id: '3', suggested_budget: 'lots', percent_time_in_budget: 62 }, false);
    await waitFor(async () => (await count(`SELECT count(*) AS n FROM quarantine`)) === 1, {
      description: 'the bad record quarantined',
    });
    const { rows: q } = await pg.query(`SELECT id::text, code, dataset_id, reason, raw_body FROM quarantine`);
    expect(q[0]).toMatchObject({
      code: 'invalid-record',
      dataset_id: 'sp-budget-recommendations',
      reason:
        'suggested_budget: must be a finite number (got "lots"); ' +
        'percent_time_in_budget: must be between 0 and 1, or -1 (got 62)',
    });
    const replay = (payload: QuarantineReplayRequestV1) => js.request(QUARANTINE_REPLAY, payload, 5000);
    const fixed = { ...JSON.parse(q[0].raw_body as string), suggested_budget: 80, percent_time_in_budget: 0.5 };
    expect(await replay({ id: q[0].id, rawBody: JSON.stringify(fixed) })).toEqual({
      id: q[0].id,
      outcome: 'stored',
      records: 1,
    });
    const stored = (await rows()).filter((r) => r['campaign_id'] === '3');
    expect(stored).toEqual([expect.objectContaining({ suggested_budget: '80', percent_time_in_budget: '0.5' })]);
  });
});
