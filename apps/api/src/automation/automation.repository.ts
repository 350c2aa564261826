import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ActionEntityLevel, ActionGuardsResolvedV1, ActionSpecV1, ActionTriggerV1 } from '@ams/contracts';

export interface SettingRow {
  enabled: boolean;
  updated_by: string | null;
  updated_at: Date;
}

export interface LimitRow {
  advertiser_id: string;
  max_daily_budget_increase: string;
}

/** What a PATCH needs of a live rule: its advertiser (who may touch it) and what actionRuleProblems judges. */
export interface RuleRow {
  id: string;
  advertiser_id: string;
  entity_level: ActionEntityLevel;
  scope_type: 'advertiser' | 'campaign' | 'ad_group';
  scope_id: string | null;
  trigger: ActionTriggerV1;
  action: ActionSpecV1;
  guards: ActionGuardsResolvedV1;
}

/**
 * Reads the kill switch and the daily caps (writer: the connector) and live action rules (writer: the alerter). The
 * api changes them only through the owners' commands.
 */
@Injectable()
export class AutomationRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async setting(): Promise<SettingRow | undefined> {
    const rows = (await this.ds.query(
      `SELECT enabled, updated_by, updated_at FROM automation_setting WHERE id = 'global'`,
    )) as SettingRow[];
    return rows[0];
  }

  /** undefined: every advertiser's. */
  async limits(advertiserIds?: string[]): Promise<LimitRow[]> {
    return (await this.ds.query(
      `SELECT advertiser_id, max_daily_budget_increase::text AS max_daily_budget_increase
         FROM automation_advertiser_limit
        ${advertiserIds ? 'WHERE advertiser_id = ANY($1::text[])' : ''}
        ORDER BY advertiser_id`,
      advertiserIds ? [advertiserIds] : [],
    )) as LimitRow[];
  }

  /** A rule that is not deleted, or undefined. */
  async liveRule(id: string): Promise<RuleRow | undefined> {
    const rows = (await this.ds.query(
      `SELECT id::text, advertiser_id, entity_level, scope_type, scope_id, trigger, action, guards
         FROM action_rule WHERE id = $1::bigint AND deleted_at IS NULL`,
      [id],
    )) as RuleRow[];
    return rows[0];
  }
}
