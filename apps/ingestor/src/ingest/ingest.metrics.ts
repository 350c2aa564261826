import { counter, gauge, histogram, LATENCY_BUCKETS } from '@ams/platform';

export const ingestMetrics = {
  received: counter('ams_ingest_messages_received_total', 'SQS messages received', ['queue']),
  records: counter('ams_ingest_records_published_total', 'AMS records published to JetStream', ['dataset']),
  duplicates: counter('ams_ingest_records_duplicate_total', 'records JetStream already had (Nats-Msg-Id)', ['dataset']),
  quarantined: counter('ams_ingest_quarantined_total', 'bodies or records sent to quarantine', ['code']),
  deleted: counter('ams_ingest_messages_deleted_total', 'SQS messages deleted after a durable hand-off', ['queue']),
  failures: counter('ams_ingest_batch_failures_total', 'batches left on SQS for redelivery', ['queue']),
  confirmations: counter('ams_ingest_subscription_confirmations_total', 'SNS subscription confirmations', ['outcome']),
  backoff: gauge(
    'ams_ingest_poll_backoff_seconds',
    'wait between SQS polls while hand-offs to JetStream fail (0: none)',
  ),
  reconnectWakeups: counter(
    'ams_ingest_backoff_ended_by_reconnect_total',
    'times a NATS reconnect ended the polling back-off early',
  ),
  batchDuration: histogram(
    'ams_ingest_batch_duration_seconds',
    'receive-to-delete time of an SQS batch',
    ['queue'],
    LATENCY_BUCKETS,
  ),
};

/** The hand-off gate and the messages held while JetStream cannot take records. */
export const handOffMetrics = {
  open: gauge('ams_ingest_handoff_open', '1 while JetStream takes records, 0 while the pollers wait and probe'),
  closed: counter('ams_ingest_handoff_closed_total', 'times a failed hand-off stopped receiving from SQS'),
  probes: counter(
    'ams_ingest_handoff_probes_total',
    'JetStream probes (stream and account info, no publish) while receiving is stopped',
    ['outcome'],
  ),
  held: gauge(
    'ams_ingest_held_messages',
    'SQS messages kept invisible (heartbeat) while their records wait for JetStream',
  ),
  givenBack: counter('ams_ingest_messages_given_back_total', 'SQS messages returned to their queue unpublished', [
    'queue',
    'reason',
  ]),
  nearMax: counter(
    'ams_ingest_messages_near_max_receive_total',
    'messages received with ApproximateReceiveCount close to the queue maxReceiveCount (never given back)',
    ['queue'],
  ),
  receiveCount: histogram(
    'ams_ingest_message_receive_count',
    'ApproximateReceiveCount of received messages',
    ['queue'],
    [1, 2, 3, 4, 5, 10, 20, 50],
  ),
  confirmationErrors: counter(
    'ams_ingest_subscription_confirmation_errors_total',
    'confirmations not recorded (left on SQS for a retry)',
  ),
};
