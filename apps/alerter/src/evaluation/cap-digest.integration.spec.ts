import { waitFor } from '@ams/testing';
import { ADVERTISER, AlerterHarness, HOUR } from '../testing/alerter.harness';
import { CapDigestService } from './cap-digest.service';

/**
 * The daily digest of capped campaigns (issue 19) on real PostgreSQL, NATS and a Slack catcher: five weeks of history
 * (5.00 an hour from 06:00 to 22:00, 80.00 a day) of CAPPED and FINE; yesterday (local) CAPPED's usage reached 100 % of
 * 60.00 at 11:00, FINE's stayed at 70 %. The digest names CAPPED, when it ran out and the sales lost (16 h × 1 order of
 * 25.00 a day, about 11 of them after 11:00: some 275.00), once whatever how often it is judged; FINE is not in it.
 * LATE ran out at 15:00 too; Amazon sent a recommendation for CAPPED (its window covers yesterday), an older one for
 * CAPPED and one for FINE: CAPPED's line shows the latest beside ours, LATE's none.
 */
describe('alerter: digest of capped campaigns (real PostgreSQL, NATS, Slack catcher)', () => {
  let h: AlerterHarness;
  const now = Date.now();
  const utcHour = new Date(now).getUTCHours();
  const offsetHours = ((((13 - utcHour) % 24) + 24 + 11) % 24) - 11;
  const offset = offsetHours * 60;
  const today = new Date(now + offset * 60_000).toISOString().slice(0, 10);
  const localMidnightUtc = Date.parse(`${today}T00:00:00Z`) - offset * 60_000;
  const day = (n: number) => new Date(localMidnightUtc + n * 24 * HOUR + offset * 60_000).toISOString().slice(0, 10);
  const yesterdayAt = (hour: number) => new Date(localMidnightUtc - 24 * HOUR + hour * HOUR).toISOString();

  beforeAll(async () => {
    h = await AlerterHarness.create('alertcapdigest', () => ({
      ALERT_DEFAULT_RULES: 'false',
      AUTOMATION_DIGEST_LOCAL_HOUR: '8',
      AUTOMATION_SCHEDULE_SECONDS: '3600',
    }));
    await h.pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
          hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
        SELECT $1, 'ATVPDKIKX0DER', c, 'ag', 'ad', 'kw', '', to_timestamp($2::bigint / 1000.0) + make_interval(days => d, hours => hr),
               $3, 'sp', 'USD', 200, 10, 5.00, 1, 25
          FROM unnest(ARRAY['CAPPED', 'FINE', 'LATE']) c, generate_series(-36, -2) d, generate_series(6, 21) hr`,
      [ADVERTISER, localMidnightUtc, offset],
    );
    await h.budgetEvents([
      { scopeType: 'CAMPAIGN', scopeId: 'CAPPED', usagePercentage: '50', budget: '60', usageUpdatedAt: yesterdayAt(9) },
      {
        scopeType: 'CAMPAIGN',
        scopeId: 'CAPPED',
        usagePercentage: '100',
        budget: '60',
        usageUpdatedAt: yesterdayAt(11),
      },
      { scopeType: 'CAMPAIGN', scopeId: 'FINE', usagePercentage: '70', budget: '100', usageUpdatedAt: yesterdayAt(20) },
      { scopeType: 'CAMPAIGN', scopeId: 'LATE', usagePercentage: '100', budget: '70', usageUpdatedAt: yesterdayAt(15) },
    ]);
    const rec = `INSERT INTO budget_recommendation (advertiser_id, campaign_id, recommendation_time, marketplace_id,
        suggested_budget, missed_sales_lower, missed_sales_upper, start_date, end_date, percent_time_in_budget)
      VALUES ($1, $2, $3, 'ATVPDKIKX0DER', $4, $5, $6, $7, $8, 0.6)`;
    await h.pg.query(rec, [ADVERTISER, 'CAPPED', yesterdayAt(12), '95.5', '88.4', '245.9', day(-7), day(-1)]);
    await h.pg.query(rec, [ADVERTISER, 'CAPPED', yesterdayAt(-12), '80', '1', '2', day(-8), day(-2)]);
    await h.pg.query(rec, [ADVERTISER, 'FINE', yesterdayAt(12), '120', '5', '9', day(-7), day(-1)]);
    await h.start();
  }, 30_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('lists the campaigns that ran out yesterday with the estimated sales lost, and Amazon’s beside, once', async () => {
    const digests = h.app?.app.get(CapDigestService);
    if (!digests) throw new Error('no CapDigestService');
    // before the advertiser's local 08:00: not yet
    expect(await digests.digests(new Date(localMidnightUtc + 7 * HOUR))).toBe(0);
    expect(await digests.digests(new Date(now))).toBe(1);
    expect(await digests.digests(new Date(now + 60_000))).toBe(0);
    const message = await waitFor(() => h.catcher.delivered.find((p) => p.raw.includes('ran out of budget on')), {
      description: 'the digest in Slack',
      timeoutMs: 15_000,
    });
    const yesterday = new Date(localMidnightUtc - 12 * HOUR + offset * 60_000).toISOString().slice(0, 10);
    expect(message.raw).toContain(`2 campaigns ran out of budget on ${yesterday}`);
    expect(message.raw).toContain('CAPPED ran out at 11:00');
    expect(message.raw).not.toContain('FINE');
    // Amazon's estimate beside ours where it sent one (the latest), on that campaign's line only
    const lineOf = (name: string) => /•[^•"]*/g.exec(message.raw.slice(message.raw.indexOf(`• ${name} `)))?.[0] ?? '';
    expect(lineOf('CAPPED')).toContain(
      `Amazon's estimate: missed sales 88.4–245.9 over ${day(-7)}…${day(-1)}, suggested budget 95.5`,
    );
    expect(lineOf('LATE')).toContain('LATE ran out at 15:00');
    expect(lineOf('LATE')).not.toContain('Amazon');
    expect(message.raw.match(/Amazon's estimate/g)).toHaveLength(1);
    const lost = Number(/sales lost about (\d+\.\d\d)/.exec(message.raw)?.[1]);
    // 11 of its 16 hours (an order of 25.00 each) come after 11:00, on a day that ran at 60/30 = twice its pace
    expect(lost).toBeGreaterThan(150);
    expect(lost).toBeLessThan(1200);
    expect(h.catcher.delivered.filter((p) => p.raw.includes('ran out of budget on'))).toHaveLength(1);
  });
});
