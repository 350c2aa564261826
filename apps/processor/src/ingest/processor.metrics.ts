import { counter, gauge, histogram, LATENCY_BUCKETS } from '@ams/platform';

export const processorMetrics = {
  received: counter('ams_processor_records_received_total', 'records taken from JetStream', ['dataset']),
  stored: counter('ams_processor_records_stored_total', 'distinct records newly stored', ['kind']),
  duplicates: counter('ams_processor_records_duplicate_total', 'records already stored (redelivery, duplicates)', [
    'kind',
  ]),
  quarantined: counter('ams_processor_records_quarantined_total', 'records and bodies put in quarantine', ['code']),
  batchSplits: counter('ams_processor_batch_splits_total', 'batches split to isolate records PostgreSQL refused'),
  batchDuration: histogram(
    'ams_processor_batch_duration_seconds',
    'time to write one batch (one transaction)',
    [],
    LATENCY_BUCKETS,
  ),
  batchSize: histogram(
    'ams_processor_batch_size',
    'records per batch',
    [],
    [1, 10, 50, 100, 250, 500, 1000, 2500, 5000],
  ),
  lag: gauge('ams_processor_commit_lag_seconds', 'delay from SQS send (or ingest) to commit of the latest batch'),
  sqsToCommit: histogram(
    'ams_processor_sqs_to_commit_seconds',
    'delay from SQS send to commit, per record',
    [],
    [0.005, 0.01, 0.02, 0.03, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75, 1, 1.5, 2, 3, 5, 10, 30, 60],
  ),
};
