import fc from 'fast-check';
import { Client } from 'pg';
import type { PerfHourlyUpdatedV1 } from '@ams/contracts';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AggregatorEnv } from '../config/aggregator.env';
import {
  diffRollups,
  FactDelta,
  FactModel,
  pendingMarks,
  readRollups,
  touchedOf,
  unmarkedDailyDiffs,
  writeFacts,
  zoned,
} from '../testing/hourly-facts.fixture';
import { PerfEventsConsumerService } from './perf-events-consumer.service';
import { SWEEP_LOCK_KEYS, SweepService } from './sweep.service';
import { SWEEP_LOCK_NAMESPACE } from './rollup.repository';

const HOUR = 3_600_000;
/** 72 hours around the autumn DST change in Los Angeles. */
const WINDOW_START = Date.parse('2025-10-31T12:00:00Z');
const WINDOW_HOURS = 72;
const NOW = new Date(WINDOW_START + WINDOW_HOURS * HOUR);
const ZONES = ['America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'UTC'] as const;

interface Update {
  campaign: number;
  adGroup: number;
  keyword: number;
  hour: number;
  impressions: number;
  clicks: number;
  costCents: number;
  orders: number;
  salesCents: number;
  /** what happens to the event announcing this update */
  fate: 'delivered' | 'lost' | 'duplicated';
  /** events are handed over in batches: this update's event closes a batch */
  flush: boolean;
}

const update: fc.Arbitrary<Update> = fc.record({
  campaign: fc.integer({ min: 0, max: 2 }),
  adGroup: fc.integer({ min: 0, max: 1 }),
  keyword: fc.integer({ min: 0, max: 2 }),
  hour: fc.integer({ min: 0, max: WINDOW_HOURS - 1 }),
  impressions: fc.integer({ min: 0, max: 5000 }),
  clicks: fc.integer({ min: -3, max: 40 }), // corrections are negative deltas
  costCents: fc.integer({ min: -500, max: 20_000 }),
  orders: fc.integer({ min: 0, max: 4 }),
  salesCents: fc.integer({ min: -1000, max: 50_000 }),
  fate: fc.constantFrom('delivered', 'delivered', 'lost', 'duplicated'),
  flush: fc.boolean(),
});

/** An update with every field set, for tests that vary a few. */
const base: Update = {
  campaign: 0,
  adGroup: 0,
  keyword: 0,
  hour: 0,
  impressions: 1000,
  clicks: 0,
  costCents: 0,
  orders: 1,
  salesCents: 2500,
  fate: 'delivered',
  flush: true,
};

function toDelta(advertiserId: string, zone: string, u: Update): FactDelta {
  // Kolkata (UTC+05:30) hours start at :30 UTC, like its time_window_start
  const start = WINDOW_START + u.hour * HOUR + (zone === 'Asia/Kolkata' ? 30 * 60_000 : 0);
  const { utcOffsetMinutes, localDate } = zoned(new Date(start), zone);
  return {
    advertiserId,
    campaignId: `${advertiserId}-c${u.campaign}`,
    adGroupId: `ag${u.adGroup}`,
    keywordId: u.keyword === 2 ? '' : `kw${u.keyword}`,
    hourStart: new Date(start).toISOString(),
    utcOffsetMinutes,
    localDate,
    metrics: {
      impressions: u.impressions,
      clicks: u.clicks,
      cost: u.costCents,
      orders_7d: u.orders,
      sales_7d: u.salesCents,
      units_7d: u.orders,
      orders_30d: u.orders,
      sales_30d: u.salesCents,
    },
  };
}

describe('aggregator: sweeps heal lost events', () => {
  let db: TestDatabase;
  let pg: Client;
  let app: RunningTestApp<AggregatorEnv> | undefined;
  let consumer: PerfEventsConsumerService;
  let sweeps: SweepService;

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    app = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('aggsweep')),
      AGGREGATOR_SWEEPS_ENABLED: 'false', // sweeps and the drain run when the tests say
      AGGREGATOR_PENDING_GRACE_SECONDS: '0',
    });
    consumer = app.app.get(PerfEventsConsumerService);
    sweeps = app.app.get(SweepService);
  });

  afterAll(async () => {
    await app?.close();
    await pg?.end();
    await db?.drop();
  });

  it('random hourly updates, events lost or duplicated, then one sweep: rollups equal a recomputation from the facts', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ZONES),
        fc.array(update, { minLength: 1, maxLength: 25 }),
        async (zone, updates) => {
          const advertiserId = `P${++run}`;
          const model = new FactModel();
          let pending: PerfHourlyUpdatedV1[] = [];
          const late: PerfHourlyUpdatedV1[] = []; // redeliveries arrive after later events
          for (const u of updates) {
            const delta = toDelta(advertiserId, zone, u);
            await writeFacts(pg, [delta]); // committed before its event is emitted, as the processor does
            model.apply(delta);
            const event: PerfHourlyUpdatedV1 = {
              version: 1,
              touched: touchedOf([delta]),
              emittedAt: new Date().toISOString(),
            };
            if (u.fate !== 'lost') pending.push(event);
            if (u.fate === 'duplicated') late.push(event);
            // whatever was lost or is still queued: a campaign-day without a pending mark has exact daily rollups
            expect(await unmarkedDailyDiffs(pg, advertiserId, model.rollups(advertiserId))).toEqual([]);
            if (u.flush) {
              await consumer.process(pending);
              pending = [];
              expect(await unmarkedDailyDiffs(pg, advertiserId, model.rollups(advertiserId))).toEqual([]);
            }
          }
          await consumer.process([...pending, ...late]);
          expect(await unmarkedDailyDiffs(pg, advertiserId, model.rollups(advertiserId))).toEqual([]);
          // every write was followed by an event for its day: the events cleared every mark
          if (updates.every((u) => u.fate !== 'lost')) expect(await pendingMarks(pg, advertiserId)).toBe(0);

          const expected = model.rollups(advertiserId);
          if (updates.every((u) => u.fate !== 'lost')) {
            // nothing lost: the events alone got everything right, duplicates changed nothing
            expect(diffRollups(await readRollups(pg, advertiserId), expected)).toEqual([]);
          }
          const outcome = await sweeps.run('traffic', NOW);
          expect(outcome.status).toBe('completed');
          expect(diffRollups(await readRollups(pg, advertiserId), expected)).toEqual([]);
          expect(await pendingMarks(pg, advertiserId)).toBe(0);
        },
      ),
      { numRuns: 25, endOnFailure: true },
    );
  });

  it('the conversion sweep revisits the last 60 days and leaves settled rollups untouched', async () => {
    const before = await pg.query(`SELECT count(*)::int AS n, max(updated_at) AS last FROM campaign_daily`);
    const outcome = await sweeps.run('conversion', new Date(NOW.getTime() + 20 * 24 * HOUR));
    expect(outcome).toMatchObject({ status: 'completed', days: 63 });
    if (outcome.status !== 'completed') return;
    expect(outcome.summary.rows.campaign_daily?.computed).toBe(before.rows[0].n);
    expect(outcome.summary.rows.campaign_daily?.written).toBe(0);
    const after = await pg.query(`SELECT count(*)::int AS n, max(updated_at) AS last FROM campaign_daily`);
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('the drain recomputes campaign-days whose events never came, and keeps the mark of a write it could not see', async () => {
    const model = new FactModel();
    const deltas = [0, 1, 2].flatMap((campaign) =>
      [0, 5, 30, 50].map((hour) =>
        toDelta('DRAIN', 'Asia/Tokyo', { ...base, campaign, hour, clicks: hour + campaign, costCents: 100 * hour + 7 }),
      ),
    );
    await writeFacts(pg, deltas); // no event at all
    deltas.forEach((d) => model.apply(d));
    expect(await pendingMarks(pg, 'DRAIN')).toBeGreaterThan(0);

    // a processor transaction still open while the drain runs: its write is not in the drain's sums
    const writer = new Client({ connectionString: db.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      const late = toDelta('DRAIN', 'Asia/Tokyo', { ...base, campaign: 0, hour: 5, clicks: 1000, costCents: 99_999 });
      await writeFacts(writer, [late]);
      expect(await sweeps.drainPending()).toBeGreaterThan(0);
      expect(diffRollups(await readRollups(pg, 'DRAIN'), model.rollups('DRAIN'))).toEqual([]);
      expect(await pendingMarks(pg, 'DRAIN')).toBe(0);
      await writer.query('COMMIT');
      model.apply(late);
      // committed after the drain read the facts: its day is marked again, so readers take it from the facts
      expect(await pendingMarks(pg, 'DRAIN')).toBe(1);
      expect(await unmarkedDailyDiffs(pg, 'DRAIN', model.rollups('DRAIN'))).toEqual([]);
      expect(diffRollups(await readRollups(pg, 'DRAIN'), model.rollups('DRAIN'))).not.toEqual([]);
      await sweeps.drainPending();
      expect(diffRollups(await readRollups(pg, 'DRAIN'), model.rollups('DRAIN'))).toEqual([]);
      expect(await pendingMarks(pg, 'DRAIN')).toBe(0);
    } finally {
      await writer.end();
    }
  });

  it('skips a sweep while another replica holds its lock, and runs it once the lock is free', async () => {
    const other = new Client({ connectionString: db.url });
    await other.connect();
    try {
      await other.query('SELECT pg_advisory_lock($1::int, $2::int)', [SWEEP_LOCK_NAMESPACE, SWEEP_LOCK_KEYS.traffic]);
      expect(await sweeps.run('traffic', NOW)).toMatchObject({
        status: 'skipped',
        reason: 'another replica is running it',
      });
      await other.query('SELECT pg_advisory_unlock($1::int, $2::int)', [SWEEP_LOCK_NAMESPACE, SWEEP_LOCK_KEYS.traffic]);
      expect(await sweeps.run('traffic', NOW)).toMatchObject({ status: 'completed' });
    } finally {
      await other.end();
    }
  });
});
