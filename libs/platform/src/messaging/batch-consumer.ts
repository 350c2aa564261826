import { Logger } from '@nestjs/common';
import { ConsumerEvents, type ConsumerMessages, type JetStreamClient, type JsMsg, type NatsConnection } from 'nats';
import { ConsumedMessageImpl } from './consumed-message';
import { retryTransient } from './nats-codec';
import type { MessagingMetrics } from './messaging.metrics';
import type { MessagingNaming } from './messaging.naming';
import type { ConsumedMessage, ConsumerDefinition, ConsumerHandle } from './messaging.types';

/** Lifetime of one pull request; also the back-off of the client's own recovery after a reconnect. */
const PULL_EXPIRES_MS = 5000;
const MAX_NAK_DELAY_MS = 30000;
const MAX_RESTART_DELAY_MS = 30000;
const RECREATE_DELAY_MS = 1000;

export interface BatchConsumerDeps {
  nc: NatsConnection;
  js: JetStreamClient;
  naming: MessagingNaming;
  metrics: MessagingMetrics;
  /** Creates or updates the durable consumer (and its stream when the service knows its definition). */
  ensureResources(): Promise<void>;
  readPending(): Promise<number>;
  onStopped(consumer: BatchConsumer<unknown>): void;
}

interface Held {
  msg: JsMsg;
  receivedAt: number;
  /** When the message arrived or we last told the server we are still working on it. */
  touchedAt: number;
}

interface Batch {
  entries: Held[];
  done: Promise<void>;
}

/**
 * Micro-batching consumer on a durable pull consumer (`consume()` in callback mode).
 *
 * Every message the server delivered is in this object's hands (buffer or a batch in flight) until acked or
 * naked, so a periodic `working()` keeps all of them from being redelivered while handlers are slow. The
 * number held is bounded by the consumer's max_ack_pending.
 */
export class BatchConsumer<T> implements ConsumerHandle {
  private readonly logger: Logger;
  private readonly streamName: string;
  private readonly concurrency: number;
  private readonly nakDelayMs: number;
  private readonly touchAfterMs: number;
  private buffer: Held[] = [];
  private readonly inFlight = new Set<Batch>();
  private messages?: ConsumerMessages;
  private stopping = false;
  private stopPromise?: Promise<void>;
  private flushTimer?: NodeJS.Timeout;
  private touchTimer?: NodeJS.Timeout;
  private restartTimer?: NodeJS.Timeout;
  private restartAttempt = 0;
  private recreating = false;
  private unregisterPending?: () => void;

  constructor(
    private readonly def: ConsumerDefinition,
    private readonly handler: (batch: ConsumedMessage<T>[]) => Promise<void>,
    private readonly deps: BatchConsumerDeps,
  ) {
    this.logger = new Logger(`BatchConsumer:${def.durable}`);
    this.streamName = deps.naming.stream(def.stream);
    this.concurrency = Math.max(1, def.concurrency ?? 1);
    this.nakDelayMs = def.nakDelayMs ?? 1000;
    this.touchAfterMs = Math.max(1, Math.floor(def.ackWaitMs / 3));
  }

  get pending(): number {
    let n = this.buffer.length;
    for (const b of this.inFlight) {
      n += b.entries.length;
    }
    return n;
  }

  async start(): Promise<void> {
    await this.deps.ensureResources();
    // the consumer's info, answered by its leader: late or missing while a cluster elects one
    await retryTransient(
      `starting durable ${this.def.stream}/${this.def.durable}`,
      () => this.startConsume(),
      (m) => this.logger.warn(m),
    );
    const tick = Math.max(50, Math.floor(this.def.ackWaitMs / 6));
    this.touchTimer = setInterval(() => this.touch(), tick);
    this.touchTimer.unref();
    this.unregisterPending = this.deps.metrics.addPendingSource({
      stream: this.def.stream,
      durable: this.def.durable,
      read: () => this.deps.readPending(),
    });
  }

  stop(): Promise<void> {
    this.stopPromise ??= this.doStop();
    return this.stopPromise;
  }

  private async startConsume(): Promise<void> {
    const consumer = await this.deps.js.consumers.get(this.streamName, this.def.durable);
    const messages = await consumer.consume({
      max_messages: Math.max(1, this.def.maxBatch * this.concurrency),
      expires: PULL_EXPIRES_MS,
      callback: (m) => this.onMessage(m),
    });
    if (this.stopping) {
      await messages.close();
      return;
    }
    this.messages = messages;
    void this.watchStatus(messages);
    void messages.closed().then(
      (err) => this.onConsumeClosed(messages, err),
      (err: unknown) => this.onConsumeClosed(messages, err),
    );
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const s of await messages.status()) {
      switch (s.type) {
        case ConsumerEvents.ConsumerNotFound:
        case ConsumerEvents.ConsumerDeleted:
        case ConsumerEvents.StreamNotFound:
          this.logger.warn(`${s.type} (${String(s.data)}) on ${this.streamName}: recreating`);
          void this.recreate();
          break;
        case ConsumerEvents.HeartbeatsMissed:
          this.logger.debug(`missed ${String(s.data)} heartbeats on ${this.streamName}`);
          break;
        default:
          break;
      }
    }
  }

  private async recreate(): Promise<void> {
    if (this.recreating || this.stopping) {
      return;
    }
    this.recreating = true;
    try {
      // Give the server time to finish a deletion in progress: nats-server 2.9 removes the old stream's files
      // asynchronously, and a stream recreated under the same name at once can lose its files.
      await new Promise((r) => setTimeout(r, RECREATE_DELAY_MS));
      if (this.stopping) {
        return;
      }
      await this.deps.ensureResources();
      // pull again at once rather than waiting for the client's own back-off to notice
      const old = this.messages;
      if (old && !this.stopping) {
        this.messages = undefined;
        await old.close().catch(() => undefined);
        await this.startConsume();
        this.logger.log(`consumer ${this.def.durable} on ${this.streamName} recreated`);
      }
    } catch (err) {
      this.logger.warn(`could not recreate consumer: ${errorMessage(err)}`);
      if (!this.messages && !this.stopping && !this.restartTimer) {
        this.scheduleRestart();
      }
    } finally {
      this.recreating = false;
    }
  }

  private onConsumeClosed(messages: ConsumerMessages, err: unknown): void {
    if (this.stopping || this.messages !== messages || this.deps.nc.isClosed()) {
      return;
    }
    this.logger.warn(`consume() ended unexpectedly (${err ? errorMessage(err) : 'no error'}): restarting`);
    this.messages = undefined;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const delay = Math.min(MAX_RESTART_DELAY_MS, 500 * 2 ** this.restartAttempt);
    this.restartAttempt++;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.restart();
    }, delay);
  }

  private async restart(): Promise<void> {
    if (this.stopping || this.deps.nc.isClosed()) {
      return;
    }
    try {
      await this.deps.ensureResources();
      await this.startConsume();
      this.restartAttempt = 0;
      this.logger.log(`consume() restarted on ${this.streamName}`);
    } catch (err) {
      this.logger.warn(`restarting consume() failed: ${errorMessage(err)}`);
      this.scheduleRestart();
    }
  }

  private onMessage(msg: JsMsg): void {
    if (this.stopping) {
      // arrived while stopping: hand it back at once so another instance takes it
      safely(() => msg.nak());
      return;
    }
    const now = Date.now();
    this.buffer.push({ msg, receivedAt: now, touchedAt: now });
    this.schedule();
  }

  /** Starts batches while there are free slots: full ones at once, a partial one when its first message is maxWaitMs old. */
  private schedule(): void {
    if (this.stopping) {
      return;
    }
    const { maxBatch, maxWaitMs } = this.def;
    while (this.inFlight.size < this.concurrency && this.buffer.length >= maxBatch) {
      this.dispatch(maxBatch);
    }
    if (this.buffer.length === 0 || this.inFlight.size >= this.concurrency) {
      return;
    }
    const age = Date.now() - this.buffer[0].receivedAt;
    if (age >= maxWaitMs) {
      this.dispatch(this.buffer.length);
    } else if (!this.flushTimer) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        this.schedule();
      }, maxWaitMs - age);
    }
  }

  private dispatch(n: number): void {
    const entries = this.buffer.length === n ? this.buffer : this.buffer.slice(0, n);
    this.buffer = this.buffer.length === n ? [] : this.buffer.slice(n);
    const batch = { entries } as Batch;
    batch.done = this.runBatch(entries).finally(() => {
      this.inFlight.delete(batch);
      this.schedule();
    });
    this.inFlight.add(batch);
  }

  private async runBatch(entries: Held[]): Promise<void> {
    const durable = this.def.durable;
    const batch = entries.map(
      (e) => new ConsumedMessageImpl<T>(e.msg, this.deps.naming.unprefixSubject(e.msg.subject)),
    );
    const end = this.deps.metrics.batchDuration.startTimer({ durable });
    try {
      await Promise.resolve().then(() => this.handler(batch));
      end();
      this.settle(entries, (m) => m.ack());
      this.deps.metrics.consumed.inc({ durable }, entries.length);
    } catch (err) {
      end();
      this.deps.metrics.handlerFailures.inc({ durable });
      this.settle(entries, (m) => m.nak(this.nakDelay(m)));
      this.logger.error(
        `handler failed on a batch of ${entries.length} (first seq ${entries[0]?.msg.seq}); naked for redelivery: ${errorMessage(err)}`,
        err instanceof Error ? err.stack : undefined,
      );
    }
  }

  private nakDelay(m: JsMsg): number {
    const deliveries = Math.max(1, m.info.deliveryCount);
    return Math.min(MAX_NAK_DELAY_MS, this.nakDelayMs * 2 ** Math.min(deliveries - 1, 20));
  }

  private settle(entries: Held[], fn: (m: JsMsg) => void): void {
    let failed: unknown;
    for (const e of entries) {
      try {
        fn(e.msg);
      } catch (err) {
        failed ??= err;
      }
    }
    if (failed) {
      this.logger.warn(
        `could not ack/nak ${entries.length} messages (they will be redelivered): ${errorMessage(failed)}`,
      );
    }
  }

  /** Tells the server we are still working on every message held longer than ackWait/3. */
  private touch(): void {
    const threshold = Date.now() - this.touchAfterMs;
    const now = Date.now();
    const visit = (e: Held) => {
      if (e.touchedAt <= threshold) {
        safely(() => e.msg.working());
        e.touchedAt = now;
      }
    };
    this.buffer.forEach(visit);
    for (const b of this.inFlight) {
      b.entries.forEach(visit);
    }
  }

  private async doStop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.flushTimer);
    clearTimeout(this.restartTimer);
    const messages = this.messages;
    this.messages = undefined;
    if (messages) {
      await messages.close().catch(() => undefined);
    }
    const leftovers = this.buffer;
    this.buffer = [];
    leftovers.forEach((e) => safely(() => e.msg.nak()));
    while (this.inFlight.size > 0) {
      await Promise.all([...this.inFlight].map((b) => b.done));
    }
    clearInterval(this.touchTimer);
    this.unregisterPending?.();
    if (!this.deps.nc.isClosed()) {
      // make sure the acks and naks left the client before we say we are done
      await withTimeout(this.deps.nc.flush(), 2000).catch(() => undefined);
    }
    this.deps.onStopped(this as BatchConsumer<unknown>);
  }
}

function withTimeout<R>(p: Promise<R>, ms: number): Promise<R> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // connection closed: the server redelivers after ack_wait
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
