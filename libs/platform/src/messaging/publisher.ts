import type { Address } from '@ams/contracts';
import { errorMessage } from './batch-consumer';
import { MessagingPublishError, type PublishOutcome } from './messaging.errors';
import type { MessagingMetrics } from './messaging.metrics';
import type { MessagingNaming } from './messaging.naming';
import type { PublishItem, PublishOptions, PublishResult } from './messaging.types';
import { encode, mapNatsError, toHeaders } from './nats-codec';
import type { NatsConnectionManager } from './nats-connection';

/** JetStream publishes with PubAck (and `Nats-Msg-Id` dedup), one at a time or pipelined. */
export class Publisher {
  constructor(
    private readonly connection: NatsConnectionManager,
    private readonly naming: MessagingNaming,
    private readonly metrics: MessagingMetrics,
  ) {}

  async publish<T>(to: Address<T>, data: T, opts: PublishOptions): Promise<PublishResult> {
    const subject = to.subject;
    const { js } = this.connection.current() ?? (await this.connection.ready());
    try {
      const ack = await js.publish(this.naming.subject(subject), encode(data), {
        msgID: opts.msgId,
        headers: toHeaders(opts.headers),
        timeout: opts.timeoutMs,
      });
      this.metrics.publishedFor(subject).inc();
      return { seq: ack.seq, duplicate: ack.duplicate };
    } catch (err) {
      this.metrics.publishFailures.inc({ subject });
      throw mapNatsError(err, `publish to ${subject}`, opts.timeoutMs ?? 5000);
    }
  }

  /** Publishes all items at once (pipelined) and waits for every PubAck; rejects with MessagingPublishError if any failed. */
  async publishMany<T>(items: PublishItem<T>[], opts: { timeoutMs?: number }): Promise<PublishResult[]> {
    await this.connection.ready();
    const settled = await Promise.allSettled(
      items.map((it) =>
        this.publish(it.to, it.data, { msgId: it.msgId, headers: it.headers, timeoutMs: opts.timeoutMs }),
      ),
    );
    const failed = settled.filter((s) => s.status === 'rejected');
    if (failed.length === 0) {
      return settled.map((s) => (s as PromiseFulfilledResult<PublishResult>).value);
    }
    const outcomes: PublishOutcome[] = settled.map((s) =>
      s.status === 'fulfilled' ? { ok: true, ...s.value } : { ok: false, error: s.reason as Error },
    );
    const first = (failed[0] as PromiseRejectedResult).reason;
    throw new MessagingPublishError(
      `${failed.length} of ${items.length} publishes failed: ${errorMessage(first)}`,
      outcomes,
      {
        cause: first,
      },
    );
  }
}
