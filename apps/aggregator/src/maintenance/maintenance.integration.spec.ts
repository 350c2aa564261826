import type { Client } from 'pg';
import { addMonths, monthStart, partitionName, partitionsOf } from '@ams/db';
import { waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, SpecBackends, startNestApp, startSpecBackends } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AggregatorEnv } from '../config/aggregator.env';
import { KEYWORD_DAILY_SQL } from '../rollup/rollup.repository';
import { RollupService } from '../rollup/rollup.service';
import { MaintenanceService } from './maintenance.service';

const DAY_MS = 86_400_000;
const ADV = 'ADVM';

/**
 * The maintenance job: partitions ahead (at start), retention by whole partitions (the facts of a day recomputed
 * before they go, never after), bounded retention of the smaller tables; and the recomputes' horizon.
 */
describe('aggregator: maintenance and retention (real PostgreSQL)', () => {
  let backends: SpecBackends | undefined;
  let pg: Client;
  let app: RunningTestApp<AggregatorEnv> | undefined;
  const rows = async (sql: string, params: unknown[] = []) => (await pg.query(sql, params)).rows;
  const appGet = <T>(token: new (...args: never[]) => T): T => {
    if (!app) throw new Error('the aggregator is not running');
    return app.app.get(token);
  };
  const fact = (campaign: string, hour: Date, clicks: number, offset = 0) =>
    pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
         hour_start, utc_offset_minutes, ad_product, clicks, cost)
       VALUES ($1, 'M', $2, 'G', 'A', 'K', 'TOP', $3, $4, 'SPONSORED_PRODUCTS', $5::int, $5::numeric)
       ON CONFLICT (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start)
       DO UPDATE SET clicks = hourly_fact.clicks + EXCLUDED.clicks, cost = hourly_fact.cost + EXCLUDED.cost`,
      [ADV, campaign, hour.toISOString(), offset, clicks],
    );

  beforeAll(async () => {
    backends = await startSpecBackends('maint', 'maint-spec');
    pg = backends.pg;
    app = await startNestApp(appDefinition, {
      ...baseTestEnv(backends.db, backends.prefix),
      RETENTION_DELTA_DAYS: '90',
      RETENTION_FACT_DAYS: '400',
      PARTITIONS_AHEAD_MONTHS: '5',
      AGGREGATOR_SWEEPS_ENABLED: 'false',
      RETENTION_DELETE_BATCH: '100',
      RETENTION_DELETE_MAX_PER_RUN: '250',
    });
  });
  afterAll(async () => {
    await app?.close();
    await backends?.close();
  });

  it('makes the partitions ahead at start: the current month and PARTITIONS_AHEAD_MONTHS more, in both tables', async () => {
    const last = addMonths(monthStart(new Date()), 5);
    for (const table of ['hourly_fact', 'performance_delta'] as const) {
      await waitFor(async () => (await partitionsOf(pg, table)).some((p) => p.name === partitionName(table, last)), {
        description: `${table} partitions made ahead`,
      });
    }
  });

  it('prunes the recompute of a day to the months that can hold its hours', async () => {
    const day = addMonths(monthStart(new Date()), 2); // the first of a monthly partition
    const plan = (
      await pg.query(`EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ${KEYWORD_DAILY_SQL}`, [
        [ADV],
        ['C-none'],
        [day.toISOString().slice(0, 10)],
      ])
    ).rows
      .map((r: Record<string, string>) => r['QUERY PLAN'])
      .join('\n');
    const scanned = (await partitionsOf(pg, 'hourly_fact')).filter(
      (p) => plan.includes(p.name) && !new RegExp(`${p.name}[^\\n]*\\(never executed\\)`).test(plan),
    );
    // the day's hours (±14 h) reach into the month before and this month: nothing else is read
    expect(scanned.map((p) => p.name).sort()).toEqual(
      [partitionName('hourly_fact', addMonths(day, -1)), partitionName('hourly_fact', day)].sort(),
    );
  });

  it('drops whole months past the horizons, recomputing the marked days first; older days are never recomputed', async () => {
    const maintenance = appGet(MaintenanceService);
    const rollups = appGet(RollupService);
    // two campaigns in the first monthly partition, on a day fully inside it, made exact
    const firstMonth = (await partitionsOf(pg, 'hourly_fact'))[1].from as Date;
    const day = new Date(firstMonth.getTime() + 9 * DAY_MS); // the 10th
    const localDate = day.toISOString().slice(0, 10);
    for (const c of ['C1', 'C2']) for (let h = 0; h < 3; h++) await fact(c, new Date(day.getTime() + h * 3_600_000), 2);
    await rollups.drainPending(0, 1000);
    expect(await rows(`SELECT count(*)::int AS n FROM rollup_pending`)).toEqual([{ n: 0 }]);
    // C1 changes again, its day marked: not recomputed yet when maintenance comes
    await fact('C1', day, 5);

    // a year and a half later: the facts of that month are older than 400 days, the deltas than 90
    const later = addMonths(firstMonth, 17);
    const outcome = await maintenance.run(later);
    expect(outcome.status).toBe('completed');
    expect(outcome.dropped).toEqual(
      expect.arrayContaining([
        'performance_delta_legacy',
        'hourly_fact_legacy',
        partitionName('hourly_fact', firstMonth),
        partitionName('performance_delta', firstMonth),
      ]),
    );
    expect(outcome.recomputedBeforeDrop).toBe(1);
    // the kept rollups are exact (C1 includes the late change), the facts are gone, no mark is left for the day
    expect(
      await rows(`SELECT campaign_id, clicks::int FROM campaign_daily WHERE local_date = $1 ORDER BY 1`, [localDate]),
    ).toEqual([
      { campaign_id: 'C1', clicks: 11 },
      { campaign_id: 'C2', clicks: 6 },
    ]);
    expect(await rows(`SELECT 1 FROM hourly_fact WHERE campaign_id IN ('C1', 'C2')`)).toEqual([]);
    expect(await rows(`SELECT 1 FROM rollup_pending WHERE local_date = $1`, [localDate])).toEqual([]);
    // the kept partitions: nothing that ends before the horizons, and the months ahead of `later`
    const kept = await partitionsOf(pg, 'hourly_fact');
    expect(kept.every((p) => (p.to as Date).getTime() > later.getTime() - 400 * DAY_MS)).toBe(true);
    expect(kept.map((p) => p.name)).toContain(partitionName('hourly_fact', addMonths(later, 5)));
  });

  it('never recomputes a day older than the facts horizon into empty rollups (event, sweep or drain)', async () => {
    const rollups = appGet(RollupService);
    const old = new Date(Date.now() - 500 * DAY_MS);
    old.setUTCHours(12, 0, 0, 0);
    const localDate = old.toISOString().slice(0, 10);
    // a rollup kept for a day whose facts retention dropped (none in hourly_fact), and a stray mark of it
    await pg.query(
      `INSERT INTO campaign_daily (advertiser_id, campaign_id, local_date, marketplace_id, ad_product, clicks)
       VALUES ($1, 'C-old', $2, 'M', 'SPONSORED_PRODUCTS', 42)`,
      [ADV, localDate],
    );
    await pg.query(
      `INSERT INTO rollup_pending (advertiser_id, campaign_id, local_date, created_at) VALUES ($1, 'C-old', $2, now() - interval '1 hour')`,
      [ADV, localDate],
    );
    await rollups.applyTouched([
      { advertiserId: ADV, campaignId: 'C-old', hourStart: old.toISOString(), utcOffsetMinutes: 0 },
    ]);
    await rollups.recomputeDay(localDate);
    expect(await rollups.drainPending(0, 1000)).toBe(0);
    expect(await rows(`SELECT clicks::int FROM campaign_daily WHERE campaign_id = 'C-old'`)).toEqual([{ clicks: 42 }]);
    expect(rollups.horizon().firstDay > localDate).toBe(true);
  });

  it('deletes old rows of the smaller tables in bounded batches: settled notifications only, referenced events kept', async () => {
    const maintenance = appGet(MaintenanceService);
    const old = new Date(Date.now() - 1000 * DAY_MS).toISOString();
    await pg.query(
      `INSERT INTO quarantine (quarantine_key, source, code, reason, raw_body, received_at)
       SELECT 'q' || g, 'processor', 'x', 'x', '{}', CASE WHEN g <= 300 THEN $1::timestamptz ELSE now() END
         FROM generate_series(1, 310) g`,
      [old],
    );
    await pg.query(
      `INSERT INTO subscription_confirmation (topic_arn, outcome, attempted_at) VALUES ('t', 'ok', $1), ('t', 'ok', now())`,
      [old],
    );
    await pg.query(
      `INSERT INTO budget_usage_event (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id,
         usage_updated_at, ad_product, budget, usage_percentage, received_at)
       VALUES ($1, 'M', 'campaign', 'B1', $2, 'SP', 10, 50, $2), ($1, 'M', 'campaign', 'B1', now(), 'SP', 10, 60, now())`,
      [ADV, old],
    );
    await pg.query(
      `INSERT INTO budget_recommendation (advertiser_id, campaign_id, recommendation_time, marketplace_id,
         suggested_budget, start_date, end_date, received_at)
       VALUES ($1, 'B1', $2, 'M', 12.5, '2020-01-01', '2020-01-07', $2), ($1, 'B1', now(), 'M', 14, current_date - 6, current_date, now())`,
      [ADV, old],
    );
    const [{ id: ruleId }] = await rows(
      `INSERT INTO alert_rule (name, metric, condition, threshold, entity_level, repeat_interval_minutes)
       VALUES ('r', 'spend', 'above', 1, 'campaign', 60) RETURNING id`,
    );
    const [{ id: alertId }] = await rows(
      `INSERT INTO alert (advertiser_id, rule_id, entity_type, entity_id, state, threshold, fired_at)
       VALUES ($1, $2, 'campaign', 'C1', 'resolved', 1, $3) RETURNING id`,
      [ADV, ruleId, old],
    );
    const events = await rows(
      `INSERT INTO alert_event (alert_id, advertiser_id, rule_id, type, at) VALUES ($1, $2, $3, 'fired', $4), ($1, $2, $3, 'fired', $4)
       RETURNING id`,
      [alertId, ADV, ruleId, old],
    );
    await pg.query(
      `INSERT INTO notification_outbox (alert_id, alert_event_id, kind, destination, payload, status, created_at)
       VALUES ($1, $2, 'alert', 'default', '{}', 'sent', $4), ($1, $3, 'alert', 'default', '{}', 'failed', $4),
              ($1, NULL, 'alert', 'default', '{}', 'pending', $4)`,
      [alertId, events[0].id, events[1].id, old],
    );

    const first = await maintenance.run();
    // at most RETENTION_DELETE_MAX_PER_RUN (250) per table and run, the rest next time
    expect(first.deleted).toMatchObject({
      quarantine: 250,
      subscription_confirmation: 1,
      budget_usage_event: 1,
      budget_recommendation: 1,
      notification_outbox: 1,
      alert_event: 1,
    });
    const second = await maintenance.run();
    expect(second.deleted).toMatchObject({ quarantine: 50, notification_outbox: 0, alert_event: 0 });
    expect(await rows(`SELECT count(*)::int AS n FROM quarantine`)).toEqual([{ n: 10 }]);
    expect(await rows(`SELECT status FROM notification_outbox ORDER BY status`)).toEqual([
      { status: 'failed' },
      { status: 'pending' },
    ]);
    // the event a kept (failed) notification refers to stays
    expect(await rows(`SELECT id::text FROM alert_event ORDER BY alert_event.id`)).toEqual([
      { id: String(events[1].id) },
    ]);
    expect(await rows(`SELECT usage_percentage::int AS p FROM budget_usage_event`)).toEqual([{ p: 60 }]);
    expect(await rows(`SELECT suggested_budget::text AS b FROM budget_recommendation`)).toEqual([{ b: '14' }]);
  });
});
