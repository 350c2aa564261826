import { counter, histogram, LATENCY_BUCKETS } from '@ams/platform';

export const ingestMetrics = {
  received: counter('ams_ingest_messages_received_total', 'SQS messages received', ['queue']),
  records: counter('ams_ingest_records_published_total', 'AMS records published to JetStream', ['dataset']),
  duplicates: counter('ams_ingest_records_duplicate_total', 'records JetStream already had (Nats-Msg-Id)', ['dataset']),
  quarantined: counter('ams_ingest_quarantined_total', 'bodies or records sent to quarantine', ['code']),
  deleted: counter('ams_ingest_messages_deleted_total', 'SQS messages deleted after a durable hand-off', ['queue']),
  failures: counter('ams_ingest_batch_failures_total', 'batches left on SQS for redelivery', ['queue']),
  confirmations: counter('ams_ingest_subscription_confirmations_total', 'SNS subscription confirmations', ['outcome']),
  batchDuration: histogram('ams_ingest_batch_duration_seconds', 'receive-to-delete time of an SQS batch', ['queue'], LATENCY_BUCKETS),
};
