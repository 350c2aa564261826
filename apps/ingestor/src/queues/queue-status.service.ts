import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import {
  ChangeMessageVisibilityBatchCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  type Message,
} from '@aws-sdk/client-sqs';
import {
  PIPELINE_QUEUE_STATUS,
  type PipelineQueueStatusV1,
  type QueueDepthV1,
  type QueueStatusV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { IngestorEnv } from '../config/ingestor.env';
import { queueName } from '../ingest/message-router.service';
import { parseQueueArn, parseRedrivePolicy, type RedrivePolicy } from './redrive-policy';
import { queueMetrics } from './queue.metrics';
import { SqsClientProvider } from './sqs-client.provider';

interface Known {
  url: string;
  name: string;
  arn?: string;
  policy?: RedrivePolicy;
  dlqUrl?: string;
  status?: QueueStatusV1;
  /** oldest SentTimestamp received since the last read */
  oldestReceivedMs?: number;
  /** SentTimestamps of the batches held now (one entry per held batch) */
  held: Set<{ oldestMs: number }>;
}

/**
 * Reads every polled queue's attributes at start and every SQS_QUEUE_STATUS_INTERVAL_S: its redrive policy
 * (maxReceiveCount, for the pollers' receive-count guard, and the dead-letter queue), its depth and the dead-letter
 * queue's. Publishes each read on `pipeline.queue.status.v1` and keeps it for `cmd.ingestor.queue-status.v1` and
 * /metrics. Never receives from a source queue: the oldest age there is what the pollers saw (see QueueDepthV1).
 */
@Injectable()
export class QueueStatusService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(QueueStatusService.name);
  readonly instance = `${process.pid}-${randomUUID().slice(0, 8)}`;
  private readonly queues = new Map<string, Known>();
  private timer?: NodeJS.Timeout;
  private reading?: Promise<QueueStatusV1[]>;

  constructor(
    private readonly env: IngestorEnv,
    private readonly sqs: SqsClientProvider,
    private readonly messaging: JetStreamService,
  ) {
    for (const url of env.SQS_QUEUE_URLS) this.queues.set(url, { url, name: queueName(url), held: new Set() });
  }

  /** The first read before the pollers start (a failure is logged: the policy is read again on the next tick). */
  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.env.SQS_QUEUE_STATUS_INTERVAL_S * 1000);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }

  maxReceiveCount(queueUrl: string): number | undefined {
    return this.queues.get(queueUrl)?.policy?.maxReceiveCount;
  }

  /** The dead-letter queue of a polled queue, as its redrive policy names it (undefined: none, or not read yet). */
  deadLetterOf(queueUrl: string): { url: string; arn: string; name: string } | undefined {
    const q = this.queues.get(queueUrl);
    if (!q?.policy || !q.dlqUrl) return undefined;
    return {
      url: q.dlqUrl,
      arn: q.policy.deadLetterTargetArn,
      name: parseQueueArn(q.policy.deadLetterTargetArn)?.name ?? q.dlqUrl,
    };
  }

  queueArn(queueUrl: string): string | undefined {
    return this.queues.get(queueUrl)?.arn;
  }

  /** The pollers report each received batch: its oldest SentTimestamp is the source queue's age as far as we know. */
  noteReceived(queueUrl: string, messages: Message[]): void {
    const q = this.queues.get(queueUrl);
    const oldest = oldestSent(messages);
    if (q && oldest !== undefined) q.oldestReceivedMs = Math.min(q.oldestReceivedMs ?? oldest, oldest);
  }

  /** A batch held while JetStream cannot take it; call the returned function when it is no longer held. */
  noteHeld(queueUrl: string, messages: Message[]): () => void {
    const q = this.queues.get(queueUrl);
    const oldest = oldestSent(messages);
    if (!q || oldest === undefined) return () => undefined;
    const entry = { oldestMs: oldest };
    q.held.add(entry);
    return () => q.held.delete(entry);
  }

  latest(): QueueStatusV1[] {
    return [...this.queues.values()].map(
      (q) =>
        q.status ?? {
          queue: q.name,
          maxReceiveCount: null,
          depth: null,
          deadLetter: null,
          error: 'not read yet',
          checkedAt: new Date(0).toISOString(),
        },
    );
  }

  /** Reads every queue now (one read at a time: a caller during a read gets that read). */
  refresh(): Promise<QueueStatusV1[]> {
    this.reading ??= this.readAll().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async readAll(): Promise<QueueStatusV1[]> {
    const out = await Promise.all([...this.queues.values()].map((q) => this.read(q)));
    const event: PipelineQueueStatusV1 = {
      version: 1,
      instance: this.instance,
      queues: out,
      emittedAt: new Date().toISOString(),
    };
    // not awaited: a read is not held up by NATS (the next read publishes again)
    void this.messaging.publish(PIPELINE_QUEUE_STATUS, event).catch((err: unknown) => {
      this.logger.debug?.({ err: err instanceof Error ? err.message : String(err) }, 'queue status not published');
    });
    return out;
  }

  private async read(q: Known): Promise<QueueStatusV1> {
    const now = Date.now();
    const checkedAt = new Date(now).toISOString();
    try {
      const attrs = await this.attributes(q.url, ['QueueArn', 'RedrivePolicy']);
      q.arn = attrs['QueueArn'];
      const policy = parseRedrivePolicy(attrs['RedrivePolicy']);
      if (policy?.deadLetterTargetArn !== q.policy?.deadLetterTargetArn) q.dlqUrl = undefined;
      q.policy = policy;
      if (policy && !q.dlqUrl) q.dlqUrl = await this.urlOf(policy.deadLetterTargetArn);

      const heldOldest = Math.min(...[...q.held].map((h) => h.oldestMs));
      const oldestMs = Math.min(q.oldestReceivedMs ?? Infinity, heldOldest);
      q.oldestReceivedMs = undefined;
      const depth: QueueDepthV1 = {
        ...counts(attrs),
        oldestAgeSeconds: Number.isFinite(oldestMs) ? Math.max(0, Math.round((now - oldestMs) / 1000)) : null,
      };

      let deadLetter: QueueStatusV1['deadLetter'] = null;
      if (policy && q.dlqUrl) {
        const dAttrs = await this.attributes(q.dlqUrl, ['RedrivePolicy']);
        const dCounts = counts(dAttrs);
        // a peek counts a receive: only on a dead-letter queue, and only one that has no redrive policy of its own
        const peek = dCounts.visible > 0 && !dAttrs['RedrivePolicy'] ? await this.peekOldest(q.dlqUrl) : undefined;
        deadLetter = {
          queue: parseQueueArn(policy.deadLetterTargetArn)?.name ?? q.dlqUrl,
          ...dCounts,
          oldestAgeSeconds: peek === undefined ? null : Math.max(0, Math.round((now - peek) / 1000)),
        };
      }
      q.status = { queue: q.name, maxReceiveCount: policy?.maxReceiveCount ?? null, depth, deadLetter, checkedAt };
    } catch (err) {
      const error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.logger.warn({ queue: q.name, error }, 'queue attributes not read');
      q.status = {
        queue: q.name,
        maxReceiveCount: q.policy?.maxReceiveCount ?? null,
        depth: null,
        deadLetter: null,
        error: error.slice(0, 300),
        checkedAt,
      };
    }
    queueMetrics.record(q.status);
    return q.status;
  }

  private async attributes(url: string, extra: string[]): Promise<Record<string, string>> {
    const out = await this.sqs.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: url,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
          ...extra,
        ] as never,
      }),
    );
    return out.Attributes ?? {};
  }

  private async urlOf(arn: string): Promise<string | undefined> {
    const parts = parseQueueArn(arn);
    if (!parts) return undefined;
    const out = await this.sqs.client.send(
      new GetQueueUrlCommand({ QueueName: parts.name, QueueOwnerAWSAccountId: parts.account || undefined }),
    );
    return out.QueueUrl;
  }

  /**
   * Up to 10 dead-letter messages received with VisibilityTimeout 0 and made visible again at once (an endpoint
   * that ignores a 0 on receive, like fauxqs, would otherwise hide them): their oldest SentTimestamp.
   */
  private async peekOldest(url: string): Promise<number | undefined> {
    const out = await this.sqs.client.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 0,
        WaitTimeSeconds: 0,
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    const messages = out.Messages ?? [];
    if (messages.length) {
      await this.sqs.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })),
        }),
      );
    }
    return oldestSent(messages);
  }
}

function counts(attrs: Record<string, string>): Omit<QueueDepthV1, 'oldestAgeSeconds'> {
  return {
    visible: Number(attrs['ApproximateNumberOfMessages'] ?? 0),
    notVisible: Number(attrs['ApproximateNumberOfMessagesNotVisible'] ?? 0),
    delayed: Number(attrs['ApproximateNumberOfMessagesDelayed'] ?? 0),
  };
}

function oldestSent(messages: Message[]): number | undefined {
  let oldest: number | undefined;
  for (const m of messages) {
    const sent = Number(m.Attributes?.SentTimestamp);
    if (Number.isFinite(sent) && sent > 0) oldest = Math.min(oldest ?? sent, sent);
  }
  return oldest;
}
