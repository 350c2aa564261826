import type { Client } from 'pg';
import { AMS_RECORDS, DURABLES, REPROCESS_WINDOW, STREAMS } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { loadFixture, TestDatabase, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, SpecBackends, startNestApp, startSpecBackends } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

/** bigint's maximum is 9223372036854775807: a fact this close overflows when any record adds 1,000 impressions */
const NEAR_MAX_BIGINT = '9223372036854775000';
const POISON_CAMPAIGN = '555000000000001';
const GOOD_CAMPAIGN = '555000000000002';

/**
 * A record that passes validation but that PostgreSQL refuses (here: its impressions overflow the bigint of the
 * hourly fact it adds to) must not hold its batch hostage: the good records of the batch are stored once, the bad
 * one is quarantined once with PostgreSQL's error, and the batch is acknowledged.
 */
describe('processor: a record PostgreSQL refuses is isolated from its batch (real NATS and PostgreSQL)', () => {
  let backends: SpecBackends | undefined;
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let app: RunningTestApp<ProcessorEnv> | undefined;
  let env: Record<string, string>;
  const count = async (sql: string, params: unknown[] = []) => Number((await pg.query(sql, params)).rows[0].n);

  beforeAll(async () => {
    backends = await startSpecBackends('poison', 'poison-spec');
    ({ db, pg, js } = backends);
    env = {
      ...baseTestEnv(db, backends.prefix),
      PROCESSOR_BATCH_WAIT_MS: '200',
      PROCESSOR_ACK_WAIT_MS: '5000',
      PROCESSOR_BATCH_SIZE: '100',
    };
    app = await startNestApp(appDefinition, env);
  });

  afterAll(async () => {
    await app?.close();
    await backends?.close();
  });

  it('stores the good records once, quarantines the bad one once with the database error, even when replayed', async () => {
    const template = loadFixture('02');
    // an hour whose fact is already at the edge of bigint
    const seedRecord = { ...template, idempotency_id: 'poison-seed', campaign_id: POISON_CAMPAIGN, impressions: 1 };
    await js.publish(AMS_RECORDS.at('sp-traffic'), seedRecord, { msgId: 'poison-seed' });
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM hourly_fact WHERE campaign_id = $1`, [POISON_CAMPAIGN])) === 1,
      {
        description: 'seed fact stored',
      },
    );
    await pg.query(`UPDATE performance_delta SET impressions = $1 WHERE campaign_id = $2`, [
      NEAR_MAX_BIGINT,
      POISON_CAMPAIGN,
    ]);
    await pg.query(`UPDATE hourly_fact SET impressions = $1 WHERE campaign_id = $2`, [
      NEAR_MAX_BIGINT,
      POISON_CAMPAIGN,
    ]);

    // one batch: published while the processor is down, then taken together
    await app?.close();
    app = undefined;
    const since = new Date(Date.now() - 1000);
    const good = Array.from({ length: 6 }, (_, i) => ({
      ...template,
      idempotency_id: `good-${i}`,
      campaign_id: GOOD_CAMPAIGN,
      ad_id: `ad-${i}`,
      clicks: 1,
      impressions: 10,
      cost: 0.25,
    }));
    const poison = { ...template, idempotency_id: 'poison-1', campaign_id: POISON_CAMPAIGN, impressions: 5000 };
    const batch = [...good.slice(0, 3), poison, ...good.slice(3)];
    await js.publishMany(
      batch.map((r) => ({ to: AMS_RECORDS.at('sp-traffic'), data: r, msgId: String(r.idempotency_id) })),
    );
    app = await startNestApp(appDefinition, env);

    await waitFor(async () => (await count(`SELECT count(*) AS n FROM quarantine WHERE code = 'db-rejected'`)) === 1, {
      timeoutMs: 20_000,
      description: 'the poison record quarantined',
    });
    await waitFor(
      async () =>
        (await count(`SELECT count(*) AS n FROM performance_delta WHERE campaign_id = $1`, [GOOD_CAMPAIGN])) === 6,
      {
        description: 'the good records stored',
      },
    );
    await waitFor(async () => (await js.consumerPending(STREAMS.ams.name, DURABLES.processor)) === 0, {
      description: 'the batch acknowledged (no redelivery loop)',
    });

    const { rows: q } = await pg.query(
      `SELECT source, code, reason, dataset_id, raw_body, status FROM quarantine WHERE code = 'db-rejected'`,
    );
    expect(q[0]).toMatchObject({ source: 'processor', code: 'db-rejected', dataset_id: 'sp-traffic', status: 'open' });
    expect(q[0].reason).toMatch(/22003.*bigint out of range/);
    expect(JSON.parse(q[0].raw_body)).toMatchObject({ idempotency_id: 'poison-1' });

    const goodSums = async () =>
      (
        await pg.query(
          `SELECT sum(clicks)::text AS clicks, sum(impressions)::text AS impressions, sum(cost)::text AS cost
                         FROM hourly_fact WHERE campaign_id = $1`,
          [GOOD_CAMPAIGN],
        )
      ).rows[0];
    expect(await goodSums()).toEqual({ clicks: '6', impressions: '60', cost: '1.50' });
    // the poison's hour is untouched, its delta absent
    expect(
      (await pg.query(`SELECT impressions::text AS i FROM hourly_fact WHERE campaign_id = $1`, [POISON_CAMPAIGN])).rows,
    ).toEqual([{ i: NEAR_MAX_BIGINT }]);
    expect(await count(`SELECT count(*) AS n FROM performance_delta WHERE idempotency_id = 'poison-1'`)).toBe(0);

    // the same messages through the batch path again (a redelivery of the window): nothing doubled, one quarantine row
    const reply = await js.request(
      REPROCESS_WINDOW,
      { from: since.toISOString(), to: new Date(Date.now() + 1000).toISOString() },
      20_000,
    );
    expect(reply.messages).toBeGreaterThanOrEqual(7);
    expect(await count(`SELECT count(*) AS n FROM quarantine`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM performance_delta WHERE campaign_id = $1`, [GOOD_CAMPAIGN])).toBe(6);
    expect(await goodSums()).toEqual({ clicks: '6', impressions: '60', cost: '1.50' });
  });
});
