import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface AlertEventRow {
  id: string;
  alert_id: string;
  advertiser_id: string;
}

export interface ActionChangeRow {
  id: string;
  advertiser_id: string;
  updated_at: Date;
}

/**
 * What the event stream reads from PostgreSQL: the alerter's `alert_event` history (every fire, resolve, acknowledge
 * and snooze is a row; no NATS event announces them) and `automation_action` changes (proposals and decisions have no
 * event; queued and settled ones do). Polled only while a browser listens.
 */
@Injectable()
export class LiveEventsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async maxAlertEventId(): Promise<string> {
    const [row] = (await this.ds.query(`SELECT COALESCE(max(id), 0)::text AS id FROM alert_event`)) as Array<{
      id: string;
    }>;
    return row.id;
  }

  /** alert_event rows with an id above `after` (primary key range), oldest first. */
  async alertEventsAfter(after: string, limit: number): Promise<AlertEventRow[]> {
    return (await this.ds.query(
      `SELECT id::text, alert_id::text, advertiser_id FROM alert_event WHERE id > $1::bigint ORDER BY alert_event.id LIMIT $2`,
      [after, limit],
    )) as AlertEventRow[];
  }

  /** automation_action rows changed at or after `since`. */
  async actionsChangedSince(since: Date, limit: number): Promise<ActionChangeRow[]> {
    return (await this.ds.query(
      `SELECT id::text, advertiser_id, updated_at FROM automation_action WHERE updated_at >= $1 ORDER BY updated_at LIMIT $2`,
      [since, limit],
    )) as ActionChangeRow[];
  }

  async now(): Promise<Date> {
    const [row] = (await this.ds.query(`SELECT now() AS now`)) as Array<{ now: Date }>;
    return row.now;
  }

  /** The advertiser of each action id (the ids of ACTIONS_QUEUED / ACTIONS_SETTLED). */
  async actionAdvertisers(ids: string[]): Promise<Array<{ id: string; advertiser_id: string }>> {
    if (ids.length === 0) return [];
    return (await this.ds.query(`SELECT id::text, advertiser_id FROM automation_action WHERE id = ANY($1::bigint[])`, [
      ids,
    ])) as Array<{ id: string; advertiser_id: string }>;
  }
}
