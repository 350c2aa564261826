import { counter, gauge, histogram } from '@ams/platform';

/** Syncs take seconds to minutes: buckets from 0.1 s to 30 min. */
const SYNC_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];

export const connectorMetrics = {
  syncDuration: histogram(
    'ams_connector_sync_duration_seconds',
    'time of one sync unit (a region of profiles, a profile of entities or subscriptions), by kind and outcome',
    ['kind', 'outcome'],
    SYNC_BUCKETS,
  ),
  syncItems: counter('ams_connector_sync_items_total', 'items read from Amazon and stored, by kind and item', [
    'kind',
    'item',
  ]),
  syncFailures: counter('ams_connector_sync_failures_total', 'sync units that failed (rolled back), by kind', ['kind']),
  syncSkipped: counter(
    'ams_connector_sync_skipped_total',
    'scheduled syncs not run because another replica (or run) held the lock, or the connection needs consent',
    ['kind', 'reason'],
  ),
  connectionState: gauge('ams_connector_connection_state', 'the Ads API connection state (1 for the current one)', [
    'state',
  ]),
  actionsExecuted: counter(
    'ams_connector_actions_executed_total',
    'automation actions Amazon applied (done), by field; confirmed read-backs of an interrupted attempt included',
    ['field'],
  ),
  actionsFailed: counter('ams_connector_actions_failed_total', 'automation actions that ended failed, by reason', [
    'reason',
  ]),
  actionsBlocked: counter(
    'ams_connector_actions_blocked_total',
    'automation actions stopped right before execution, by guard (kill_switch, guard, budget_rule)',
    ['reason'],
  ),
  actionExecutionDuration: histogram(
    'ams_connector_action_execution_duration_seconds',
    'one write of queued actions to Amazon (one profile, all its chunks), by outcome (ok, in_doubt, error)',
    ['outcome'],
    [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  ),
  subscriptionResults: counter('ams_connector_subscription_results_total', 'subscription create results', ['outcome']),
};
