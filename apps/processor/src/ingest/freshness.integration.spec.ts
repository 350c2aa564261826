import { Client } from 'pg';
import { validateRecord } from '@ams/ams';
import { AMS_RECORDS, HEADERS } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, loadFixture, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

/**
 * The processor's two writes for pipeline health and the entity merge: `dataset_freshness` follows the records of each
 * (advertiser, dataset) and never goes back, and `ams_entity.changed_at` holds a change record's
 * `audit.lastUpdatedDateTime` (null when it is missing or not an instant; the record is stored either way).
 */
describe('processor: dataset_freshness and ams_entity.changed_at (real NATS and PostgreSQL)', () => {
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let app: RunningTestApp<ProcessorEnv> | undefined;

  /** Publishes like the ingestor: subject per dataset, dedup key as message id, its receive time in a header. */
  const publish = async (record: Record<string, unknown>, receivedAt: string) => {
    const v = validateRecord(record);
    if (!v.ok) throw new Error(v.reason);
    await js.publish(AMS_RECORDS.at(String(record['dataset_id'])), record, {
      msgId: v.dedupKey,
      headers: { [HEADERS.receivedAt]: receivedAt },
    });
  };
  const freshness = async (advertiserId: string, datasetId: string) =>
    (
      await pg.query(
        `SELECT last_received_at AS "receivedAt", latest_hour_start AS "hourStart"
           FROM dataset_freshness WHERE advertiser_id = $1 AND dataset_id = $2`,
        [advertiserId, datasetId],
      )
    ).rows[0] as { receivedAt: Date; hourStart: Date | null } | undefined;
  const deltas = async () => Number((await pg.query(`SELECT count(*) AS n FROM performance_delta`)).rows[0].n);
  const traffic = (id: string, localHour: string, advertiser = 'A1EXAMPLEADV01') => ({
    ...loadFixture('02'),
    advertiser_id: advertiser,
    idempotency_id: id,
    time_window_start: `2025-06-03T${localHour}:00:00-07:00`,
  });

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = uniquePrefix('fresh');
    app = await startNestApp(appDefinition, {
      ...baseTestEnv(db, prefix),
      PROCESSOR_BATCH_WAIT_MS: '20',
      PROCESSOR_ACK_WAIT_MS: '5000',
    });
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'freshness-spec' });
    await js.connect();
  });

  afterAll(async () => {
    await app?.close();
    await js?.close();
    await pg?.end();
    await db?.drop();
  });

  it('follows the records of each advertiser and dataset, and an older record does not move it back', async () => {
    await publish(traffic('f-1', '10'), '2025-06-03T18:05:00.000Z');
    await waitFor(async () => (await freshness('A1EXAMPLEADV01', 'sp-traffic')) !== undefined, {
      description: 'freshness row written',
    });
    expect(await freshness('A1EXAMPLEADV01', 'sp-traffic')).toEqual({
      receivedAt: new Date('2025-06-03T18:05:00.000Z'),
      hourStart: new Date('2025-06-03T17:00:00.000Z'),
    });

    // a newer record, a later hour: both move forward
    await publish(traffic('f-2', '12'), '2025-06-03T20:10:00.000Z');
    await waitFor(
      async () =>
        (await freshness('A1EXAMPLEADV01', 'sp-traffic'))?.receivedAt.getTime() ===
        Date.parse('2025-06-03T20:10:00.000Z'),
      { description: 'freshness moved forward' },
    );
    expect((await freshness('A1EXAMPLEADV01', 'sp-traffic'))?.hourStart).toEqual(new Date('2025-06-03T19:00:00.000Z'));

    // an older record (received earlier, an earlier hour: a late redelivery) is stored but moves nothing back
    await publish(traffic('f-3', '08'), '2025-06-03T15:00:00.000Z');
    await waitFor(async () => (await deltas()) === 3, { description: 'the older record stored' });
    expect(await freshness('A1EXAMPLEADV01', 'sp-traffic')).toEqual({
      receivedAt: new Date('2025-06-03T20:10:00.000Z'),
      hourStart: new Date('2025-06-03T19:00:00.000Z'),
    });

    // another advertiser and another dataset get rows of their own; a dataset without hours has none
    await publish(traffic('f-4', '09', 'A2OTHERADV'), '2025-06-03T16:00:00.000Z');
    await publish(loadFixture('05'), '2025-06-03T21:50:00.000Z');
    await waitFor(async () => (await freshness('A1EXAMPLEADV01', 'budget-usage')) !== undefined, {
      description: 'budget-usage freshness',
    });
    await waitFor(async () => (await freshness('A2OTHERADV', 'sp-traffic')) !== undefined, {
      description: 'the other advertiser',
    });
    expect(await freshness('A1EXAMPLEADV01', 'budget-usage')).toEqual({
      receivedAt: new Date('2025-06-03T21:50:00.000Z'),
      hourStart: null,
    });
    expect((await freshness('A2OTHERADV', 'sp-traffic'))?.hourStart).toEqual(new Date('2025-06-03T16:00:00.000Z'));
    expect((await freshness('A1EXAMPLEADV01', 'sp-traffic'))?.receivedAt).toEqual(new Date('2025-06-03T20:10:00.000Z'));
    const { rows } = await pg.query(`SELECT count(*)::int AS n FROM dataset_freshness`);
    expect(rows[0].n).toBe(3);
  });

  it('stores a change record with its audit.lastUpdatedDateTime as changed_at, and a bad one as null', async () => {
    const campaign = loadFixture('08');
    await publish(campaign, '2025-06-03T17:00:00.000Z');
    await publish(
      { ...campaign, campaignId: '777', version: 1, audit: { lastUpdatedDateTime: 'not a time' } },
      '2025-06-03T17:00:00.000Z',
    );
    const { audit: _audit, ...withoutAudit } = campaign;
    await publish({ ...withoutAudit, campaignId: '778', version: 1 }, '2025-06-03T17:00:00.000Z');
    const changedAt = async () =>
      (await pg.query(`SELECT entity_id, changed_at FROM ams_entity WHERE entity_type = 'campaign' ORDER BY entity_id`))
        .rows as Array<{ entity_id: string; changed_at: Date | null }>;
    await waitFor(async () => (await changedAt()).length === 3, { description: 'three campaigns stored' });
    expect(await changedAt()).toEqual([
      { entity_id: '185402650650808', changed_at: new Date('2025-06-03T16:41:09.000Z') },
      { entity_id: '777', changed_at: null },
      { entity_id: '778', changed_at: null },
    ]);

    // a newer version carries its own change time; entity_latest reads it as the AMS row's as-of
    await publish(
      { ...campaign, version: 8, name: 'renamed', audit: { lastUpdatedDateTime: '2025-06-04T09:00:00+02:00' } },
      '2025-06-04T07:05:00.000Z',
    );
    await waitFor(async () => (await changedAt())[0].changed_at?.getTime() === Date.parse('2025-06-04T07:00:00Z'), {
      description: 'newer version with its change time',
    });
    const { rows } = await pg.query(
      `SELECT name, as_of, source FROM entity_latest WHERE entity_type = 'campaign' AND entity_id = '185402650650808'`,
    );
    expect(rows).toEqual([{ name: 'renamed', as_of: new Date('2025-06-04T07:00:00.000Z'), source: 'ams' }]);
    // no quarantine: a bad or missing change time never fails a record
    expect((await pg.query(`SELECT count(*)::int AS n FROM quarantine`)).rows[0].n).toBe(0);
    expect(await freshness('A1EXAMPLEADV01', 'campaigns')).toEqual({
      receivedAt: new Date('2025-06-04T07:05:00.000Z'),
      hourStart: null,
    });
  });
});
