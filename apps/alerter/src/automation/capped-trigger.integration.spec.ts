import { ACTION_RULE_CREATE, type ActionRuleCreateRequestV1, type ActionRuleV1 } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { ADVERTISER, AlerterHarness, HOUR } from '../testing/alerter.harness';
import { AutomationService } from './automation.service';

/**
 * The `capped` trigger on real PostgreSQL, NATS and a Slack catcher: five weeks of history (5.00 an hour from 06:00
 * to 22:00, an order of 25.00 each hour) of EARLY and LATE; yesterday (local) EARLY ran out of its 60.00 at 11:00
 * (some 11 hours × 25.00 of sales lost), LATE out of its 80.00 at 21:00 (about one hour's). A rule "raise the budget
 * 15 % for campaigns that lost ≥ 150 in sales by capping yesterday" proposes EARLY's raise once, in dry run, with the
 * estimate and its interval in the reason; LATE stays. The advertiser's zone (Etc/GMT±N) puts its local time at 10:xx.
 */
describe('alerter: capped trigger (what capping cost yesterday)', () => {
  let h: AlerterHarness;
  const now = Date.now();
  const utcHour = new Date(now).getUTCHours();
  const offsetHours = ((((10 - utcHour) % 24) + 24 + 11) % 24) - 11;
  const offset = offsetHours * 60;
  const zone = offsetHours >= 0 ? `Etc/GMT-${offsetHours}` : `Etc/GMT+${-offsetHours}`;
  const today = new Date(now + offset * 60_000).toISOString().slice(0, 10);
  const localMidnightUtc = Date.parse(`${today}T00:00:00Z`) - offset * 60_000;
  const yesterday = new Date(localMidnightUtc - 12 * HOUR + offset * 60_000).toISOString().slice(0, 10);
  const yesterdayAt = (hour: number) => new Date(localMidnightUtc - 24 * HOUR + hour * HOUR).toISOString();
  const PROFILE = '5555555555555555';
  const automation = (): AutomationService => {
    if (!h.app) throw new Error('the alerter is not running');
    return h.app.app.get(AutomationService);
  };
  const createRule = (r: Partial<ActionRuleCreateRequestV1>) =>
    h.js.request(
      ACTION_RULE_CREATE,
      {
        name: 'raise after a costly cap',
        advertiserId: ADVERTISER,
        entityLevel: 'campaign',
        trigger: { type: 'capped', minSalesLost: '150' },
        action: { type: 'change_budget_pct', percent: '15' },
        ...r,
      } as ActionRuleCreateRequestV1,
      5000,
    ) as Promise<ActionRuleV1>;

  beforeAll(async () => {
    h = await AlerterHarness.create('automationcapped', () => ({
      ALERT_DEFAULT_RULES: 'false',
      AUTOMATION_SCHEDULE_SECONDS: '3600',
    }));
    await h.pg.query(
      `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
                                account_type, synced_at)
       VALUES ($1, 'NA', $2, 'ATVPDKIKX0DER', 'US', 'USD', $3, 'seller', now())`,
      [PROFILE, ADVERTISER, zone],
    );
    await h.pg.query(`INSERT INTO ads_connection (id, region, state) VALUES ('default', 'NA', 'authorized')`);
    await h.pg.query(
      `INSERT INTO dataset_freshness (advertiser_id, dataset_id, last_received_at) VALUES ($1, 'budget-usage', now())`,
      [ADVERTISER],
    );
    for (const [id, budget] of [
      ['EARLY', '60'],
      ['LATE', '80'],
    ])
      await h.pg.query(
        `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, campaign_id, name,
                                 state, budget_amount, budget_type, observed_at, raw)
         VALUES ($1, 'campaign', $2, $3, 'ATVPDKIKX0DER', 'SPONSORED_PRODUCTS', $2, $4, 'ENABLED', $5, 'DAILY', now(), '{}')`,
        [ADVERTISER, id, PROFILE, `Campaign ${id}`, budget],
      );
    await h.pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
          hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
        SELECT $1, 'ATVPDKIKX0DER', c, 'ag', 'ad', 'kw', '', to_timestamp($2::bigint / 1000.0) + make_interval(days => d, hours => hr),
               $3, 'sp', 'USD', 200, 10, 5.00, 1, 25
          FROM unnest(ARRAY['EARLY', 'LATE']) c, generate_series(-36, -2) d, generate_series(6, 21) hr`,
      [ADVERTISER, localMidnightUtc, offset],
    );
    await h.budgetEvents([
      {
        scopeType: 'CAMPAIGN',
        scopeId: 'EARLY',
        usagePercentage: '100',
        budget: '60',
        usageUpdatedAt: yesterdayAt(11),
      },
      { scopeType: 'CAMPAIGN', scopeId: 'LATE', usagePercentage: '100', budget: '80', usageUpdatedAt: yesterdayAt(21) },
    ]);
    await h.start();
  }, 60_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('refuses a capped rule without a positive minSalesLost or on another level, naming the field', async () => {
    for (const [trigger, field] of [
      [{ type: 'capped' }, 'trigger.minSalesLost'],
      [{ type: 'capped', minSalesLost: '0' }, 'trigger.minSalesLost'],
      [{ type: 'budget', minSalesLost: '10' }, 'trigger.minSalesLost'],
    ] as const)
      await expect(createRule({ trigger: trigger as ActionRuleCreateRequestV1['trigger'] })).rejects.toMatchObject({
        code: 'VALIDATION',
        message: expect.stringContaining(field),
      });
    await expect(
      createRule({ entityLevel: 'keyword', action: { type: 'change_bid_pct', percent: '10' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('trigger.type') });
  });

  it('proposes once, in dry run, the raise of the campaign whose cap cost at least the minimum', async () => {
    const rule = await createRule({});
    expect(rule).toMatchObject({ mode: 'dry_run', trigger: { type: 'capped', minSalesLost: '150' } });
    const started = performance.now();
    expect(await automation().onCapped(new Date(now))).toMatchObject({ proposed: 1, queued: [] });
    const judgedMs = performance.now() - started;
    // judged again (the next tick, another replica): the decision stands
    expect(await automation().onCapped(new Date(now + 60_000))).toMatchObject({ proposed: 0 });
    const rows = await h.rows<{
      entity_id: string;
      state: string;
      value_before: string;
      value_asked: string;
      reason: string;
      trigger: { capped: Record<string, unknown> };
    }>(
      `SELECT entity_id, state, value_before, value_asked, reason, trigger_data AS trigger FROM automation_action ORDER BY id`,
    );
    expect(rows).toHaveLength(1);
    const [a] = rows;
    expect(a).toMatchObject({ entity_id: 'EARLY', state: 'dry_run', value_before: '60.00', value_asked: '69.00' });
    expect(a.reason).toContain(`ran out of its budget of 60.00 at 11:00 local on ${yesterday}`);
    const m = /estimated sales lost (\d+\.\d\d) \(P10–P90 (\d+\.\d\d)–(\d+\.\d\d)\)/.exec(a.reason);
    expect(m).not.toBeNull();
    const [p50, p10, p90] = [Number(m?.[1]), Number(m?.[2]), Number(m?.[3])];
    // 11 of its 16 hours (an order of 25.00 each) come after 11:00, on a day that ran at twice its pace
    expect(p50).toBeGreaterThanOrEqual(150);
    expect(p10).toBeLessThanOrEqual(p50);
    expect(p90).toBeGreaterThanOrEqual(p50);
    expect(a.trigger.capped).toMatchObject({ localDate: yesterday, budget: '60', minSalesLost: '150' });
    const notice = await waitFor(() => h.catcher.delivered.find((p) => p.raw.includes('Dry run')), {
      description: 'the dry-run notice in Slack',
      timeoutMs: 15_000,
    });
    expect(notice.raw).toContain('estimated sales lost');
    process.stderr.write(`capped: EARLY lost ${p50} (P10–P90 ${p10}–${p90}); judged in ${judgedMs.toFixed(0)} ms\n`);
  });
});
