import { Counter, Gauge, Histogram, register } from 'prom-client';

/** Something that can tell a consumer's lag; registered by each running batch consumer. */
export interface PendingSource {
  readonly stream: string;
  readonly durable: string;
  read(): Promise<number>;
  /** Last value read successfully, reported when a read fails or times out. */
  last?: number;
}

const pendingSources = new Set<PendingSource>();
const PENDING_READ_TIMEOUT_MS = 1000;

function getOrCreate<M>(name: string, create: () => M): M {
  return (register.getSingleMetric(name) as M | undefined) ?? create();
}

async function readWithTimeout(source: PendingSource): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    source.last = await Promise.race([
      source.read(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), PENDING_READ_TIMEOUT_MS);
      }),
    ]);
  } catch {
    // keep the last known value: a scrape must not fail because NATS is slow or away
  } finally {
    clearTimeout(timer);
  }
}

/** Prometheus metrics of the messaging module, on prom-client's default register (created once per process). */
export class MessagingMetrics {
  readonly published = getOrCreate(
    'ams_messaging_published_total',
    () =>
      new Counter({
        name: 'ams_messaging_published_total',
        help: 'Messages published to JetStream and acknowledged (duplicates included).',
        labelNames: ['subject'],
      }),
  );

  readonly publishFailures = getOrCreate(
    'ams_messaging_publish_failures_total',
    () =>
      new Counter({
        name: 'ams_messaging_publish_failures_total',
        help: 'JetStream publishes that failed (timeout, no stream, connection closed).',
        labelNames: ['subject'],
      }),
  );

  readonly consumed = getOrCreate(
    'ams_messaging_consumed_total',
    () =>
      new Counter({
        name: 'ams_messaging_consumed_total',
        help: 'Messages handled successfully and acknowledged.',
        labelNames: ['durable'],
      }),
  );

  readonly batchDuration = getOrCreate(
    'ams_messaging_batch_duration_seconds',
    () =>
      new Histogram({
        name: 'ams_messaging_batch_duration_seconds',
        help: 'Time a batch handler took, successful or not.',
        labelNames: ['durable'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      }),
  );

  readonly handlerFailures = getOrCreate(
    'ams_messaging_handler_failures_total',
    () =>
      new Counter({
        name: 'ams_messaging_handler_failures_total',
        help: 'Batches whose handler threw; their messages were naked for redelivery.',
        labelNames: ['durable'],
      }),
  );

  readonly consumerPending = getOrCreate(
    'ams_messaging_consumer_pending',
    () =>
      new Gauge({
        name: 'ams_messaging_consumer_pending',
        help: 'Messages of a durable consumer not yet acknowledged (num_pending + num_ack_pending), read on scrape.',
        labelNames: ['stream', 'durable'],
        async collect() {
          const sources = [...pendingSources];
          await Promise.all(sources.map(readWithTimeout));
          this.reset();
          for (const s of sources) {
            if (s.last !== undefined) {
              this.set({ stream: s.stream, durable: s.durable }, s.last);
            }
          }
        },
      }),
  );

  private readonly publishedChildren = new Map<string, ReturnType<Counter<string>['labels']>>();

  /** The published counter of one subject (children cached: publish is a hot path). */
  publishedFor(subject: string): ReturnType<Counter<string>['labels']> {
    let child = this.publishedChildren.get(subject);
    if (!child) {
      child = this.published.labels({ subject });
      if (this.publishedChildren.size < 1000) {
        this.publishedChildren.set(subject, child);
      }
    }
    return child;
  }

  addPendingSource(source: PendingSource): () => void {
    pendingSources.add(source);
    return () => pendingSources.delete(source);
  }
}
