import { counter, gauge, histogram, LATENCY_BUCKETS } from '@ams/platform';

const DELAY_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800];
const SWEEP_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

export const rollupMetrics = {
  rows: counter(
    'ams_aggregator_rollup_rows_total',
    'rollup rows recomputed, by table and outcome (written: changed and stored; unchanged: recomputed, same values; deleted: source facts gone)',
    ['table', 'outcome', 'source'],
  ),
  transactionDuration: histogram(
    'ams_aggregator_recompute_transaction_seconds',
    'time of one recompute transaction (locks, every rollup table of a chunk of campaigns)',
    ['source'],
    LATENCY_BUCKETS,
  ),
  eventToRollup: histogram(
    'ams_aggregator_event_to_rollup_seconds',
    'delay from an event being emitted (emittedAt) to its rollups being committed',
    [],
    DELAY_BUCKETS,
  ),
  pendingCleared: counter(
    'ams_aggregator_pending_marks_cleared_total',
    'rollup_pending marks deleted by the recompute that made their days exact',
  ),
  pendingDrained: counter(
    'ams_aggregator_pending_days_drained_total',
    'campaign-days recomputed because their mark outlived AGGREGATOR_PENDING_GRACE_SECONDS (an event lost or late)',
  ),
  pendingOldest: gauge(
    'ams_aggregator_pending_oldest_seconds',
    'age of the oldest rollup_pending mark at the last drain (0: none)',
  ),
  events: counter('ams_aggregator_events_total', 'perf.hourly.updated.v1 events taken, by outcome', ['outcome']),
  sweepDuration: histogram(
    'ams_aggregator_sweep_duration_seconds',
    'duration of a sweep that ran',
    ['kind'],
    SWEEP_BUCKETS,
  ),
  sweeps: counter(
    'ams_aggregator_sweeps_total',
    'sweeps by kind and outcome (completed, skipped, interrupted, failed)',
    ['kind', 'outcome'],
  ),
  lastSweep: gauge(
    'ams_aggregator_sweep_last_completed_timestamp_seconds',
    'when a sweep of this kind last completed here',
    ['kind'],
  ),
};
