import type { Client } from 'pg';
import { computeRatios } from '@ams/ams';
import { PERF_HOURLY_UPDATED, PerfHourlyUpdatedV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { TestDatabase, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, SpecBackends, startNestApp, startSpecBackends } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AggregatorEnv } from '../config/aggregator.env';
import {
  diffRollups,
  FactDelta,
  FactModel,
  readRollups,
  touchedOf,
  writeFacts,
  zoned,
} from '../testing/hourly-facts.fixture';

const HOUR = 3_600_000;
const US = 'ADV-US-LA';
const JP = 'ADV-JP';

/** Facts for every hour of [fromUtc, toUtc) in `timeZone`: 2 ad groups × 2 keywords, varied metrics and money. */
function hoursOf(
  advertiserId: string,
  campaignId: string,
  timeZone: string,
  fromUtc: string,
  toUtc: string,
): FactDelta[] {
  const out: FactDelta[] = [];
  let i = 0;
  for (let t = Date.parse(fromUtc); t < Date.parse(toUtc); t += HOUR, i++) {
    const { utcOffsetMinutes, localDate } = zoned(new Date(t), timeZone);
    for (const adGroupId of ['ag1', 'ag2']) {
      for (const keywordId of ['kw1', 'kw2']) {
        const n = i * 7 + adGroupId.length * 3 + Number(keywordId.slice(2));
        out.push({
          advertiserId,
          campaignId,
          adGroupId: `${campaignId}-${adGroupId}`,
          keywordId: `${campaignId}-${adGroupId}-${keywordId}`,
          keywordText: `text ${keywordId}`,
          matchType: 'EXACT',
          hourStart: new Date(t).toISOString(),
          utcOffsetMinutes,
          localDate,
          currency: advertiserId === JP ? 'JPY' : 'USD',
          metrics: {
            impressions: 100 + (n % 37),
            clicks: n % 6,
            cost: (n * 37) % 900, // cents
            viewable_impressions: 80 + (n % 11),
            orders_7d: n % 3 === 0 ? 1 : 0,
            sales_7d: n % 3 === 0 ? 2499 : 0,
            units_7d: n % 3 === 0 ? 1 : 0,
            orders_14d: n % 3 === 0 ? 1 : 0,
            sales_14d: n % 3 === 0 ? 2499 : 0,
            units_14d: n % 3 === 0 ? 2 : 0,
          },
        });
      }
    }
  }
  return out;
}

/** Value of the sample of `name` carrying every given label (in any order), or undefined. */
function metricValue(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('aggregator: rollups follow the hourly facts in the advertiser-local day', () => {
  let backends: SpecBackends | undefined;
  let db: TestDatabase;
  let pg: Client;
  let app: RunningTestApp<AggregatorEnv> | undefined;
  let js: JetStreamService;
  const model = new FactModel();

  async function publishTouched(
    deltas: FactDelta[],
    perEvent = 40,
    emittedAt = new Date().toISOString(),
  ): Promise<void> {
    const touched = touchedOf(deltas);
    for (let i = 0; i < touched.length; i += perEvent) {
      const event: PerfHourlyUpdatedV1 = { version: 1, touched: touched.slice(i, i + perEvent), emittedAt };
      await js.publish(PERF_HOURLY_UPDATED, event);
    }
  }

  async function write(deltas: FactDelta[]): Promise<void> {
    await writeFacts(pg, deltas);
    deltas.forEach((d) => model.apply(d));
  }

  async function settled(description: string, advertiserId?: string): Promise<void> {
    await waitFor(
      async () => {
        const diffs = diffRollups(await readRollups(pg, advertiserId), model.rollups(advertiserId));
        return diffs.length === 0;
      },
      { timeoutMs: 20_000, description },
    ).catch(async (err: unknown) => {
      const diffs = diffRollups(await readRollups(pg, advertiserId), model.rollups(advertiserId));
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${diffs.slice(0, 10).join('\n')}`);
    });
  }

  async function daily(advertiserId: string, campaignId: string): Promise<Array<Record<string, string>>> {
    const { rows } = await pg.query(
      `SELECT local_date::text AS local_date, impressions::text, clicks::text, cost::text, orders_7d::text, sales_7d::text, units_7d::text
         FROM campaign_daily WHERE advertiser_id = $1 AND campaign_id = $2 ORDER BY local_date`,
      [advertiserId, campaignId],
    );
    return rows;
  }

  beforeAll(async () => {
    backends = await startSpecBackends('agg', 'aggregator-spec');
    ({ db, pg, js } = backends);
    app = await startNestApp(appDefinition, {
      ...baseTestEnv(db, backends.prefix),
      AGGREGATOR_SWEEPS_ENABLED: 'false', // events alone must get every rollup right here
      AGGREGATOR_BATCH_WAIT_MS: '20',
      AGGREGATOR_ACK_WAIT_MS: '5000',
    });
  });

  afterAll(async () => {
    await app?.close();
    await backends?.close();
  });

  it('sums a US advertiser across both DST changes: 23-hour and 25-hour local days', async () => {
    // local 2025-03-08 00:00 PST .. 2025-03-11 00:00 PDT, and 2025-11-01 00:00 PDT .. 2025-11-04 00:00 PST
    const spring = hoursOf(US, 'c-us-1', 'America/Los_Angeles', '2025-03-08T08:00:00Z', '2025-03-11T07:00:00Z');
    const autumn = hoursOf(US, 'c-us-1', 'America/Los_Angeles', '2025-11-01T07:00:00Z', '2025-11-04T08:00:00Z');
    const other = hoursOf(US, 'c-us-2', 'America/Los_Angeles', '2025-03-08T08:00:00Z', '2025-03-10T07:00:00Z');
    await write([...spring, ...autumn, ...other]);
    await publishTouched([...spring, ...autumn, ...other]);
    await settled('US rollups equal the facts', US);

    const hoursPerDay = await pg.query(
      `SELECT local_date::text AS d, count(*)::int AS hours, min(utc_offset_minutes) AS min_off, max(utc_offset_minutes) AS max_off
         FROM campaign_hourly WHERE advertiser_id = $1 AND campaign_id = 'c-us-1' GROUP BY local_date ORDER BY local_date`,
      [US],
    );
    expect(hoursPerDay.rows).toEqual([
      { d: '2025-03-08', hours: 24, min_off: -480, max_off: -480 },
      { d: '2025-03-09', hours: 23, min_off: -480, max_off: -420 },
      { d: '2025-03-10', hours: 24, min_off: -420, max_off: -420 },
      { d: '2025-11-01', hours: 24, min_off: -420, max_off: -420 },
      { d: '2025-11-02', hours: 25, min_off: -480, max_off: -420 },
      { d: '2025-11-03', hours: 24, min_off: -480, max_off: -480 },
    ]);

    // the daily row is the sum of exactly the hourly facts of that local day (checked against SQL over hourly_fact too)
    const { rows } = await pg.query(
      `SELECT d.local_date::text AS local_date, d.impressions = f.impressions AND d.clicks = f.clicks AND d.cost = f.cost
              AND d.sales_7d = f.sales_7d AND d.orders_14d = f.orders_14d AS same
         FROM campaign_daily d
         JOIN (SELECT ((hour_start + make_interval(mins => utc_offset_minutes::int)) AT TIME ZONE 'UTC')::date AS local_date,
                      sum(impressions) AS impressions, sum(clicks) AS clicks, sum(cost) AS cost, sum(sales_7d) AS sales_7d,
                      sum(orders_14d) AS orders_14d
                 FROM hourly_fact WHERE advertiser_id = $1 AND campaign_id = 'c-us-1' GROUP BY 1) f USING (local_date)
        WHERE d.advertiser_id = $1 AND d.campaign_id = 'c-us-1' ORDER BY 1`,
      [US],
    );
    expect(rows).toHaveLength(6);
    expect(rows.every((r) => r.same)).toBe(true);
  });

  it('sums a JP advertiser (UTC+9) into Tokyo days, which start at 15:00 UTC', async () => {
    const facts = hoursOf(JP, 'c-jp-1', 'Asia/Tokyo', '2025-06-01T15:00:00Z', '2025-06-03T15:00:00Z');
    await write(facts);
    await publishTouched(facts, 7);
    await settled('JP rollups equal the facts', JP);
    const { rows } = await pg.query(
      `SELECT local_date::text AS d, count(*)::int AS hours, min(hour_start) AS first FROM campaign_hourly
        WHERE advertiser_id = $1 GROUP BY 1 ORDER BY 1`,
      [JP],
    );
    expect(rows.map((r) => [r.d, r.hours, (r.first as Date).toISOString()])).toEqual([
      ['2025-06-02', 24, '2025-06-01T15:00:00.000Z'],
      ['2025-06-03', 24, '2025-06-02T15:00:00.000Z'],
    ]);
    expect(
      (await pg.query(`SELECT DISTINCT currency FROM campaign_daily WHERE advertiser_id = $1`, [JP])).rows,
    ).toEqual([{ currency: 'JPY' }]);
  });

  it("lands a conversion reported 20 days after the click on the click's local day", async () => {
    const before = await daily(US, 'c-us-1');
    // the click hour 2025-03-09T10:00Z is 03:00 PDT on 2025-03-09 (the first hour after the spring change)
    const click = {
      advertiserId: US,
      campaignId: 'c-us-1',
      adGroupId: 'c-us-1-ag1',
      keywordId: 'c-us-1-ag1-kw1',
      hourStart: '2025-03-09T10:00:00.000Z',
    };
    const conversion: FactDelta = {
      ...click,
      utcOffsetMinutes: -420,
      localDate: '2025-03-09',
      metrics: {
        orders_7d: 2,
        sales_7d: 5498,
        units_7d: 3,
        orders_14d: 2,
        sales_14d: 5498,
        units_14d: 3,
        orders_30d: 2,
        sales_30d: 5498,
        units_30d: 3,
      },
    };
    await write([conversion]);
    const emittedAt = new Date(Date.parse(click.hourStart) + 20 * 24 * HOUR).toISOString();
    await publishTouched([conversion], 40, emittedAt);
    await settled('the late conversion reached the rollups', US);

    const after = await daily(US, 'c-us-1');
    const changed = after.filter((row, i) => JSON.stringify(row) !== JSON.stringify(before[i]));
    expect(changed.map((r) => r['local_date'])).toEqual(['2025-03-09']);
    const b = before.find((r) => r['local_date'] === '2025-03-09') ?? {};
    const a = changed[0];
    expect(Number(a['orders_7d']) - Number(b['orders_7d'])).toBe(2);
    expect(Number(a['sales_7d']) - Number(b['sales_7d'])).toBeCloseTo(54.98, 10);
    expect(a['clicks']).toBe(b['clicks']);
  });

  it('computes ratios from the summed parts of a range, with null for a zero denominator', async () => {
    const { rows } = await pg.query(
      `SELECT sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(cost)::text AS cost,
              sum(orders_7d)::text AS orders, sum(sales_7d)::text AS sales
         FROM campaign_daily WHERE advertiser_id = $1 AND campaign_id = 'c-us-1' AND local_date BETWEEN '2025-03-08' AND '2025-03-10'`,
      [US],
    );
    const fromFacts = await pg.query(
      `SELECT sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(cost)::text AS cost,
              sum(orders_7d)::text AS orders, sum(sales_7d)::text AS sales
         FROM hourly_fact WHERE advertiser_id = $1 AND campaign_id = 'c-us-1' AND hour_start < '2025-03-11T07:00:00Z'`,
      [US],
    );
    expect(computeRatios(rows[0])).toEqual(computeRatios(fromFacts.rows[0]));
    const zero = await pg.query(
      `SELECT sum(impressions)::text AS impressions, sum(clicks)::text AS clicks, sum(cost)::text AS cost,
              sum(orders_1d)::text AS orders, sum(sales_1d)::text AS sales
         FROM campaign_daily WHERE advertiser_id = $1`,
      [US],
    );
    expect(computeRatios(zero.rows[0])).toMatchObject({ acos: null, cvr: 0 });
  });

  it('drops an invalid event and keeps consuming; removes rollups whose facts vanished', async () => {
    await js.publish(PERF_HOURLY_UPDATED, { version: 2, touched: 'nope' } as unknown as PerfHourlyUpdatedV1);
    // a campaign-hour deleted from the facts (e.g. a retention job): the recompute removes its rows
    const gone = {
      advertiserId: US,
      campaignId: 'c-us-2',
      hourStart: '2025-03-09T20:00:00.000Z',
      utcOffsetMinutes: -420,
    };
    await pg.query(`DELETE FROM hourly_fact WHERE advertiser_id = $1 AND campaign_id = $2 AND hour_start = $3`, [
      gone.advertiserId,
      gone.campaignId,
      gone.hourStart,
    ]);
    model.remove((d) => d.campaignId === gone.campaignId && new Date(d.hourStart).toISOString() === gone.hourStart);
    await js.publish(PERF_HOURLY_UPDATED, { version: 1, touched: [gone], emittedAt: new Date().toISOString() });
    await settled('the vanished hour is gone from the rollups', US);

    const metrics = await (await fetch(`${app?.baseUrl}/metrics`)).text();
    expect(metricValue(metrics, 'ams_aggregator_events_total', { outcome: 'invalid' })).toBe(1);
    expect(
      metricValue(metrics, 'ams_aggregator_rollup_rows_total', {
        table: 'campaign_hourly',
        outcome: 'deleted',
        source: 'event',
      }),
    ).toBe(1);
    expect(
      metricValue(metrics, 'ams_aggregator_rollup_rows_total', {
        table: 'campaign_daily',
        outcome: 'written',
        source: 'event',
      }),
    ).toBeGreaterThan(0);
    expect(metricValue(metrics, 'ams_aggregator_event_to_rollup_seconds_count', {})).toBeGreaterThan(0);
    expect(
      metricValue(metrics, 'ams_aggregator_recompute_transaction_seconds_count', { source: 'event' }),
    ).toBeGreaterThan(0);
  });
});
