import type { QueueStatusV1 } from '@ams/contracts';
import { gauge } from '@ams/platform';

const depth = gauge(
  'ams_sqs_queue_messages',
  'SQS queue depth by state (GetQueueAttributes), polled queues and their dead-letter queues',
  ['queue', 'role', 'state'],
);
const oldest = gauge(
  'ams_sqs_queue_oldest_message_age_seconds',
  'age of the oldest known message (source: received or held by the ingestor; dlq: a peek), absent when unknown',
  ['queue', 'role'],
);
const maxReceive = gauge('ams_sqs_queue_max_receive_count', 'maxReceiveCount of the queue redrive policy (0: none)', [
  'queue',
]);
const readOk = gauge('ams_sqs_queue_status_ok', '1 when the last read of the queue attributes succeeded', ['queue']);

/** Puts one read of a queue (and its dead-letter queue) on /metrics. */
export const queueMetrics = {
  record(s: QueueStatusV1): void {
    readOk.set({ queue: s.queue }, s.depth ? 1 : 0);
    maxReceive.set({ queue: s.queue }, s.maxReceiveCount ?? 0);
    const put = (queue: string, role: 'source' | 'dlq', d: NonNullable<QueueStatusV1['depth']>) => {
      depth.set({ queue, role, state: 'visible' }, d.visible);
      depth.set({ queue, role, state: 'not_visible' }, d.notVisible);
      depth.set({ queue, role, state: 'delayed' }, d.delayed);
      if (d.oldestAgeSeconds === null) oldest.remove({ queue, role });
      else oldest.set({ queue, role }, d.oldestAgeSeconds);
    };
    if (s.depth) put(s.queue, 'source', s.depth);
    if (s.deadLetter) put(s.deadLetter.queue, 'dlq', s.deadLetter);
  },
};
