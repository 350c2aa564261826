import { waitFor } from '@ams/testing';
import { ADVERTISER, AlerterHarness, HOUR } from '../testing/alerter.harness';

/**
 * The default pacing rule (`projected_out_of_budget_before` 21:00) on real PostgreSQL, NATS and a Slack catcher: five
 * weeks of history (5.00 an hour from 06:00 to 22:00, 80.00 a day, budget 100), the advertiser's offset chosen so its
 * local time now is 23:xx; today's usage arrives through the day. FAST spends 2.5× its pace (40 % at 09:00, 60 % at
 * 11:00, 90 % at 14:00), STEADY its usual pace (15 %, 25 %, 50 %).
 */
describe('alerter: pacing alert from the forecast (real PostgreSQL, NATS, Slack catcher)', () => {
  let h: AlerterHarness;
  const now = Date.now();
  const utcHour = new Date(now).getUTCHours();
  const offsetHours = ((((23 - utcHour) % 24) + 24 + 11) % 24) - 11;
  const offset = offsetHours * 60;
  const today = new Date(now + offset * 60_000).toISOString().slice(0, 10);
  const localMidnightUtc = Date.parse(`${today}T00:00:00Z`) - offset * 60_000;
  const at = (hour: number) => new Date(localMidnightUtc + hour * HOUR).toISOString();

  beforeAll(async () => {
    h = await AlerterHarness.create('alertpace');
    await h.pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
          hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
        SELECT $1, 'ATVPDKIKX0DER', c, 'ag', 'ad', 'kw', '', to_timestamp($2::bigint / 1000.0) + make_interval(days => d, hours => hr),
               $3, 'sp', 'USD', 200, 10, 5.00, 1, 25
          FROM unnest(ARRAY['FAST', 'STEADY']) c, generate_series(-35, -1) d, generate_series(6, 21) hr`,
      [ADVERTISER, localMidnightUtc, offset],
    );
    await h.start();
  }, 30_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const feed = async (hour: number, fast: string, steady: string) => {
    const rows = [
      {
        scopeType: 'CAMPAIGN' as const,
        scopeId: 'FAST',
        usagePercentage: fast,
        budget: '100',
        usageUpdatedAt: at(hour),
      },
      {
        scopeType: 'CAMPAIGN' as const,
        scopeId: 'STEADY',
        usagePercentage: steady,
        budget: '100',
        usageUpdatedAt: at(hour),
      },
    ];
    await h.budgets(rows);
    await h.publishBudget(rows);
  };
  const states = async () =>
    Object.fromEntries(Object.entries(await h.alertStates()).filter(([k]) => k.startsWith('budget')));

  it('fires the pacing alert early for an overpacing campaign, before its 90 % alert, and not for a steady one', async () => {
    await feed(9, '40', '15');
    await waitFor(async () => (await states())['budget-pacing-campaign/FAST'] === 'firing', {
      description: 'pacing alert of FAST',
      timeoutMs: 15_000,
    });
    const pacingDelivered = await waitFor(
      () => h.catcher.delivered.find((p) => p.raw.includes('Projected out of budget')),
      { description: 'pacing alert in Slack', timeoutMs: 15_000 },
    );
    // the message states the projected time and the P10–P90 interval
    expect(pacingDelivered.raw).toMatch(/\d\d:\d\d local \(P10–P90 \d\d:\d\d–(\d\d:\d\d|after 24:00)\)/);
    expect(pacingDelivered.raw).toContain('FAST');
    expect(pacingDelivered.raw).not.toContain('STEADY');
    const [alert] = await h.rows<{
      last_value: string;
      details: { pacing: { exhaustion: { p10: number; p50: number; p90: number | null } } };
    }>(
      `SELECT a.last_value::text, e.details FROM alert a JOIN alert_rule r ON r.id = a.rule_id
         JOIN alert_event e ON e.alert_id = a.id
        WHERE r.default_key = 'budget-pacing-campaign' AND a.entity_id = 'FAST' ORDER BY e.id LIMIT 1`,
    );
    const ex = alert.details.pacing.exhaustion;
    expect(Number(alert.last_value)).toBeLessThan(21);
    expect(ex.p10).toBeLessThanOrEqual(ex.p50);
    expect(ex.p50).toBeLessThanOrEqual(ex.p90 ?? 24);

    await feed(11, '60', '25');
    await feed(14, '90', '50');
    await waitFor(async () => (await states())['budget-warning-campaign/FAST'] === 'firing', {
      description: '90 % alert of FAST',
      timeoutMs: 15_000,
    });
    const warnIdx = await waitFor(
      () => {
        const i = h.catcher.delivered.findIndex((p) => p.raw.includes('budget nearly spent'));
        return i >= 0 ? i + 1 : 0;
      },
      { description: '90 % alert in Slack', timeoutMs: 15_000 },
    );
    const pacingIdx = h.catcher.delivered.findIndex((p) => p.raw.includes('Projected out of budget'));
    expect(pacingIdx).toBeGreaterThanOrEqual(0);
    expect(pacingIdx).toBeLessThan(warnIdx - 1);
    expect(h.catcher.delivered[pacingIdx].at).toBeLessThan(h.catcher.delivered[warnIdx - 1].at);

    const s = await states();
    expect(s['budget-pacing-campaign/STEADY']).toBeUndefined();
    expect(s['budget-warning-campaign/STEADY']).toBeUndefined();
    expect(s['budget-pacing-campaign/FAST']).toBe('firing');
  });
});
