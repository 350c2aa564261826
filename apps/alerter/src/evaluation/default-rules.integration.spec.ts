import { waitFor } from '@ams/testing';
import { startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AlerterHarness, dayHour, FactRow } from '../testing/alerter.harness';

/**
 * Every default rule against data built to cross it, data that does not, and data below the minimum
 * volume; then the data recovers and each alert resolves with one notification. Windows are the
 * advertiser's local day (offset 0 here); D is two days ago (settled for ACOS/ROAS), D-1 its baseline.
 */
describe('alerter: default rules on real PostgreSQL, NATS and a Slack catcher', () => {
  let h: AlerterHarness;
  const D = (hour: number) => dayHour(2, hour);
  const PREV = (hour: number) => dayHour(3, hour);
  const windowKey = `${D(0).slice(0, 10)}T00:00/24h`;

  // CTR drop > 20 % (min 1000 impressions in both windows), spend 0
  const ctr: FactRow[] = [
    { campaignId: 'ctr-fire', hourStart: PREV(10), impressions: 10_000, clicks: 200 },
    { campaignId: 'ctr-fire', hourStart: D(10), impressions: 10_000, clicks: 100 }, // 2 % → 1 %: -50 %
    { campaignId: 'ctr-quiet', hourStart: PREV(10), impressions: 10_000, clicks: 200 },
    { campaignId: 'ctr-quiet', hourStart: D(10), impressions: 10_000, clicks: 190 }, // -5 %
    { campaignId: 'ctr-small', hourStart: PREV(10), impressions: 500, clicks: 10 },
    { campaignId: 'ctr-small', hourStart: D(10), impressions: 500, clicks: 5 }, // -50 % on 500 impressions
  ];
  // spend spike > 50 % (min spend 10 in both windows), no clicks
  const spend: FactRow[] = [
    { campaignId: 'spend-fire', hourStart: PREV(9), cost: '20.00' },
    { campaignId: 'spend-fire', hourStart: D(9), cost: '40.00' }, // +100 %
    { campaignId: 'spend-quiet', hourStart: PREV(9), cost: '20.00' },
    { campaignId: 'spend-quiet', hourStart: D(9), cost: '25.00' }, // +25 %
    { campaignId: 'spend-small', hourStart: PREV(9), cost: '5.00' },
    { campaignId: 'spend-small', hourStart: D(9), cost: '15.00' }, // +200 % over a 5.00 baseline
  ];
  // ACOS > 30 % and ROAS < 2 (min 20 clicks; settled windows only)
  const conversions: FactRow[] = [
    {
      campaignId: 'acos-fire',
      hourStart: D(12),
      impressions: 2000,
      clicks: 50,
      cost: '40.00',
      orders: 4,
      sales: '100.00',
    }, // 40 %, ROAS 2.5
    {
      campaignId: 'acos-quiet',
      hourStart: D(12),
      impressions: 2000,
      clicks: 50,
      cost: '40.00',
      orders: 8,
      sales: '200.00',
    }, // 20 %, ROAS 5
    {
      campaignId: 'acos-small',
      hourStart: D(12),
      impressions: 2000,
      clicks: 10,
      cost: '40.00',
      orders: 1,
      sales: '50.00',
    }, // 80 % on 10 clicks
    {
      campaignId: 'roas-fire',
      hourStart: D(13),
      impressions: 2000,
      clicks: 40,
      cost: '50.00',
      orders: 2,
      sales: '60.00',
    }, // ROAS 1.2 (ACOS 83 %)
    {
      campaignId: 'roas-small',
      hourStart: D(13),
      impressions: 2000,
      clicks: 5,
      cost: '50.00',
      orders: 1,
      sales: '10.00',
    },
    // today's hours are not settled: not judged even though ACOS is 400 %
    {
      campaignId: 'acos-unsettled',
      hourStart: new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000).toISOString(),
      clicks: 50,
      cost: '40.00',
      orders: 1,
      sales: '10.00',
    },
  ];

  beforeAll(async () => {
    h = await AlerterHarness.create('alert_defaults', () => ({ SLACK_MIN_INTERVAL_MS: '200' }));
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('creates the default rules once (two replicas starting together), with thresholds from the environment', async () => {
    const [a, b] = await Promise.all([startNestApp(appDefinition, h.env), startNestApp(appDefinition, h.env)]);
    await b.close();
    h.app = a;
    const rules = await h.rows<{ default_key: string; threshold: string; metric: string; entity_level: string }>(
      `SELECT default_key, threshold::text, metric, entity_level FROM alert_rule ORDER BY id`,
    );
    expect(rules.map((r) => `${r.default_key}:${r.metric}:${r.threshold}`)).toEqual([
      'ctr-drop:ctr:20',
      'spend-spike:spend:50',
      'acos-high:acos:30',
      'roas-low:roas:2',
      'budget-warning-campaign:budget_usage:90',
      'budget-out-campaign:budget_usage:100',
      'budget-warning-portfolio:budget_usage:90',
      'budget-out-portfolio:budget_usage:100',
      'budget-pacing-campaign:projected_out_of_budget_before:21',
      'pipeline-dead-letters:dead_letter_messages:0',
      'pipeline-queue-age:queue_oldest_age_seconds:900',
      'ads-subscription-failed:subscription_failed_hours:0',
      'ads-subscription-pending:subscription_pending_hours:6',
      'ads-stale-data:dataset_stale_hours:6',
      'ads-reauthorization:ads_reauthorization_needed:0',
    ]);
    // restarted with another threshold: no new rows, the uncustomised rule follows the environment
    await h.stopApp();
    await h.start({ ALERT_ACOS_MAX_PCT: '35' });
    await h.stopApp();
    const [acos] = await h.rows<{ n: string; t: string }>(
      `SELECT count(*) OVER () AS n, threshold::text AS t FROM alert_rule WHERE default_key = 'acos-high'`,
    );
    expect(acos).toEqual({ n: '1', t: '35' });
    await h.start();
    expect((await h.rows(`SELECT 1 FROM alert_rule`)).length).toBe(15);
    expect(
      (await h.rows<{ t: string }>(`SELECT threshold::text AS t FROM alert_rule WHERE default_key = 'acos-high'`))[0].t,
    ).toBe('30');
  });

  it('fires each KPI rule on data that crosses it, and stays silent otherwise or below the minimum volume', async () => {
    const all = [...ctr, ...spend, ...conversions];
    await h.facts(all);
    await h.publishPerf(all);

    const expected = {
      [`ctr-drop/ctr-fire@${windowKey}`]: 'firing',
      [`spend-spike/spend-fire@${windowKey}`]: 'firing',
      [`acos-high/acos-fire@${windowKey}`]: 'firing',
      [`acos-high/roas-fire@${windowKey}`]: 'firing',
      [`roas-low/roas-fire@${windowKey}`]: 'firing',
    };
    await waitFor(async () => Object.keys(await h.alertStates()).length >= 5, { description: 'five alerts' });
    await waitFor(() => h.deliveredAlertIds().flat().length >= 5, { description: 'five alerts delivered to Slack' });
    expect(await h.alertStates()).toEqual(expected);

    const sent = h.deliveredAlertIds().flat();
    expect(sent).toHaveLength(5);
    expect(new Set(sent).size).toBe(5);
    const text = h.catcher.delivered.map((p) => p.raw).join('\n');
    expect(text).toContain('ctr-fire');
    expect(text).toContain('ACOS');
    expect(text).toContain('http://api.test/v1/alerts/');
    for (const quiet of [
      'ctr-quiet',
      'ctr-small',
      'spend-quiet',
      'spend-small',
      'acos-quiet',
      'acos-small',
      'roas-small',
      'acos-unsettled',
    ]) {
      expect(text).not.toContain(`${quiet}\``);
    }
    const history = await h.rows<{ type: string; n: string }>(
      `SELECT type, count(*)::text AS n FROM alert_event GROUP BY type`,
    );
    expect(history).toEqual([{ type: 'fired', n: '5' }]);
  });

  it('resolves each alert, with one notification, when the data recovers', async () => {
    const before = h.catcher.delivered.length;
    const recovered: FactRow[] = [
      { campaignId: 'ctr-fire', hourStart: D(10), impressions: 10_000, clicks: 195 },
      { campaignId: 'spend-fire', hourStart: D(9), cost: '22.00' },
      // restated: clicks invalidated and their cost refunded
      {
        campaignId: 'acos-fire',
        hourStart: D(12),
        impressions: 2000,
        clicks: 30,
        cost: '25.00',
        orders: 4,
        sales: '100.00',
      },
      {
        campaignId: 'roas-fire',
        hourStart: D(13),
        impressions: 2000,
        clicks: 40,
        cost: '20.00',
        orders: 3,
        sales: '80.00',
      },
    ];
    await h.facts(recovered);
    await h.publishPerf(recovered);
    await waitFor(async () => Object.values(await h.alertStates()).every((s) => s === 'resolved'), {
      description: 'all resolved',
    });
    await waitFor(() => h.deliveredAlertIds().slice(before).flat().length >= 5, {
      description: 'five resolutions delivered',
    });
    const resolvedIds = h.deliveredAlertIds().slice(before).flat();
    expect(new Set(resolvedIds).size).toBe(5);
    expect(
      h.catcher.delivered
        .slice(before)
        .map((p) => p.raw)
        .join('\n'),
    ).toMatch(/recovered|Resolved/);
    const history = await h.rows<{ type: string; n: string }>(
      `SELECT type, count(*)::text AS n FROM alert_event GROUP BY type ORDER BY type`,
    );
    expect(history).toEqual([
      { type: 'fired', n: '5' },
      { type: 'resolved', n: '5' },
    ]);
  });

  it('fires budget warnings at 90 % and out-of-budget at 100 %, for campaigns and portfolios, and resolves', async () => {
    const before = h.catcher.delivered.length;
    const rows = [
      { scopeType: 'CAMPAIGN' as const, scopeId: 'b-warn', usagePercentage: '95' },
      { scopeType: 'CAMPAIGN' as const, scopeId: 'b-out', usagePercentage: '100' },
      { scopeType: 'CAMPAIGN' as const, scopeId: 'b-quiet', usagePercentage: '85' },
      { scopeType: 'PORTFOLIO' as const, scopeId: 'p-out', usagePercentage: '104.5' },
    ];
    await h.budgets(rows);
    await h.publishBudget(rows);
    await waitFor(async () => Object.keys(await h.alertStates()).filter((k) => k.startsWith('budget')).length >= 5, {
      description: 'budget alerts',
    });
    const states = Object.fromEntries(Object.entries(await h.alertStates()).filter(([k]) => k.startsWith('budget')));
    expect(states).toEqual({
      'budget-warning-campaign/b-warn': 'firing',
      'budget-warning-campaign/b-out': 'firing',
      'budget-out-campaign/b-out': 'firing',
      'budget-warning-portfolio/p-out': 'firing',
      'budget-out-portfolio/p-out': 'firing',
    });
    await waitFor(() => h.deliveredAlertIds().slice(before).flat().length >= 5, {
      description: 'budget alerts delivered',
    });
    expect(
      h.catcher.delivered
        .slice(before)
        .map((p) => p.raw)
        .join('\n'),
    ).toContain('out of budget');

    const next = h.catcher.delivered.length;
    const reset = [
      { scopeType: 'CAMPAIGN' as const, scopeId: 'b-warn', usagePercentage: '5' },
      { scopeType: 'CAMPAIGN' as const, scopeId: 'b-out', usagePercentage: '5' },
      { scopeType: 'PORTFOLIO' as const, scopeId: 'p-out', usagePercentage: '5' },
    ];
    await h.budgets(reset);
    await h.publishBudget(reset);
    await waitFor(async () => Object.entries(await h.alertStates()).every(([, s]) => s === 'resolved'), {
      description: 'budget resolved',
    });
    await waitFor(() => h.deliveredAlertIds().slice(next).flat().length >= 5, {
      description: 'budget resolutions delivered',
    });
    expect(h.deliveredAlertIds().slice(next).flat()).toHaveLength(5);
  });
});
