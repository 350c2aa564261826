import { waitFor } from '@ams/testing';
import { ADVERTISER, AlerterHarness, HOUR } from '../testing/alerter.harness';
import { alerterMetrics } from '../alerter.metrics';
import { PacingRefreshService } from './pacing-refresh.service';

/**
 * Pacing on fact updates (issue 19): the default pacing rule re-judged when new hourly facts land, without a new
 * budget-usage event. Five weeks of history (5.00 an hour from 06:00 to 22:00, 80.00 a day, budget 100), the
 * advertiser's offset chosen so its local time now is 13:xx. Both campaigns report 10 % at 08:00 (on pace: no alert).
 * Then the facts of 08:00–11:59 land hour by hour, twelve events: FAST spends 20.00 an hour (90.00 by 12:00), STEADY
 * 5.00. FAST's pacing alert fires from the facts alone (its 90 % alert cannot: no usage event says 90 %), STEADY's
 * does not, and the twelve events are judged in a few coalesced runs.
 */
describe('alerter: pacing re-judged on new facts (real PostgreSQL, NATS, Slack catcher)', () => {
  let h: AlerterHarness;
  const now = Date.now();
  const utcHour = new Date(now).getUTCHours();
  const offsetHours = ((((13 - utcHour) % 24) + 24 + 11) % 24) - 11;
  const offset = offsetHours * 60;
  const today = new Date(now + offset * 60_000).toISOString().slice(0, 10);
  const localMidnightUtc = Date.parse(`${today}T00:00:00Z`) - offset * 60_000;
  const at = (hour: number) => new Date(localMidnightUtc + hour * HOUR).toISOString();

  beforeAll(async () => {
    h = await AlerterHarness.create('alertpacefacts', () => ({ ALERT_PACING_REFRESH_MS: '1500' }));
    await h.pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
          hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
        SELECT $1, 'ATVPDKIKX0DER', c, 'ag', 'ad', 'kw', '', to_timestamp($2::bigint / 1000.0) + make_interval(days => d, hours => hr),
               $3, 'sp', 'USD', 200, 10, 5.00, 1, 25
          FROM unnest(ARRAY['FAST', 'STEADY', 'NIGHT']) c, generate_series(-35, -1) d, generate_series(6, 21) hr`,
      [ADVERTISER, localMidnightUtc, offset],
    );
    // today until 08:00, on pace
    for (const c of ['FAST', 'STEADY', 'NIGHT'])
      await h.facts(
        [6, 7].map((hr) => ({ campaignId: c, hourStart: at(hr), utcOffsetMinutes: offset, clicks: 10, cost: '5.00' })),
      );
    await h.start();
  }, 30_000);
  afterAll(async () => {
    await h?.dispose();
  });

  const judged = async () => (await alerterMetrics.judged.get()).values.reduce((n, v) => n + v.value, 0);
  const states = async () =>
    Object.fromEntries(Object.entries(await h.alertStates()).filter(([k]) => k.startsWith('budget')));

  it('fires the pacing alert from the facts of an overpacing campaign, coalesced, and not for a steady one', async () => {
    const usage = ['FAST', 'STEADY'].map((scopeId) => ({
      scopeType: 'CAMPAIGN' as const,
      scopeId,
      usagePercentage: '10',
      budget: '100',
      usageUpdatedAt: at(8),
    }));
    const judgedBefore = await judged();
    await h.budgets(usage);
    await h.publishBudget(usage);
    const refresh = h.app?.app.get(PacingRefreshService);
    if (!refresh) throw new Error('no PacingRefreshService');
    // judged on the usage (two scopes × the 90 %, 100 % and pacing rules): on pace, nothing fires
    await waitFor(async () => (await judged()) >= judgedBefore + 6, {
      description: 'the usage judged',
      timeoutMs: 10_000,
    });
    expect(await states()).toEqual({});
    const runsBefore = refresh.runs;

    // the facts of 08:00–11:59, one event per campaign and hour
    for (const hr of [8, 9, 10, 11]) {
      await h.facts([
        { campaignId: 'FAST', hourStart: at(hr), utcOffsetMinutes: offset, clicks: 40, cost: '20.00' },
        { campaignId: 'STEADY', hourStart: at(hr), utcOffsetMinutes: offset, clicks: 10, cost: '5.00' },
      ]);
      for (const c of ['FAST', 'STEADY'])
        await h.publishPerf([{ campaignId: c, hourStart: at(hr), utcOffsetMinutes: offset }]);
    }
    await h.publishPerf([{ campaignId: 'FAST', hourStart: at(11), utcOffsetMinutes: offset }]);
    await h.publishPerf([{ campaignId: 'STEADY', hourStart: at(11), utcOffsetMinutes: offset }]);
    await h.publishPerf([{ campaignId: 'FAST', hourStart: at(10), utcOffsetMinutes: offset }]);
    await h.publishPerf([{ campaignId: 'STEADY', hourStart: at(10), utcOffsetMinutes: offset }]);

    await waitFor(async () => (await states())['budget-pacing-campaign/FAST'] === 'firing', {
      description: 'pacing alert of FAST from the facts',
      timeoutMs: 15_000,
    });
    const delivered = await waitFor(() => h.catcher.delivered.find((p) => p.raw.includes('Projected out of budget')), {
      description: 'pacing alert in Slack',
      timeoutMs: 15_000,
    });
    expect(delivered.raw).toContain('FAST');
    expect(delivered.raw).toMatch(/Spent[^"]*90\.00 of 100/);
    const [event] = await h.rows<{ value: string; details: { pacing: { asOfHour: number; spentSoFar: string } } }>(
      `SELECT e.value::text, e.details FROM alert_event e JOIN alert a ON a.id = e.alert_id
         JOIN alert_rule r ON r.id = a.rule_id
        WHERE a.entity_id = 'FAST' AND e.type = 'fired' AND r.default_key = 'budget-pacing-campaign'`,
    );
    // as of 12:00 (the facts' latest hour), spent 90.00 from the facts (the usage said 10.00): out about 12:30
    expect(event.details.pacing.asOfHour).toBe(12);
    expect(event.details.pacing.spentSoFar).toBe('90.00');
    expect(Number(event.value)).toBeGreaterThan(12);
    expect(Number(event.value)).toBeLessThan(14);

    // all touched campaigns judged, in fewer runs than the 12 events (touches within 1.5 s merge)
    await waitFor(() => refresh.pendingCampaigns === 0 && refresh.runs > runsBefore, {
      description: 'nothing pending',
      timeoutMs: 10_000,
    });
    expect(refresh.runs - runsBefore).toBeLessThanOrEqual(4);
    const s = await states();
    expect(s['budget-pacing-campaign/STEADY']).toBeUndefined();
    // no usage event says 90 %: the usual alert cannot know
    expect(s['budget-warning-campaign/FAST']).toBeUndefined();
  });

  it("projects a campaign whose only usage is of yesterday from today's facts, on that usage's budget", async () => {
    // yesterday 21:00: 60 % of 100 (no usage of today yet: Amazon reports in 5 % steps)
    const usage = [
      {
        scopeType: 'CAMPAIGN' as const,
        scopeId: 'NIGHT',
        usagePercentage: '60',
        budget: '100',
        usageUpdatedAt: at(-3),
      },
    ];
    await h.budgets(usage);
    for (const hr of [8, 9, 10, 11]) {
      await h.facts([{ campaignId: 'NIGHT', hourStart: at(hr), utcOffsetMinutes: offset, clicks: 40, cost: '20.00' }]);
    }
    await h.publishPerf([{ campaignId: 'NIGHT', hourStart: at(11), utcOffsetMinutes: offset }]);
    await waitFor(async () => (await states())['budget-pacing-campaign/NIGHT'] === 'firing', {
      description: "pacing alert of NIGHT from today's facts",
      timeoutMs: 15_000,
    });
    const [event] = await h.rows<{ details: { pacing: { asOfHour: number; spentSoFar: string } } }>(
      `SELECT e.details FROM alert_event e JOIN alert a ON a.id = e.alert_id JOIN alert_rule r ON r.id = a.rule_id
        WHERE a.entity_id = 'NIGHT' AND e.type = 'fired' AND r.default_key = 'budget-pacing-campaign'`,
    );
    // today's 06:00–11:59: 5.00 + 5.00 + 4 × 20.00, not yesterday's 60.00
    expect(event.details.pacing).toMatchObject({ asOfHour: 12, spentSoFar: '90.00' });
  });
});
