import { counter, gauge, histogram, LATENCY_BUCKETS } from '@ams/platform';

export const ingestMetrics = {
  received: counter('ams_ingest_messages_received_total', 'SQS messages received', ['queue']),
  records: counter('ams_ingest_records_published_total', 'AMS records published to JetStream', ['dataset']),
  duplicates: counter('ams_ingest_records_duplicate_total', 'records JetStream already had (Nats-Msg-Id)', ['dataset']),
  quarantined: counter('ams_ingest_quarantined_total', 'bodies or records sent to quarantine', ['code']),
  deleted: counter('ams_ingest_messages_deleted_total', 'SQS messages deleted after a durable hand-off', ['queue']),
  failures: counter('ams_ingest_batch_failures_total', 'batches left on SQS for redelivery', ['queue']),
  confirmations: counter('ams_ingest_subscription_confirmations_total', 'SNS subscription confirmations', ['outcome']),
  backoff: gauge('ams_ingest_poll_backoff_seconds', 'wait between SQS polls while hand-offs to JetStream fail (0: none)'),
  reconnectWakeups: counter('ams_ingest_backoff_ended_by_reconnect_total', 'times a NATS reconnect ended the polling back-off early'),
  batchDuration: histogram('ams_ingest_batch_duration_seconds', 'receive-to-delete time of an SQS batch', ['queue'], LATENCY_BUCKETS),
};
