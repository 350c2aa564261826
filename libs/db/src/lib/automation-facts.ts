import type { EntityManager } from 'typeorm';

/** States of actions that count toward a rule's per-day count, the cooldown and the daily cap on budget increases. */
export const COUNTED_ACTION_STATES = ['pending_approval', 'queued', 'executing', 'done'] as const;

/** States of actions the connector counts right before execution: sent, or being sent. */
export const EXECUTED_ACTION_STATES = ['executing', 'done'] as const;

export interface AutomationFactsQuery {
  advertiserId: string;
  ruleId: string | null;
  entityType: string;
  entityId: string;
  /** the advertiser's local day (YYYY-MM-DD) */
  localDate: string;
  /** an action not to count (the one being judged again right before execution) */
  excludeActionId?: string | null;
  /** more actions not to count (the executor's own claimed batch, not yet judged) */
  excludeActionIds?: readonly string[];
  /**
   * The states counted instead of `COUNTED_ACTION_STATES` (+ `dry_run`): right before execution the connector counts
   * what has executed or is executing (`EXECUTED_ACTION_STATES`); each queued action is judged when its turn comes.
   */
  countStates?: readonly string[];
  /** dry-run rules count their own dry-run proposals, as if they had executed */
  dryRun: boolean;
  /** datasets whose freshness the trigger depends on; null when it depends on none (a schedule) */
  datasets: readonly string[] | null;
  /** AUTOMATION_MAX_DAILY_BUDGET_INCREASE, when the advertiser has no limit of its own */
  defaultMaxDailyBudgetIncrease: string;
}

export interface AutomationFactsRow {
  ruleActionsToday: number;
  lastActionAt: Date | null;
  budgetIncreaseToday: string;
  maxDailyBudgetIncrease: string;
  /** null when the trigger depends on no dataset (then the data is not judged) or when none was ever received */
  dataReceivedAt: Date | null;
  connectionState: string;
}

/**
 * What the automation guards judge, read in one statement inside the caller's transaction (the caller holds the
 * advertiser's advisory lock, so two replicas judging the same advertiser see each other's proposals).
 */
export async function readAutomationFacts(em: EntityManager, q: AutomationFactsQuery): Promise<AutomationFactsRow> {
  const states = q.countStates
    ? [...q.countStates]
    : q.dryRun
      ? [...COUNTED_ACTION_STATES, 'dry_run']
      : [...COUNTED_ACTION_STATES];
  const excluded = [...(q.excludeActionId ? [q.excludeActionId] : []), ...(q.excludeActionIds ?? [])];
  const rows: {
    rule_actions_today: string;
    last_action_at: Date | null;
    budget_increase_today: string;
    max_daily_budget_increase: string | null;
    data_received_at: Date | null;
    connection_state: string | null;
  }[] = await em.query(
    `SELECT
       (SELECT count(*) FROM automation_action a
         WHERE a.advertiser_id = $1 AND a.entity_type = $2 AND a.entity_id = $3 AND a.rule_id IS NOT DISTINCT FROM $4
           AND a.local_date = $5::date AND a.state = ANY($6) AND a.id <> ALL($7::bigint[])
           AND a.kind = 'rule') AS rule_actions_today,
       (SELECT max(a.created_at) FROM automation_action a
         WHERE a.advertiser_id = $1 AND a.entity_type = $2 AND a.entity_id = $3 AND a.state = ANY($6)
           AND a.id <> ALL($7::bigint[])) AS last_action_at,
       (SELECT coalesce(sum(a.budget_increase), 0)::text FROM automation_action a
         WHERE a.advertiser_id = $1 AND a.local_date = $5::date AND a.state = ANY($6)
           AND a.id <> ALL($7::bigint[])) AS budget_increase_today,
       (SELECT l.max_daily_budget_increase::text FROM automation_advertiser_limit l
         WHERE l.advertiser_id = $1) AS max_daily_budget_increase,
       (SELECT max(f.last_received_at) FROM dataset_freshness f
         WHERE f.advertiser_id = $1 AND f.dataset_id = ANY($8)) AS data_received_at,
       (SELECT c.state FROM ads_connection c WHERE c.id = 'default') AS connection_state`,
    [q.advertiserId, q.entityType, q.entityId, q.ruleId, q.localDate, states, excluded, q.datasets ?? []],
  );
  const r = rows[0];
  return {
    ruleActionsToday: Number(r.rule_actions_today),
    lastActionAt: r.last_action_at,
    budgetIncreaseToday: r.budget_increase_today,
    maxDailyBudgetIncrease: r.max_daily_budget_increase ?? q.defaultMaxDailyBudgetIncrease,
    dataReceivedAt: r.data_received_at,
    connectionState: r.connection_state ?? 'unconfigured',
  };
}

/** The connection states automation may act under (the connector has authorized credentials). */
export function automationConnectionHealthy(state: string): boolean {
  return state === 'authorized';
}

/** The datasets each trigger's data comes from (freshness guard). */
export const TRIGGER_DATASETS: Record<'metric' | 'budget' | 'schedule' | 'capped', readonly string[] | null> = {
  metric: ['sp-traffic', 'sb-traffic', 'sd-traffic'],
  budget: ['budget-usage'],
  schedule: null,
  capped: ['budget-usage'],
};
