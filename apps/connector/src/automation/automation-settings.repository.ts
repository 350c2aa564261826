import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AutomationSetRequestV1, AutomationStateV1 } from '@ams/contracts';
import { ConnectorEnv } from '../config/connector.env';

/**
 * The kill switch (`automation_setting`, one row) and the per-advertiser daily caps on budget increases
 * (`automation_advertiser_limit`); the connector writes both. What executes is AUTOMATION_ENABLED and the switch.
 */
@Injectable()
export class AutomationSettingsRepository {
  constructor(
    private readonly env: ConnectorEnv,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** The state as the executor judges it each round (and as AUTOMATION_SET replies). */
  async read(em: EntityManager = this.ds.manager): Promise<AutomationStateV1> {
    const [setting]: { enabled: boolean; updated_by: string | null; updated_at: Date | null }[] = await em.query(
      `SELECT enabled, updated_by, updated_at FROM automation_setting WHERE id = 'global'`,
    );
    const limits: { advertiser_id: string; max: string }[] = await em.query(
      `SELECT advertiser_id, max_daily_budget_increase::text AS max FROM automation_advertiser_limit
        ORDER BY advertiser_id`,
    );
    const switchEnabled = setting?.enabled ?? true;
    return {
      enabled: this.env.AUTOMATION_ENABLED && switchEnabled,
      switchEnabled,
      envEnabled: this.env.AUTOMATION_ENABLED,
      updatedBy: setting?.updated_by ?? null,
      updatedAt: setting?.updated_at ? new Date(setting.updated_at).toISOString() : null,
      defaultMaxDailyBudgetIncrease: this.env.AUTOMATION_MAX_DAILY_BUDGET_INCREASE,
      advertiserLimits: limits.map((l) => ({ advertiserId: l.advertiser_id, maxDailyBudgetIncrease: l.max })),
    };
  }

  /** The switch (when given) and the caps (null: back to the default) in one transaction. */
  set(req: AutomationSetRequestV1): Promise<AutomationStateV1> {
    return this.ds.transaction(async (em) => {
      await em.query(
        `INSERT INTO automation_setting (id, enabled, updated_by, updated_at) VALUES ('global', COALESCE($1, true), $2, now())
         ON CONFLICT (id) DO UPDATE SET enabled = COALESCE($1, automation_setting.enabled),
           updated_by = EXCLUDED.updated_by, updated_at = now()`,
        [req.enabled ?? null, req.by],
      );
      for (const l of req.advertiserLimits ?? []) {
        if (l.maxDailyBudgetIncrease === null || l.maxDailyBudgetIncrease === undefined) {
          await em.query(`DELETE FROM automation_advertiser_limit WHERE advertiser_id = $1`, [l.advertiserId]);
        } else {
          await em.query(
            `INSERT INTO automation_advertiser_limit (advertiser_id, max_daily_budget_increase, updated_by, updated_at)
             VALUES ($1, $2::numeric, $3, now())
             ON CONFLICT (advertiser_id) DO UPDATE SET max_daily_budget_increase = EXCLUDED.max_daily_budget_increase,
               updated_by = EXCLUDED.updated_by, updated_at = now()`,
            [l.advertiserId, l.maxDailyBudgetIncrease, req.by],
          );
        }
      }
      return this.read(em);
    });
  }
}
