import { ACTION_RULE_CREATE, type ActionRuleCreateRequestV1, type ActionRuleV1 } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { ADVERTISER, AlerterHarness, HOUR } from '../testing/alerter.harness';
import { AutomationNoticesService } from './automation-notices.service';
import { AutomationService } from './automation.service';

/**
 * Action rules on real PostgreSQL and NATS with a Slack catcher: budget, metric and schedule triggers become proposals
 * with the guards applied, once per decision, in the rule's mode. The advertiser's zone is chosen so that its local
 * time is 10:xx now (a fixed local hour whenever the test runs).
 */
describe('alerter: action rules propose guarded changes', () => {
  let h: AlerterHarness;
  const now = new Date();
  const utcHour = now.getUTCHours();
  let offsetHours = 10 - utcHour;
  if (offsetHours > 14) offsetHours -= 24;
  if (offsetHours < -12) offsetHours += 24;
  // Etc/GMT-N is N hours ahead of UTC (the sign is inverted in these names)
  const zone = offsetHours >= 0 ? `Etc/GMT-${offsetHours}` : `Etc/GMT+${-offsetHours}`;
  const hourStart = new Date(Math.floor(now.getTime() / HOUR) * HOUR).toISOString();
  const PROFILE = '4444444444444444';
  const automation = (): AutomationService => {
    if (!h.app) throw new Error('the alerter is not running');
    return h.app.app.get(AutomationService);
  };

  const createRule = (r: Partial<ActionRuleCreateRequestV1>) =>
    h.js.request(
      ACTION_RULE_CREATE,
      {
        name: 'rule',
        advertiserId: ADVERTISER,
        entityLevel: 'campaign',
        trigger: { type: 'budget', beforeLocalHour: 18 },
        action: { type: 'change_budget_pct', percent: '20' },
        ...r,
      } as ActionRuleCreateRequestV1,
      5000,
    ) as Promise<ActionRuleV1>;

  const campaign = async (id: string, budget: string, adProduct = 'SPONSORED_PRODUCTS') => {
    await h.pg.query(
      `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, campaign_id, name,
                               state, budget_amount, budget_type, observed_at, raw)
       VALUES ($1, 'campaign', $2, $3, 'ATVPDKIKX0DER', $4, $2, $5, 'ENABLED', $6, 'DAILY', now(), '{}')
       ON CONFLICT (advertiser_id, entity_type, entity_id) DO UPDATE SET budget_amount = EXCLUDED.budget_amount, observed_at = now()`,
      [ADVERTISER, id, PROFILE, adProduct, `Campaign ${id}`, budget],
    );
  };
  const keyword = async (id: string, campaignId: string, bid: string) => {
    await h.pg.query(
      `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, target_kind,
                               campaign_id, ad_group_id, name, state, bid, observed_at, raw)
       VALUES ($1, 'target', $2, $3, 'ATVPDKIKX0DER', 'SPONSORED_PRODUCTS', 'keyword', $4, 'ag1', $5, 'ENABLED', $6, now(), '{}')`,
      [ADVERTISER, id, PROFILE, campaignId, `kw ${id}`, bid],
    );
  };
  const actions = (where = 'true', params: unknown[] = []) =>
    h.rows<{
      id: string;
      state: string;
      kind: string;
      entity_id: string;
      value_before: string;
      value_asked: string;
      reason: string;
      state_reason: string | null;
      expires_at: Date | null;
    }>(
      `SELECT id::text, state, kind, entity_id, value_before, value_asked, reason, state_reason, expires_at
         FROM automation_action WHERE ${where} ORDER BY automation_action.id`,
      params,
    );

  beforeAll(async () => {
    h = await AlerterHarness.create('automation');
    await h.pg.query(
      `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
                                account_type, synced_at)
       VALUES ($1, 'NA', $2, 'ATVPDKIKX0DER', 'US', 'USD', $3, 'seller', now())`,
      [PROFILE, ADVERTISER, zone],
    );
    await h.pg.query(`INSERT INTO ads_connection (id, region, state) VALUES ('default', 'NA', 'authorized')`);
    await h.pg.query(
      `INSERT INTO dataset_freshness (advertiser_id, dataset_id, last_received_at)
       VALUES ($1, 'budget-usage', now()), ($1, 'sp-traffic', now())`,
      [ADVERTISER],
    );
    await h.start({ AUTOMATION_SCHEDULE_SECONDS: '3600' });
  }, 60_000);

  afterAll(async () => {
    await h?.dispose();
  });

  beforeEach(async () => {
    await h.pg.query(`DELETE FROM notification_outbox`);
    await h.pg.query(`DELETE FROM automation_daypart`);
    await h.pg.query(`DELETE FROM automation_action`);
    await h.pg.query(`UPDATE action_rule SET enabled = false`);
    h.catcher.reset();
  });

  it('refuses a rule whose percentage, level or guards are impossible, naming the field', async () => {
    await expect(createRule({ action: { type: 'change_budget_pct', percent: '95' } })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('action.percent'),
    });
    await expect(createRule({ entityLevel: 'keyword' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('action.type'),
    });
    await expect(createRule({ guards: { minBudget: '50', maxBudget: '20' } })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('guards.maxBudget'),
    });
    const ok = await createRule({ name: 'valid' });
    expect(ok).toMatchObject({ mode: 'dry_run', guards: { maxActionsPerDay: 2, cooldownMinutes: 60 } });
  });

  it('dry run: out of budget before 18:00 local with ROAS ≥ 3 records "would raise" once and posts it', async () => {
    await createRule({
      name: 'raise when capped early',
      trigger: {
        type: 'budget',
        beforeLocalHour: 18,
        also: [{ metric: 'roas', condition: 'at_least', threshold: '3', windowHours: 24 }],
      },
      guards: { maxBudget: '500' },
    });
    await campaign('C1', '100');
    await campaign('C2', '100'); // ROAS 2: stays
    await h.facts([
      { campaignId: 'C1', hourStart, utcOffsetMinutes: offsetHours * 60, clicks: 40, cost: '25.00', sales: '100.00' },
      { campaignId: 'C2', hourStart, utcOffsetMinutes: offsetHours * 60, clicks: 40, cost: '50.00', sales: '100.00' },
    ]);
    await h.budgets([
      { scopeType: 'CAMPAIGN', scopeId: 'C1', usagePercentage: '100', budget: '100' },
      { scopeType: 'CAMPAIGN', scopeId: 'C2', usagePercentage: '100', budget: '100' },
    ]);
    await h.publishBudget([
      { scopeType: 'CAMPAIGN', scopeId: 'C1' },
      { scopeType: 'CAMPAIGN', scopeId: 'C2' },
    ]);
    const [a] = await waitFor(async () => (await actions()).length > 0 && actions(), { timeoutMs: 15_000 });
    expect(a).toMatchObject({ state: 'dry_run', entity_id: 'C1', value_before: '100.00', value_asked: '120.00' });
    expect(a.reason).toMatch(/raise the daily budget of campaign "Campaign C1" from 100\.00 to 120\.00/);
    expect(a.reason).toMatch(/out of budget before 18:00 local.*roas 4/);
    const posted = await waitFor(() => h.catcher.delivered.find((d) => d.raw.includes('Dry run')), {
      timeoutMs: 15_000,
    });
    expect(posted.raw).toContain('would raise the daily budget');

    // the same event again (a redelivery): the same decision, not a second one
    await h.publishBudget([{ scopeType: 'CAMPAIGN', scopeId: 'C1' }]);
    const svc = automation();
    await svc.onBudgetUpdated([
      { advertiserId: ADVERTISER, marketplaceId: 'ATVPDKIKX0DER', budgetScopeType: 'CAMPAIGN', budgetScopeId: 'C1' },
    ]);
    expect(await actions()).toHaveLength(1);
  });

  it('auto: the ceiling caps the ask, and a burst of triggers from concurrent judges keeps maxActionsPerDay', async () => {
    await createRule({ name: 'auto capped', mode: 'auto', guards: { maxBudget: '110', cooldownMinutes: 0 } });
    await campaign('C3', '100');
    const svc = automation();
    const scope = {
      advertiserId: ADVERTISER,
      marketplaceId: 'ATVPDKIKX0DER',
      budgetScopeType: 'CAMPAIGN' as const,
      budgetScopeId: 'C3',
    };
    await h.budgets([{ scopeType: 'CAMPAIGN', scopeId: 'C3', usagePercentage: '100', budget: '100' }]);
    await svc.onBudgetUpdated([scope]);
    const [first] = await actions(`entity_id = 'C3'`);
    expect(first).toMatchObject({ state: 'queued', value_before: '100.00', value_asked: '110.00' });
    expect(first.reason).toContain('capped at the ceiling 110.00');

    // the same episode judged five times at once (replicas, redeliveries): still one decision
    await Promise.all(Array.from({ length: 5 }, () => svc.onBudgetUpdated([scope])));
    expect(await actions(`entity_id = 'C3'`)).toHaveLength(1);

    // later episodes (the budget changed each time): the second passes, the third hits maxActionsPerDay 2
    await h.pg.query(`UPDATE action_rule SET guards = guards || '{"maxBudget": null}' WHERE name = 'auto capped'`);
    for (const b of ['110', '132']) {
      await h.budgets([{ scopeType: 'CAMPAIGN', scopeId: 'C3', usagePercentage: '100', budget: b }]);
      await svc.onBudgetUpdated([scope]);
    }
    const all = await actions(`entity_id = 'C3'`);
    expect(all.map((a) => a.state)).toEqual(['queued', 'queued', 'blocked']);
    expect(all[2].state_reason).toContain('maxActionsPerDay: 2 of 2');
  });

  it('the daily cap on budget increases limits, then blocks, raises across campaigns', async () => {
    await h.pg.query(
      `INSERT INTO automation_advertiser_limit (advertiser_id, max_daily_budget_increase, updated_by) VALUES ($1, '30', 'test')
       ON CONFLICT (advertiser_id) DO UPDATE SET max_daily_budget_increase = '30'`,
      [ADVERTISER],
    );
    await createRule({ name: 'auto raise', mode: 'auto' });
    const svc = automation();
    for (const id of ['D1', 'D2', 'D3']) {
      await campaign(id, '100');
      await h.budgets([{ scopeType: 'CAMPAIGN', scopeId: id, usagePercentage: '100', budget: '100' }]);
    }
    // three campaigns judged at once (as a burst across replicas): +20, then +10 (the rest of the cap), then blocked
    await Promise.all(
      ['D1', 'D2', 'D3'].map((id) =>
        svc.onBudgetUpdated([
          { advertiserId: ADVERTISER, marketplaceId: 'ATVPDKIKX0DER', budgetScopeType: 'CAMPAIGN', budgetScopeId: id },
        ]),
      ),
    );
    const rows = await actions(`entity_id LIKE 'D%'`);
    expect(rows.map((r) => [r.state, r.value_asked])).toEqual([
      ['queued', '120.00'],
      ['queued', '110.00'],
      ['blocked', '120.00'],
    ]);
    expect(rows[2].state_reason).toContain('maxDailyBudgetIncrease: 30.00 of 30.00');
    const [sum] = await h.rows<{ s: string }>(
      `SELECT sum(budget_increase)::text AS s FROM automation_action WHERE entity_id LIKE 'D%' AND state = 'queued'`,
    );
    expect(Number(sum.s)).toBe(30);
    await h.pg.query(`DELETE FROM automation_advertiser_limit`);
  });

  it('never acts on stale data', async () => {
    await createRule({ name: 'stale', mode: 'auto' });
    await campaign('S1', '100');
    await h.budgets([{ scopeType: 'CAMPAIGN', scopeId: 'S1', usagePercentage: '100', budget: '100' }]);
    await h.pg.query(
      `UPDATE dataset_freshness SET last_received_at = now() - interval '5 hours' WHERE dataset_id = 'budget-usage'`,
    );
    try {
      await automation().onBudgetUpdated([
        {
          advertiserId: ADVERTISER,
          marketplaceId: 'ATVPDKIKX0DER',
          budgetScopeType: 'CAMPAIGN',
          budgetScopeId: 'S1',
        },
      ]);
    } finally {
      await h.pg.query(`UPDATE dataset_freshness SET last_received_at = now()`);
    }
    const [a] = await actions(`entity_id = 'S1'`);
    expect(a).toMatchObject({ state: 'blocked' });
    expect(a.state_reason).toMatch(/stale data: the last record arrived 5\.0 h ago \(limit 3 h\)/);
  });

  it('dayparting: the window raises a bid for approval, and its end restores the base', async () => {
    await campaign('K', '50');
    await keyword('KW1', 'K', '1.00');
    await createRule({
      name: 'evening bids',
      mode: 'approval',
      entityLevel: 'keyword',
      trigger: { type: 'schedule' },
      action: {
        type: 'daypart_bid',
        windows: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], fromHour: 10, toHour: 11, multiplier: '1.5' },
        ],
      },
    });
    const svc = automation();
    await svc.onSchedule(now);
    await svc.onSchedule(now); // the same window: nothing new
    const [raise] = await actions(`entity_id = 'KW1'`);
    expect(raise).toMatchObject({ state: 'pending_approval', kind: 'rule', value_before: '1.00', value_asked: '1.50' });
    expect((raise.expires_at as Date).getTime() - Date.now()).toBeGreaterThan(200 * 60_000);
    await waitFor(() => h.catcher.delivered.find((d) => d.raw.includes('Waiting for approval')), { timeoutMs: 15_000 });

    // an hour later (local 11:xx) the window has ended: back to the base 1.00
    await h.pg.query(`UPDATE ads_entity SET bid = 1.50 WHERE entity_id = 'KW1'`);
    await svc.onSchedule(new Date(now.getTime() + HOUR));
    const rows = await actions(`entity_id = 'KW1'`);
    expect(rows.map((r) => [r.kind, r.value_before, r.value_asked, r.state])).toEqual([
      ['rule', '1.00', '1.50', 'pending_approval'],
      ['daypart_restore', '1.50', '1.00', 'pending_approval'],
    ]);
    expect(rows[1]).toMatchObject({ kind: 'daypart_restore', value_before: '1.50', value_asked: '1.00' });
    expect(rows[1].reason).toContain('back to the base 1.00');
  });

  it("posts one digest per advertiser of yesterday's automation, once its local hour has come", async () => {
    await createRule({ name: 'digest source', mode: 'auto' });
    await campaign('G1', '100');
    // yesterday at local 10:xx: a raise (marked done below, as the connector would)
    const yesterday = new Date(now.getTime() - 24 * HOUR);
    await h.budgets([
      {
        scopeType: 'CAMPAIGN',
        scopeId: 'G1',
        usagePercentage: '100',
        budget: '100',
        usageUpdatedAt: yesterday.toISOString(),
      },
    ]);
    await automation().onBudgetUpdated(
      [{ advertiserId: ADVERTISER, marketplaceId: 'ATVPDKIKX0DER', budgetScopeType: 'CAMPAIGN', budgetScopeId: 'G1' }],
      yesterday,
    );
    await h.pg.query(`UPDATE automation_action SET state = 'done', created_at = $1 WHERE entity_id = 'G1'`, [
      yesterday,
    ]);
    const notices = h.app?.app.get(AutomationNoticesService) as AutomationNoticesService;
    // local 07:xx: before AUTOMATION_DIGEST_LOCAL_HOUR (8), nothing; local 10:xx: one; again: none
    expect(await notices.digests(new Date(now.getTime() - 3 * HOUR))).toBe(0);
    expect(await notices.digests(now)).toBe(1);
    expect(await notices.digests(now)).toBe(0);
    const digest = await waitFor(() => h.catcher.delivered.find((d) => d.raw.includes('Automation on')), {
      timeoutMs: 15_000,
    });
    expect(digest.raw).toContain('Executed at Amazon: 1');
    expect(digest.raw).toContain('raise the daily budget of campaign');
  });
});
