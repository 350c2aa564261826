import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import type { ActionRuleCreateRequestV1 } from '@ams/contracts';
import { dataSourceOptions } from '@ams/db';
import { loadConfig } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { tsNodeChildEnv } from '@ams/testing';
import { ADVERTISER, AlerterHarness, type FactRow } from '../testing/alerter.harness';
import { type BacktestReport, createBacktest } from './backtest';

const run = promisify(execFile);
const ROOT = resolve(__dirname, '../../../..');
const PROFILE = '5555555555555555';
const ZONE = 'America/Los_Angeles';
/** 2026-11-10 in Los Angeles (PST, UTC−8): local hour h is h + 8 UTC. */
const local = (hour: number, minute = 0) => new Date(Date.UTC(2026, 10, 10, hour + 8, minute)).toISOString();

const RULE: ActionRuleCreateRequestV1 = {
  name: 'raise when capped early',
  advertiserId: ADVERTISER,
  entityLevel: 'campaign',
  mode: 'auto', // the backtest forces dry_run
  trigger: {
    type: 'budget',
    beforeLocalHour: 18,
    also: [{ metric: 'roas', condition: 'at_least', threshold: '3', windowHours: 24 }],
  },
  action: { type: 'change_budget_pct', percent: '20' },
  guards: { maxActionsPerDay: 2, maxBudget: '500' },
};

/**
 * The backtest on real PostgreSQL: a seeded local day replayed through the alerter's own judges, with the report's
 * figures checked against the seeded sums, and nothing left in the database. Then the CLI as a process.
 */
describe('alerter: backtest replays a rule over stored history', () => {
  let h: AlerterHarness;
  let ds: DataSource;
  let dir: string;

  const cli = async (args: string[]) => {
    try {
      const { stdout, stderr } = await run(
        join(ROOT, 'node_modules/.bin/ts-node'),
        [
          '--transpile-only',
          '-P',
          'tools/tsconfig.json',
          '-r',
          './tools/register-paths.js',
          'apps/alerter/src/backtest/main-backtest.ts',
          ...args,
        ],
        { cwd: ROOT, env: tsNodeChildEnv({ DATABASE_URL: h.db.url }), timeout: 120_000 },
      );
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code?: number; stdout?: string; stderr?: string };
      return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  };

  beforeAll(async () => {
    h = await AlerterHarness.create('backtest');
    dir = mkdtempSync(join(tmpdir(), 'backtest-'));
    await h.pg.query(
      `INSERT INTO ads_profile (profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone,
                                account_type, synced_at)
       VALUES ($1, 'NA', $2, 'ATVPDKIKX0DER', 'US', 'USD', $3, 'seller', now())`,
      [PROFILE, ADVERTISER, ZONE],
    );
    for (const id of ['C1', 'C2']) {
      await h.pg.query(
        `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, campaign_id,
                                 name, state, budget_amount, budget_type, observed_at, raw)
         VALUES ($1, 'campaign', $2, $3, 'ATVPDKIKX0DER', 'SPONSORED_PRODUCTS', $2, $4, 'ENABLED', 100, 'DAILY', now(), '{}')`,
        [ADVERTISER, id, PROFILE, `Campaign ${id}`],
      );
    }
    // C1: ROAS 4 in the morning, 2 from 11:00, nothing sold from 17:00 (the whole day's ROAS is 0.77: a replay that
    // looked ahead would never act); C2: ROAS 2
    const facts: FactRow[] = [];
    for (let hour = 5; hour <= 22; hour++) {
      const [cost, sales] = hour <= 10 ? ['10', '40'] : hour <= 16 ? ['5', '10'] : ['50', '0'];
      facts.push({ campaignId: 'C1', hourStart: local(hour), utcOffsetMinutes: -480, clicks: 10, cost, sales });
      if (hour <= 10) {
        facts.push({
          campaignId: 'C2',
          hourStart: local(hour),
          utcOffsetMinutes: -480,
          clicks: 10,
          cost: '20',
          sales: '40',
        });
      }
    }
    await h.facts(facts);
    const event = (scopeId: string, at: string, usagePercentage: string, budget: string) => ({
      scopeType: 'CAMPAIGN' as const,
      scopeId,
      usageUpdatedAt: at,
      usagePercentage,
      budget,
    });
    await h.budgetEvents([
      event('C1', local(10, 30), '95', '100'), // below the level
      event('C1', local(11), '100', '100'), // out of budget at 11:00 → +20 %
      event('C1', local(11, 30), '100', '100'), // the same episode: decided
      event('C1', local(14), '100', '120'), // a second episode → +20 %
      event('C1', local(16), '100', '144'), // a third → maxActionsPerDay 2
      event('C1', local(19), '100', '172.8'), // after 18:00 local
      event('C2', local(11), '100', '100'), // ROAS 2
    ]);
    ds = new DataSource(dataSourceOptions({ url: h.db.url, poolSize: 2 }));
    await ds.initialize();
  }, 60_000);

  afterAll(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
    await h?.dispose();
  });

  const empty = async () => {
    const [r] = await h.rows<Record<string, string>>(
      `SELECT (SELECT count(*) FROM action_rule)::text AS rules, (SELECT count(*) FROM automation_action)::text AS actions,
              (SELECT count(*) FROM notification_outbox)::text AS outbox, (SELECT count(*) FROM automation_daypart)::text AS bases`,
    );
    return r;
  };

  it('out of budget at 11:00 with ROAS 4: +20 %, again at 14:00, then maxActionsPerDay; nothing remains', async () => {
    const backtest = createBacktest(loadConfig('alerter', AlerterEnv, h.env), ds);
    const report = await backtest.run({ rule: RULE, from: '2026-11-10', to: '2026-11-11' });

    expect(report).toMatchObject({ from: local(0), to: local(24), hours: 24, timeZone: ZONE, windowHours: 6 });
    expect(report.actions.map((a) => [a.local, a.entityId, a.valueBefore, a.valueAsked, a.state])).toEqual([
      ['2026-11-10 11:00', 'C1', '100.00', '120.00', 'dry_run'],
      ['2026-11-10 14:00', 'C1', '100.00', '120.00', 'dry_run'],
      ['2026-11-10 16:00', 'C1', '100.00', '120.00', 'blocked'],
    ]);
    const [first, second, third] = report.actions;
    expect(first.reason).toMatch(/raise the daily budget of campaign "Campaign C1" from 100\.00 to 120\.00.*roas 4/);
    expect(third.blockedBy).toContain('maxActionsPerDay: 2 of 2');
    // the seeded sums: 05–10 h 6 × (10, 40); 11–16 h 6 × (5, 10); 08–13 h 3 × (10, 40) + 3 × (5, 10); 14–19 h …
    expect([first.before, first.after]).toEqual([
      { spend: '60.00', sales: '240.00', acos: '25.00' },
      { spend: '30.00', sales: '60.00', acos: '50.00' },
    ]);
    expect([second.before, second.after]).toEqual([
      { spend: '45.00', sales: '150.00', acos: '30.00' },
      { spend: '165.00', sales: '30.00', acos: '550.00' },
    ]);
    expect(report.totals).toEqual({
      actions: 3,
      wouldAct: 2,
      blocked: 1,
      blockedBy: { maxActionsPerDay: 1 },
      budgetAdded: '40.00',
    });
    // rolled back: the rule, its proposals and their notices are gone
    expect(await empty()).toEqual({ rules: '0', actions: '0', outbox: '0', bases: '0' });
  });

  it('the CLI prints the same report as JSON, and a table; nothing remains', async () => {
    const file = join(dir, 'rule.json');
    writeFileSync(file, JSON.stringify(RULE));
    const json = await cli(['--rule', file, '--from', '2026-11-10', '--to', '2026-11-11', '--json']);
    // stderr beside the code: a failure says why the process ended
    if (json.code !== 0) throw new Error(`the CLI ended with ${String(json.code)}:\n${json.stderr}`);
    expect(json.stderr).not.toMatch(/^error/m);
    const report = JSON.parse(json.stdout) as BacktestReport;
    expect(report.totals).toMatchObject({ actions: 3, blocked: 1, budgetAdded: '40.00' });

    const text = await cli(['--rule', file, '--from', local(0), '--to', local(24), '--window-hours', '3']);
    expect(text).toMatchObject({ code: 0 });
    expect(text.stdout).toContain('2026-11-10 11:00  campaign C1 "Campaign C1"  budget 100.00 → 120.00  dry_run');
    expect(text.stdout).toContain('Totals: 3 actions: 2 would have been made, 1 blocked (maxActionsPerDay 1)');
    expect(await empty()).toEqual({ rules: '0', actions: '0', outbox: '0', bases: '0' });
  }, 240_000);

  it('the CLI refuses a bad rule file with exit 2, naming the field', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...RULE, action: { type: 'change_budget_pct', percent: '95' } }));
    const bad = await cli(['--rule', file, '--from', '2026-11-10', '--to', '2026-11-11']);
    if (bad.code !== 2) throw new Error(`the CLI ended with ${String(bad.code)}, not 2:\n${bad.stderr}`);
    expect(bad.stderr).toContain('action.percent: at most ±90 %');
    writeFileSync(file, JSON.stringify({ ...RULE, trigger: { type: 'budget', beforeLocalHour: 30 } }));
    const shape = await cli(['--rule', file, '--from', '2026-11-10', '--to', '2026-11-11']);
    if (shape.code !== 2) throw new Error(`the CLI ended with ${String(shape.code)}, not 2:\n${shape.stderr}`);
    expect(shape.stderr).toContain('trigger.beforeLocalHour');
  }, 240_000);
});
