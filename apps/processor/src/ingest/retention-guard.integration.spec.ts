import type { Client } from 'pg';
import { AMS_RECORDS, DURABLES, REPROCESS_WINDOW, ReprocessWindowRequestV1, STREAMS } from '@ams/contracts';
import { addMonths, monthStart, partitionName, partitionsOf } from '@ams/db';
import { JetStreamService } from '@ams/platform';
import { loadFixture, TestDatabase, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, SpecBackends, startNestApp, startSpecBackends } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

const DAY_MS = 86_400_000;
/** an hour `days` days ago (or ahead, negative), as AMS writes time_window_start */
const hourAgo = (days: number) => {
  const d = new Date(Date.now() - days * DAY_MS);
  d.setUTCMinutes(0, 0, 0);
  return { iso: d.toISOString(), tws: `${d.toISOString().slice(0, 13)}:00:00+00:00` };
};

/**
 * Retention in the write path: deltas are kept RETENTION_DELTA_DAYS, so a record older than the dedupe horizon (that
 * minus 2 days) is refused into quarantine instead of counted (its duplicate could no longer be recognised), and a
 * month without a partition is made before a batch writes it.
 */
describe('processor: dedupe horizon and partitions on demand (real NATS and PostgreSQL)', () => {
  let backends: SpecBackends | undefined;
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let app: RunningTestApp<ProcessorEnv> | undefined;
  let env: Record<string, string>;
  const template = loadFixture('02');
  const rows = async (sql: string, params: unknown[] = []) => (await pg.query(sql, params)).rows;
  const drained = () =>
    waitFor(async () => (await js.consumerPending(STREAMS.ams.name, DURABLES.processor)) === 0, {
      description: 'the processor acknowledged everything',
    });

  beforeAll(async () => {
    backends = await startSpecBackends('retention', 'retention-spec');
    ({ db, pg, js } = backends);
    env = { ...baseTestEnv(db, backends.prefix), RETENTION_DELTA_DAYS: '90', PROCESSOR_BATCH_WAIT_MS: '20' };
    app = await startNestApp(appDefinition, env);
  });
  afterAll(async () => {
    await app?.close();
    await backends?.close();
  });

  it('a duplicate of a record whose delta retention dropped is quarantined with the reason, never counted again', async () => {
    const hour = hourAgo(85); // inside the horizon of 90 − 2 days
    const record = {
      ...template,
      idempotency_id: 'ret-1',
      campaign_id: '777000000000001',
      time_window_start: hour.tws,
    };
    await js.publish(AMS_RECORDS.at('sp-traffic'), record, { msgId: 'ret-1' });
    await waitFor(async () => (await rows(`SELECT 1 FROM hourly_fact WHERE campaign_id = '777000000000001'`)).length, {
      description: 'the record stored',
    });
    const fact = await rows(`SELECT clicks::text, cost::text FROM hourly_fact WHERE campaign_id = '777000000000001'`);

    // days later: retention is shorter than the record's age now (80 days: horizon 78), its delta is gone
    await app?.close();
    app = await startNestApp(appDefinition, { ...env, RETENTION_DELTA_DAYS: '80' });
    await pg.query(`DELETE FROM performance_delta WHERE idempotency_id = 'ret-1'`);
    // AMS (or a replay) delivers it again, under another message id
    await js.publish(AMS_RECORDS.at('sp-traffic'), record, { msgId: 'ret-1-again' });
    await waitFor(async () => (await rows(`SELECT 1 FROM quarantine WHERE code = 'beyond-dedupe-horizon'`)).length, {
      description: 'the late duplicate quarantined',
    });
    await drained();
    const [q] = await rows(
      `SELECT source, dataset_id, reason, raw_body FROM quarantine WHERE code = 'beyond-dedupe-horizon'`,
    );
    expect(q).toMatchObject({ source: 'processor', dataset_id: 'sp-traffic' });
    expect(q.reason).toContain(`hour ${hour.iso} is before the dedupe horizon`);
    expect(q.reason).toContain('RETENTION_DELTA_DAYS 80 minus 2 days');
    expect(JSON.parse(q.raw_body)).toMatchObject({ idempotency_id: 'ret-1' });
    expect(
      await rows(`SELECT clicks::text, cost::text FROM hourly_fact WHERE campaign_id = '777000000000001'`),
    ).toEqual(fact);
    expect(await rows(`SELECT 1 FROM performance_delta WHERE idempotency_id = 'ret-1'`)).toEqual([]);
  });

  it('makes the partitions of a month that has none before writing it; a record too far ahead is quarantined', async () => {
    const before = await partitionsOf(pg, 'hourly_fact');
    const lastEnd = before[before.length - 1].to as Date;
    const month = addMonths(lastEnd, 1); // a month after the last partition, with a gap: nothing covers it
    const at = new Date(month.getTime() + 3 * 3_600_000);
    const tws = `${at.toISOString().slice(0, 13)}:00:00+00:00`;
    const far = addMonths(monthStart(new Date()), 14);
    const records = [
      { ...template, idempotency_id: 'ahead-1', campaign_id: '777000000000002', time_window_start: tws },
      { ...template, idempotency_id: 'ahead-2', campaign_id: '777000000000002', time_window_start: tws, ad_id: 'x' },
      {
        ...template,
        idempotency_id: 'too-far',
        campaign_id: '777000000000003',
        time_window_start: `${far.toISOString().slice(0, 13)}:00:00+00:00`,
      },
    ];
    await js.publishMany(records.map((r) => ({ to: AMS_RECORDS.at('sp-traffic'), data: r, msgId: r.idempotency_id })));
    await waitFor(
      async () => (await rows(`SELECT 1 FROM performance_delta WHERE campaign_id = '777000000000002'`)).length === 2,
      {
        description: 'both records of the new month stored',
      },
    );
    await drained();
    for (const table of ['hourly_fact', 'performance_delta'] as const) {
      expect((await partitionsOf(pg, table)).map((p) => p.name)).toContain(partitionName(table, month));
    }
    expect(
      await rows(`SELECT tableoid::regclass::text AS part FROM hourly_fact WHERE campaign_id = '777000000000002'`),
    ).toEqual([{ part: partitionName('hourly_fact', month) }, { part: partitionName('hourly_fact', month) }]);
    const [q] = await rows(`SELECT reason FROM quarantine WHERE code = 'hour-too-far-ahead'`);
    expect(q.reason).toMatch(/no partition is made more than 12 months ahead/);
    expect(await rows(`SELECT 1 FROM hourly_fact WHERE campaign_id = '777000000000003'`)).toEqual([]);
    // no quarantine row for the good ones (no db-rejected: the partition existed before the write)
    expect(await rows(`SELECT code FROM quarantine WHERE code = 'db-rejected'`)).toEqual([]);
  });

  it('refuses to reprocess a window older than the dedupe horizon, naming it', async () => {
    const from = new Date(Date.now() - 100 * DAY_MS);
    const to = new Date(from.getTime() + 3_600_000);
    const res = await js
      .request(REPROCESS_WINDOW, { from: from.toISOString(), to: to.toISOString() } as ReprocessWindowRequestV1, 10_000)
      .then(
        () => ({ code: 'ok', message: '' }),
        (err: { code?: string; message: string }) => ({ code: err.code, message: err.message }),
      );
    expect(res.code).toBe('VALIDATION');
    expect(res.message).toMatch(/deltas are kept 80 days; a window may start at .* at the earliest/);
  });
});
