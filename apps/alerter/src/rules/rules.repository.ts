import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AlertRuleV1 } from '@ams/contracts';
import type { AlertRule, RuleDraft } from './rule.logic';

interface RuleRow {
  id: string;
  default_key: string | null;
  name: string;
  metric: AlertRule['metric'];
  condition: AlertRule['condition'];
  threshold: string;
  baseline: AlertRule['baseline'];
  window_hours: number | null;
  entity_level: AlertRule['entityLevel'];
  scope_type: AlertRule['scopeType'];
  scope_id: string | null;
  min_impressions: string;
  min_clicks: string;
  min_spend: string;
  settling_hours: number;
  severity: AlertRule['severity'];
  destination: string;
  repeat_interval_minutes: number;
  enabled: boolean;
  customized: boolean;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = [
  'default_key',
  'name',
  'metric',
  'condition',
  'threshold',
  'baseline',
  'window_hours',
  'entity_level',
  'scope_type',
  'scope_id',
  'min_impressions',
  'min_clicks',
  'min_spend',
  'settling_hours',
  'severity',
  'destination',
  'repeat_interval_minutes',
  'enabled',
] as const;

/** Columns of a default rule that follow the environment until a user customises the rule. */
const ENV_DRIVEN = [
  'threshold',
  'window_hours',
  'min_impressions',
  'min_clicks',
  'min_spend',
  'settling_hours',
  'repeat_interval_minutes',
];

function values(d: RuleDraft): unknown[] {
  return [
    d.defaultKey,
    d.name,
    d.metric,
    d.condition,
    d.threshold,
    d.baseline,
    d.windowHours,
    d.entityLevel,
    d.scopeType,
    d.scopeId,
    String(d.minImpressions),
    String(d.minClicks),
    d.minSpend,
    d.settlingHours,
    d.severity,
    d.destination,
    d.repeatIntervalMinutes,
    d.enabled,
  ];
}

function toRule(r: RuleRow): AlertRule {
  return {
    id: String(r.id),
    defaultKey: r.default_key,
    name: r.name,
    metric: r.metric,
    condition: r.condition,
    threshold: r.threshold,
    baseline: r.baseline,
    windowHours: r.window_hours,
    entityLevel: r.entity_level,
    scopeType: r.scope_type,
    scopeId: r.scope_id,
    minImpressions: Number(r.min_impressions),
    minClicks: Number(r.min_clicks),
    minSpend: r.min_spend,
    settlingHours: r.settling_hours,
    severity: r.severity,
    destination: r.destination,
    repeatIntervalMinutes: r.repeat_interval_minutes,
    enabled: r.enabled,
    customized: r.customized,
  };
}

export function toRuleV1(r: AlertRule & { createdAt: Date; updatedAt: Date }): AlertRuleV1 {
  const { createdAt, updatedAt, ...rest } = r;
  return { ...rest, createdAt: createdAt.toISOString(), updatedAt: updatedAt.toISOString() };
}

/** alert_rule (writer: alerter). Deleted rules are kept (their alerts and history refer to them). */
@Injectable()
export class RulesRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Rules the evaluator applies. */
  async enabled(): Promise<AlertRule[]> {
    const rows = (await this.ds.query(
      `SELECT * FROM alert_rule WHERE enabled AND deleted_at IS NULL ORDER BY id`,
    )) as RuleRow[];
    return rows.map(toRule);
  }

  async list(includeDisabled: boolean): Promise<Array<AlertRule & { createdAt: Date; updatedAt: Date }>> {
    const rows = (await this.ds.query(
      `SELECT * FROM alert_rule WHERE deleted_at IS NULL AND ($1 OR enabled) ORDER BY id`,
      [includeDisabled],
    )) as RuleRow[];
    return rows.map((r) => ({ ...toRule(r), createdAt: r.created_at, updatedAt: r.updated_at }));
  }

  /**
   * Creates the default rules once (safe with replicas starting together: ON CONFLICT on the default
   * key) and keeps their env-driven thresholds in line with the environment unless a user changed them.
   */
  async upsertDefaults(drafts: RuleDraft[]): Promise<{ created: number; updated: number }> {
    let created = 0;
    let updated = 0;
    const placeholders = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    const sets = ENV_DRIVEN.map((c) => `${c} = EXCLUDED.${c}`).join(', ');
    const changed = ENV_DRIVEN.map((c) => `alert_rule.${c} IS DISTINCT FROM EXCLUDED.${c}`).join(' OR ');
    for (const d of drafts) {
      const rows = (await this.ds.query(
        `INSERT INTO alert_rule (${COLUMNS.join(', ')}) VALUES (${placeholders})
         ON CONFLICT (default_key) DO UPDATE SET ${sets}, updated_at = now()
           WHERE NOT alert_rule.customized AND alert_rule.deleted_at IS NULL AND (${changed})
         RETURNING (xmax = 0) AS inserted`,
        values(d),
      )) as Array<{ inserted: boolean }>;
      if (rows[0]?.inserted) created++;
      else if (rows.length) updated++;
    }
    return { created, updated };
  }

  async insert(d: RuleDraft): Promise<AlertRule & { createdAt: Date; updatedAt: Date }> {
    const placeholders = COLUMNS.map((_, i) => `$${i + 1}`).join(', ');
    const [row] = (await this.ds.query(
      `INSERT INTO alert_rule (${COLUMNS.join(', ')}) VALUES (${placeholders}) RETURNING *`,
      values(d),
    )) as RuleRow[];
    return { ...toRule(row), createdAt: row.created_at, updatedAt: row.updated_at };
  }

  /** Loads a live rule for update inside `em`'s transaction. */
  async lockLive(em: EntityManager, id: string): Promise<AlertRule | undefined> {
    const [row] = (await em.query(`SELECT * FROM alert_rule WHERE id = $1 AND deleted_at IS NULL FOR UPDATE`, [
      id,
    ])) as RuleRow[];
    return row ? toRule(row) : undefined;
  }

  async update(
    em: EntityManager,
    id: string,
    d: RuleDraft,
    customized: boolean,
  ): Promise<AlertRule & { createdAt: Date; updatedAt: Date }> {
    const sets = COLUMNS.map((c, i) => `${c} = $${i + 2}`).join(', ');
    const [rows] = (await em.query(
      `UPDATE alert_rule SET ${sets}, customized = $${COLUMNS.length + 2}, updated_at = now() WHERE id = $1 RETURNING *`,
      [id, ...values(d), customized],
    )) as [RuleRow[], number];
    const row = rows[0];
    return { ...toRule(row), createdAt: row.created_at, updatedAt: row.updated_at };
  }

  async softDelete(id: string): Promise<boolean> {
    const [rows] = (await this.ds.query(
      `UPDATE alert_rule SET deleted_at = now(), enabled = false, updated_at = now() WHERE id = $1 AND deleted_at IS NULL RETURNING id`,
      [id],
    )) as [unknown[], number];
    return rows.length > 0;
  }

  transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }
}
