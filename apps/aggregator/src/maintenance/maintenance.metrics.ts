import { counter, gauge } from '@ams/platform';

export const maintenanceMetrics = {
  runs: counter(
    'ams_aggregator_maintenance_runs_total',
    'maintenance runs (partitions ahead, retention), by outcome: completed, skipped (another replica), failed',
    ['outcome'],
  ),
  lastRun: gauge(
    'ams_aggregator_maintenance_last_completed_timestamp_seconds',
    'when maintenance last completed: alert when this is older than a few runs (partitions ahead may run out)',
  ),
  partitionsCreated: counter('ams_aggregator_partitions_created_total', 'monthly partitions made ahead'),
  partitionsDropped: counter('ams_aggregator_partitions_dropped_total', 'partitions dropped by retention'),
  rowsDeleted: counter(
    'ams_aggregator_retention_rows_deleted_total',
    'rows deleted by the bounded retention of the smaller tables',
    ['table'],
  ),
};
