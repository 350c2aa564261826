import { DeliverPolicy } from 'nats';
import { ConsumedMessageImpl } from './consumed-message';
import type { MessagingNaming } from './messaging.naming';
import type { ConsumedMessage } from './messaging.types';
import type { NatsConnectionManager } from './nats-connection';

/**
 * Reads a stream's messages published in [from, to) with an ordered (ephemeral) consumer and hands them over in
 * batches: the replay log's read path. Acks nothing, changes nothing on the server (the consumer is deleted after).
 */
export async function readWindow<T>(
  connection: NatsConnectionManager,
  naming: MessagingNaming,
  source: { stream: string; filter: string },
  window: { from: Date; to: Date },
  onBatch: (batch: ConsumedMessage<T>[]) => Promise<void>,
  opts: { batchSize?: number },
): Promise<{ messages: number; batches: number }> {
  const { js } = await connection.ready();
  // one filter subject as a string: a list needs server ≥ 2.10
  const consumer = await js.consumers.get(naming.stream(source.stream), {
    filterSubjects: naming.subject(source.filter),
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: window.from.toISOString(),
  });
  const toNanos = window.to.getTime() * 1e6;
  const size = opts.batchSize ?? 500;
  let messages = 0;
  let batches = 0;
  for (;;) {
    const batch: ConsumedMessage<T>[] = [];
    let done = false;
    const iter = await consumer.fetch({ max_messages: size, expires: 1000 });
    for await (const m of iter) {
      if (m.info.timestampNanos >= toNanos) {
        done = true;
        continue;
      }
      batch.push(new ConsumedMessageImpl<T>(m, naming.unprefixSubject(m.subject)));
      if (m.info.pending === 0) done = true;
    }
    if (batch.length) {
      await onBatch(batch);
      messages += batch.length;
      batches++;
    }
    if (done || batch.length === 0) break;
  }
  await consumer.delete().catch(() => undefined);
  return { messages, batches };
}
