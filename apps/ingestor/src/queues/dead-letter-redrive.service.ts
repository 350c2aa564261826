import { Injectable, Logger } from '@nestjs/common';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import { CommandError, type DeadLetterRedriveReplyV1, type DeadLetterRedriveRequestV1 } from '@ams/contracts';
import { IngestorEnv } from '../config/ingestor.env';
import { queueName } from '../ingest/message-router.service';
import { QueueStatusService } from './queue-status.service';
import { SqsClientProvider } from './sqs-client.provider';

type QueueResult = DeadLetterRedriveReplyV1['queues'][number];

/** Error names and codes by which an SQS-compatible endpoint says it has no StartMessageMoveTask. */
const UNSUPPORTED =
  /UnsupportedOperation|InvalidAction|UnknownOperation|NotImplemented|UnknownOperationException|InvalidParameterValue.*Action|not (?:implemented|supported)/i;

/**
 * Moves dead-letter messages back to their source queue. Where the endpoint has SQS's own
 * StartMessageMoveTask (AWS) and no limit is asked for, SQS moves them (asynchronously; `moved` is the
 * dead-letter queue's depth when the task started). Otherwise, or with maxMessages: receive → send to the source
 * queue → delete from the dead-letter queue, 10 at a time. At least once: a crash between send and delete leaves
 * the message in both, which is safe because every record is idempotent (Nats-Msg-Id, then idempotency_id).
 */
@Injectable()
export class DeadLetterRedriveService {
  private readonly logger = new Logger(DeadLetterRedriveService.name);
  private moveTaskUnsupported = false;

  constructor(
    private readonly env: IngestorEnv,
    private readonly sqs: SqsClientProvider,
    private readonly status: QueueStatusService,
  ) {}

  async redrive(req: DeadLetterRedriveRequestV1): Promise<DeadLetterRedriveReplyV1> {
    const urls = this.env.SQS_QUEUE_URLS.filter((u) => req.queue === undefined || queueName(u) === req.queue);
    if (req.queue !== undefined && urls.length === 0) {
      throw new CommandError('NOT_FOUND', `queue ${req.queue} is not polled by this ingestor`);
    }
    if (urls.some((u) => !this.status.deadLetterOf(u))) await this.status.refresh();
    const queues: QueueResult[] = [];
    for (const url of urls) {
      const dlq = this.status.deadLetterOf(url);
      if (!dlq) continue;
      queues.push(await this.redriveOne(url, dlq, req.maxMessages));
    }
    if (req.queue !== undefined && queues.length === 0) {
      throw new CommandError('NOT_FOUND', `queue ${req.queue} has no dead-letter queue (no redrive policy)`);
    }
    const moved = queues.reduce((n, q) => n + q.moved, 0);
    this.logger.log(
      { moved, queues: queues.map((q) => `${q.deadLetterQueue} → ${q.queue}: ${q.moved} (${q.method})`) },
      'dead-letter redrive',
    );
    void this.status.refresh().catch(() => undefined);
    return { moved, queues };
  }

  private async redriveOne(
    url: string,
    dlq: { url: string; arn: string; name: string },
    max: number | undefined,
  ): Promise<QueueResult> {
    const queue = queueName(url);
    const sourceArn = this.status.queueArn(url);
    if (max === undefined && sourceArn && !this.moveTaskUnsupported) {
      try {
        const depth = await this.depth(dlq.url);
        const out = await this.sqs.client.send(
          new StartMessageMoveTaskCommand({ SourceArn: dlq.arn, DestinationArn: sourceArn }),
        );
        return {
          queue,
          deadLetterQueue: dlq.name,
          moved: depth,
          method: 'move-task',
          ...(out.TaskHandle ? { taskHandle: out.TaskHandle } : {}),
        };
      } catch (err) {
        const e = err as { name?: string; message?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
        const text = `${e.name ?? ''} ${e.Code ?? ''} ${e.message ?? ''}`;
        if (!UNSUPPORTED.test(text) && e.$metadata?.httpStatusCode !== 404 && e.$metadata?.httpStatusCode !== 501)
          throw err;
        this.moveTaskUnsupported = true;
        this.logger.log(
          { reason: text.trim().slice(0, 200) },
          'the SQS endpoint has no StartMessageMoveTask: moving by receive, send, delete',
        );
      }
    }
    return {
      queue,
      deadLetterQueue: dlq.name,
      moved: await this.copy(dlq.url, url, max ?? Number.POSITIVE_INFINITY),
      method: 'receive-send-delete',
    };
  }

  /** Receive → send → delete, until `max` moved or the dead-letter queue answers empty. */
  private async copy(from: string, to: string, max: number): Promise<number> {
    let moved = 0;
    while (moved < max) {
      const got = await this.sqs.client.send(
        new ReceiveMessageCommand({
          QueueUrl: from,
          MaxNumberOfMessages: Math.min(10, max - moved),
          WaitTimeSeconds: 0,
          VisibilityTimeout: 60,
          MessageAttributeNames: ['All'],
        }),
      );
      const messages = got.Messages ?? [];
      if (messages.length === 0) break;
      const sent = await this.sqs.client.send(
        new SendMessageBatchCommand({
          QueueUrl: to,
          Entries: messages.map((m, i) => ({
            Id: String(i),
            MessageBody: m.Body ?? '',
            ...(m.MessageAttributes ? { MessageAttributes: m.MessageAttributes } : {}),
          })),
        }),
      );
      // delete only what was sent: a failed send stays in the dead-letter queue (visible again after 60 s)
      const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
      const toDelete: Message[] = messages.filter((_, i) => ok.has(i));
      if (toDelete.length) {
        await this.sqs.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: from,
            Entries: toDelete.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
      moved += toDelete.length;
      if (sent.Failed?.length)
        throw new Error(
          `sending to ${queueName(to)} failed for ${sent.Failed.length} messages (${sent.Failed[0].Message ?? sent.Failed[0].Code}); ${moved} moved`,
        );
    }
    return moved;
  }

  private async depth(url: string): Promise<number> {
    const out = await this.sqs.client.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0);
  }
}
