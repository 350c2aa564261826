import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { AlertV1 } from '@ams/contracts';

interface AlertRow {
  id: string;
  rule_id: string;
  advertiser_id: string;
  entity_type: string;
  entity_id: string;
  window_key: string;
  state: 'firing' | 'resolved';
  acknowledged: boolean;
  snoozed_until: Date | null;
  last_value: string | null;
  fired_at: Date;
  resolved_at: Date | null;
  last_notified_at: Date | null;
}

function toAlertV1(r: AlertRow): AlertV1 {
  return {
    id: String(r.id),
    ruleId: String(r.rule_id),
    advertiserId: r.advertiser_id,
    entityType: r.entity_type,
    entityId: r.entity_id,
    windowKey: r.window_key,
    state: r.state,
    acknowledged: r.acknowledged,
    snoozedUntil: r.snoozed_until?.toISOString() ?? null,
    lastValue: r.last_value,
    firedAt: r.fired_at.toISOString(),
    resolvedAt: r.resolved_at?.toISOString() ?? null,
    lastNotifiedAt: r.last_notified_at?.toISOString() ?? null,
  };
}

/** The user-set flags of an alert (acknowledged, snoozed until), each change recorded in alert_event. */
@Injectable()
export class AlertsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async acknowledge(alertId: string, by: string | null): Promise<AlertV1 | undefined> {
    return this.ds.transaction(async (em) => {
      const [rows] = (await em.query(
        `UPDATE alert SET acknowledged = true, acknowledged_at = now(), acknowledged_by = $2 WHERE id = $1 RETURNING *`,
        [alertId, by],
      )) as [AlertRow[], number];
      const row = rows[0];
      if (!row) return undefined;
      await em.query(
        `INSERT INTO alert_event (alert_id, advertiser_id, rule_id, type, value, threshold, details)
         SELECT id, advertiser_id, rule_id, 'acknowledged', last_value, threshold, jsonb_build_object('by', $2::text) FROM alert WHERE id = $1`,
        [alertId, by],
      );
      return toAlertV1(row);
    });
  }

  /** `until` null ends a snooze. */
  async snooze(alertId: string, until: Date | null, by: string | null): Promise<AlertV1 | undefined> {
    return this.ds.transaction(async (em) => {
      const [rows] = (await em.query(`UPDATE alert SET snoozed_until = $2 WHERE id = $1 RETURNING *`, [
        alertId,
        until,
      ])) as [AlertRow[], number];
      const row = rows[0];
      if (!row) return undefined;
      await em.query(
        `INSERT INTO alert_event (alert_id, advertiser_id, rule_id, type, value, threshold, details)
         SELECT id, advertiser_id, rule_id, $2, last_value, threshold, jsonb_build_object('by', $3::text, 'until', $4::timestamptz)
           FROM alert WHERE id = $1`,
        [alertId, until ? 'snoozed' : 'unsnoozed', by, until],
      );
      return toAlertV1(row);
    });
  }
}
