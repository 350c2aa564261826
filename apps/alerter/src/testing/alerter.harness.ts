/**
 * Test harness of the alerter (integration specs and the latency bench only; not part of the app):
 * its own database and NATS prefix, a Slack catcher, the app in-process, and helpers that write
 * what the processor would (hourly_fact, budget_usage_latest) and publish its events.
 */
import { Client } from 'pg';
import { BUDGET_USAGE_UPDATED, BudgetScopeV1, PERF_HOURLY_UPDATED, TouchedHourV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import {
  createTestDatabase,
  DEFAULT_NATS_URL,
  SlackCatcher,
  startSlackCatcher,
  TestDatabase,
  uniquePrefix,
} from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AlerterEnv } from '../config/alerter.env';

export const HOUR = 3_600_000;
export const ADVERTISER = 'ENTITYTEST01';

export interface FactRow {
  campaignId: string;
  /** UTC ISO hour start */
  hourStart: string;
  utcOffsetMinutes?: number;
  advertiserId?: string;
  adGroupId?: string;
  keywordId?: string;
  keywordText?: string | null;
  adProduct?: 'sp' | 'sb' | 'sd';
  impressions?: number;
  clicks?: number;
  cost?: string;
  /** orders and sales land in the default attribution window of the ad product */
  orders?: number;
  sales?: string;
}

export interface BudgetRow {
  scopeType: 'CAMPAIGN' | 'PORTFOLIO';
  scopeId: string;
  usagePercentage: string;
  advertiserId?: string;
  budget?: string;
  usageUpdatedAt?: string;
}

export class AlerterHarness {
  db!: TestDatabase;
  pg!: Client;
  js!: JetStreamService;
  catcher!: SlackCatcher;
  prefix!: string;
  app?: RunningTestApp<AlerterEnv>;
  env: Record<string, string> = {};

  static async create(
    label: string,
    env: (catcher: SlackCatcher) => Record<string, string> = () => ({}),
  ): Promise<AlerterHarness> {
    const h = new AlerterHarness();
    h.db = await createTestDatabase();
    h.pg = new Client({ connectionString: h.db.url });
    await h.pg.connect();
    h.catcher = await startSlackCatcher();
    h.prefix = uniquePrefix(label);
    h.env = {
      ...baseTestEnv(h.db, h.prefix),
      SLACK_WEBHOOK_URL: h.catcher.url,
      ALERT_EVAL_BATCH_WAIT_MS: '10',
      ALERT_GROUP_WAIT_MS: '100',
      ALERT_OUTBOX_POLL_MS: '200',
      ALERT_LINK_BASE_URL: 'http://api.test',
      ...env(h.catcher),
    };
    h.js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix: h.prefix, connectionName: `${label}-spec` });
    await h.js.connect();
    return h;
  }

  async start(overrides: Record<string, string> = {}): Promise<RunningTestApp<AlerterEnv>> {
    this.app = await startNestApp(appDefinition, { ...this.env, ...overrides });
    return this.app;
  }

  async stopApp(): Promise<void> {
    const app = this.app;
    this.app = undefined;
    await app?.close();
  }

  async dispose(): Promise<void> {
    await this.stopApp().catch(() => undefined);
    await this.js?.close().catch(() => undefined);
    await this.catcher?.close().catch(() => undefined);
    await this.pg?.end().catch(() => undefined);
    await this.db?.drop();
  }

  /** Writes hourly facts (replacing a row with the same key), as the processor's sums would read. */
  async facts(rows: FactRow[]): Promise<void> {
    for (const r of rows) {
      const product = r.adProduct ?? 'sp';
      const w = product === 'sp' ? '7d' : '14d';
      await this.pg.query(
        `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
                                  utc_offset_minutes, ad_product, currency, keyword_text, impressions, clicks, cost, orders_${w}, sales_${w})
         VALUES ($1, 'ATVPDKIKX0DER', $2, $3, 'ad1', $4, '', $5, $6, $7, 'USD', $8, $9, $10, $11, $12, $13)
         ON CONFLICT (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start)
         DO UPDATE SET impressions = EXCLUDED.impressions, clicks = EXCLUDED.clicks, cost = EXCLUDED.cost,
                       orders_${w} = EXCLUDED.orders_${w}, sales_${w} = EXCLUDED.sales_${w}, updated_at = now()`,
        [
          r.advertiserId ?? ADVERTISER,
          r.campaignId,
          r.adGroupId ?? 'ag1',
          r.keywordId ?? 'kw1',
          r.hourStart,
          r.utcOffsetMinutes ?? 0,
          product,
          r.keywordText ?? null,
          r.impressions ?? 0,
          r.clicks ?? 0,
          r.cost ?? '0',
          r.orders ?? 0,
          r.sales ?? '0',
        ],
      );
    }
  }

  async budgets(rows: BudgetRow[]): Promise<void> {
    for (const r of rows) {
      await this.pg.query(
        `INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at,
                                          ad_product, budget, usage_percentage)
         VALUES ($1, 'ATVPDKIKX0DER', $2, $3, $4, 'sp', $5, $6)
         ON CONFLICT (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id)
         DO UPDATE SET usage_percentage = EXCLUDED.usage_percentage, usage_updated_at = EXCLUDED.usage_updated_at,
                       budget = EXCLUDED.budget, updated_at = now()`,
        [
          r.advertiserId ?? ADVERTISER,
          r.scopeType,
          r.scopeId,
          r.usageUpdatedAt ?? new Date().toISOString(),
          r.budget ?? '50',
          r.usagePercentage,
        ],
      );
    }
  }

  /** Writes budget-usage history (`budget_usage_event`), as the processor stores each notification. */
  async budgetEvents(rows: Array<BudgetRow & { usageUpdatedAt: string }>): Promise<void> {
    for (const r of rows) {
      await this.pg.query(
        `INSERT INTO budget_usage_event (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at,
                                         ad_product, budget, usage_percentage)
         VALUES ($1, 'ATVPDKIKX0DER', $2, $3, $4, 'sp', $5, $6)`,
        [r.advertiserId ?? ADVERTISER, r.scopeType, r.scopeId, r.usageUpdatedAt, r.budget ?? '50', r.usagePercentage],
      );
    }
  }

  async publishPerf(
    rows: Array<Pick<FactRow, 'campaignId' | 'hourStart' | 'utcOffsetMinutes' | 'advertiserId'>>,
  ): Promise<void> {
    const touched: TouchedHourV1[] = rows.map((r) => ({
      advertiserId: r.advertiserId ?? ADVERTISER,
      campaignId: r.campaignId,
      hourStart: new Date(r.hourStart).toISOString(),
      utcOffsetMinutes: r.utcOffsetMinutes ?? 0,
    }));
    await this.js.publish(PERF_HOURLY_UPDATED, { version: 1, touched, emittedAt: new Date().toISOString() });
  }

  async publishBudget(rows: Array<Pick<BudgetRow, 'scopeType' | 'scopeId' | 'advertiserId'>>): Promise<void> {
    const scopes: BudgetScopeV1[] = rows.map((r) => ({
      advertiserId: r.advertiserId ?? ADVERTISER,
      marketplaceId: 'ATVPDKIKX0DER',
      budgetScopeType: r.scopeType,
      budgetScopeId: r.scopeId,
    }));
    await this.js.publish(BUDGET_USAGE_UPDATED, { version: 1, scopes, emittedAt: new Date().toISOString() });
  }

  async rows<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.pg.query(sql, params)).rows as T[];
  }

  /** Alerts by rule default key and entity: `acos-high/C1` → state. */
  async alertStates(): Promise<Record<string, string>> {
    const rows = await this.rows<{ k: string; state: string }>(
      `SELECT r.default_key || '/' || a.entity_id || CASE WHEN a.window_key = '' THEN '' ELSE '@' || a.window_key END AS k, a.state
         FROM alert a JOIN alert_rule r ON r.id = a.rule_id ORDER BY 1`,
    );
    return Object.fromEntries(rows.map((r) => [r.k, r.state]));
  }

  /** Alert ids named in each delivered Slack message (single card "Alert #12", grouped line "|#12>"). */
  deliveredAlertIds(): string[][] {
    return this.catcher.delivered.map((p) => [
      ...new Set([...p.raw.matchAll(/(?:Alert #|\|#)(\d+)/g)].map((m) => m[1])),
    ]);
  }
}

/** UTC midnight `daysAgo` days before today, plus `hour` hours, as ISO. */
export function dayHour(daysAgo: number, hour: number): string {
  const today = Math.floor(Date.now() / (24 * HOUR)) * 24 * HOUR;
  return new Date(today - daysAgo * 24 * HOUR + hour * HOUR).toISOString();
}
