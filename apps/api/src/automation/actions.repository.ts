import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { ActionState, ActionV1 } from '@ams/contracts';
import { ACTION_COLUMNS_SQL, ACTION_FROM_SQL, type ActionViewRow, toActionView } from '@ams/db';

const SELECT = `SELECT ${ACTION_COLUMNS_SQL} FROM ${ACTION_FROM_SQL}`;

export type ActionRow = ActionViewRow;

/** The row as the contract's ActionV1 (the one mapping the connector's replies use too). */
export function actionView(r: ActionRow): ActionV1 {
  return toActionView(r) as ActionV1;
}

/** Reads the automation tables (writers: the alerter proposes, the connector decides and executes). */
@Injectable()
export class ActionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Newest first; `before`: ids below it (keyset on the primary key). */
  async list(f: {
    state?: ActionState;
    /** undefined: every advertiser */
    advertiserIds?: string[];
    ruleId?: string;
    before?: string;
    limit: number;
  }): Promise<ActionRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.state) where.push(`a.state = ${p(f.state)}`);
    if (f.advertiserIds) where.push(`a.advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.ruleId) where.push(`a.rule_id = ${p(f.ruleId)}::bigint`);
    if (f.before) where.push(`a.id < ${p(f.before)}::bigint`);
    return (await this.ds.query(
      `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT ${p(f.limit)}`,
      params,
    )) as ActionRow[];
  }

  async one(id: string): Promise<ActionRow | undefined> {
    const rows = (await this.ds.query(`${SELECT} WHERE a.id = $1::bigint`, [id])) as ActionRow[];
    return rows[0];
  }

  async advertiserOf(id: string): Promise<string | undefined> {
    const rows = (await this.ds.query(`SELECT advertiser_id FROM automation_action WHERE id = $1::bigint`, [id])) as {
      advertiser_id: string;
    }[];
    return rows[0]?.advertiser_id;
  }
}
