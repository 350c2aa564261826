import { Injectable } from '@nestjs/common';
import { INGEST_QUEUE_STATUS, type IngestQueueStatusReplyV1, type QueueStatusV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';

/** How long GET /health waits for an ingestor: short, /health must answer whatever the pipeline's state. */
export const QUEUE_STATUS_TIMEOUT_MS = 1500;

export type PipelineStatus =
  | { status: 'ok' | 'degraded'; handOffOpen: boolean; deadLetterMessages: number; queues: QueueStatusV1[] }
  | { status: 'unknown'; reason: string };

/**
 * The SQS side of the pipeline as an ingestor last read it (the api does not talk to SQS): asked over
 * `cmd.ingestor.queue-status.v1`. "degraded" when a dead-letter queue holds messages, a queue could not be read,
 * or the ingestor has stopped receiving because JetStream cannot take records; "unknown" when no ingestor answers.
 */
@Injectable()
export class PipelineStatusClient {
  constructor(private readonly messaging: JetStreamService) {}

  async status(): Promise<PipelineStatus> {
    let reply: IngestQueueStatusReplyV1;
    try {
      reply = await this.messaging.request(INGEST_QUEUE_STATUS, {}, QUEUE_STATUS_TIMEOUT_MS);
    } catch (err) {
      return {
        status: 'unknown',
        reason: `no ingestor answered within ${QUEUE_STATUS_TIMEOUT_MS} ms (${err instanceof Error ? err.message : String(err)})`,
      };
    }
    const deadLetterMessages = reply.queues.reduce(
      (n, q) => n + (q.deadLetter ? q.deadLetter.visible + q.deadLetter.notVisible + q.deadLetter.delayed : 0),
      0,
    );
    const degraded = deadLetterMessages > 0 || !reply.handOffOpen || reply.queues.some((q) => q.depth === null);
    return {
      status: degraded ? 'degraded' : 'ok',
      handOffOpen: reply.handOffOpen,
      deadLetterMessages,
      queues: reply.queues,
    };
  }
}
