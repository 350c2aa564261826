import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { entityLatestLookupSql } from '@ams/db';

export interface AlertRow {
  id: string;
  rule_id: string;
  rule_name: string;
  metric: string;
  severity: string;
  advertiser_id: string;
  entity_type: string;
  entity_id: string;
  entity_name: string | null;
  campaign_id: string | null;
  window_key: string;
  window_start: Date | null;
  window_end: Date | null;
  state: string;
  acknowledged: boolean;
  acknowledged_by: string | null;
  snoozed_until: Date | null;
  last_value: string | null;
  last_baseline: string | null;
  last_change_pct: string | null;
  threshold: string;
  fired_at: Date;
  resolved_at: Date | null;
  last_notified_at: Date | null;
}

/** An alert's entity name is the one `entity_latest` shows (the newer of the AMS record and the Ads API sync). */
const SELECT = `
  SELECT a.id::text, a.rule_id::text, r.name AS rule_name, r.metric, r.severity, a.advertiser_id, a.entity_type, a.entity_id,
         e.name AS entity_name, a.campaign_id, a.window_key, a.window_start, a.window_end, a.state, a.acknowledged,
         a.acknowledged_by, a.snoozed_until, a.last_value::text, a.last_baseline::text, a.last_change_pct::text,
         a.threshold::text, a.fired_at, a.resolved_at, a.last_notified_at
    FROM alert a
    JOIN alert_rule r ON r.id = a.rule_id
    LEFT JOIN LATERAL (${entityLatestLookupSql(
      'a.advertiser_id',
      `CASE a.entity_type WHEN 'campaign' THEN 'campaign' WHEN 'ad_group' THEN 'ad_group' WHEN 'keyword' THEN 'target' ELSE '-' END`,
      'a.entity_id',
    )}) e ON true`;

/** Reads the alerter's tables (the alerter is their only writer). */
@Injectable()
export class AlertsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async list(f: {
    state?: string;
    /** undefined: every advertiser */
    advertiserIds?: string[];
    campaignId?: string;
    since?: string;
    after?: [string, string];
    limit: number;
  }): Promise<AlertRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.state) where.push(`a.state = ${p(f.state)}`);
    if (f.advertiserIds) where.push(`a.advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.campaignId) where.push(`a.campaign_id = ${p(f.campaignId)}`);
    if (f.since) where.push(`a.fired_at >= ${p(f.since)}::timestamptz`);
    if (f.after) where.push(`(a.fired_at, a.id) < (${p(f.after[0])}::timestamptz, ${p(f.after[1])}::bigint)`);
    return (await this.ds.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.fired_at DESC, a.id DESC LIMIT ${p(f.limit)}`,
      params,
    )) as AlertRow[];
  }

  async one(id: string): Promise<AlertRow | undefined> {
    const rows = (await this.ds.query(`${SELECT} WHERE a.id = $1`, [id])) as AlertRow[];
    return rows[0];
  }

  async advertiserOf(id: string): Promise<string | undefined> {
    const rows = (await this.ds.query(`SELECT advertiser_id FROM alert WHERE id = $1`, [id])) as Array<{
      advertiser_id: string;
    }>;
    return rows[0]?.advertiser_id;
  }

  async history(id: string): Promise<Array<Record<string, unknown>>> {
    return (await this.ds.query(
      `SELECT id::text, type, at, value::text, baseline::text, change_pct::text, threshold::text, details
         FROM alert_event WHERE alert_id = $1 ORDER BY at, alert_event.id`,
      [id],
    )) as Array<Record<string, unknown>>;
  }

  async notifications(id: string): Promise<Array<Record<string, unknown>>> {
    return (await this.ds.query(
      `SELECT id::text, kind, destination, status, attempts, last_status, last_error, created_at, sent_at
         FROM notification_outbox WHERE alert_id = $1 ORDER BY notification_outbox.id`,
      [id],
    )) as Array<Record<string, unknown>>;
  }

  async rules(id?: string): Promise<Array<Record<string, unknown>>> {
    return (await this.ds.query(
      `SELECT id::text, default_key, name, metric, condition, threshold::text, baseline, window_hours, entity_level, scope_type,
              scope_id, min_impressions, min_clicks, min_spend::text, settling_hours, severity, destination,
              repeat_interval_minutes, enabled, customized, created_at, updated_at
         FROM alert_rule WHERE deleted_at IS NULL ${id ? 'AND id = $1' : ''} ORDER BY alert_rule.id`,
      id ? [id] : [],
    )) as Array<Record<string, unknown>>;
  }
}
