import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import type { Address, CommandDescriptor, EventDescriptor } from '@ams/contracts';
import { BatchConsumer } from './batch-consumer';
import { Broadcasts } from './broadcasts';
import { validatingHandler } from './event-consumer';
import { MessagingMetrics } from './messaging.metrics';
import { MessagingNaming } from './messaging.naming';
import {
  type BroadcastEvent,
  type BroadcastHandle,
  type BroadcastMessage,
  type BroadcastOptions,
  type ConsumedEvent,
  type ConsumedMessage,
  type ConsumerDefinition,
  type ConsumerHandle,
  type EventBroadcastOptions,
  type EventConsumerOptions,
  MESSAGING_OPTIONS,
  type MessagingOptions,
  type PublishItem,
  type PublishOptions,
  type PublishResult,
  type ReplyHandler,
  type ReplyOptions,
  type RequestOptions,
  type StreamDefinition,
} from './messaging.types';
import { METRICS_API_TIMEOUT_MS, NatsConnectionManager } from './nats-connection';
import { Publisher } from './publisher';
import { Rpc } from './rpc';
import { type StreamCapacity, StreamAdmin } from './stream-admin';
import { readWindow } from './window-reader';

export { connectionSecurity } from './connection-security';
export { ERROR_CODE_HEADER } from './rpc';
export type { StreamCapacity } from './stream-admin';

/** NATS's own default max_payload, used until the server's INFO says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

/**
 * The one door to NATS for the apps: JetStream streams, publishing with PubAck and dedup, micro-batching durable
 * pull consumers, replay windows, core request/reply and broadcast subscriptions. Messages are named by the catalog's
 * descriptors (`@ams/contracts`): a payload that does not match its subject does not compile, and what arrives is
 * validated against its contract class here, once (unknown fields refused). Subjects and stream names are prefixed
 * per MessagingOptions.prefix.
 *
 * A facade: each concern is a part in its own file — the connection (nats-connection.ts), streams and durables
 * (stream-admin.ts), publishing (publisher.ts), consumers (batch-consumer.ts, event-consumer.ts), replay windows
 * (window-reader.ts), commands (rpc.ts) and broadcasts (broadcasts.ts).
 */
@Injectable()
export class JetStreamService implements OnApplicationShutdown {
  private readonly logger = new Logger(JetStreamService.name);
  private readonly naming: MessagingNaming;
  private readonly metrics = new MessagingMetrics();
  private readonly connection: NatsConnectionManager;
  private readonly admin: StreamAdmin;
  private readonly publisher: Publisher;
  private readonly rpc: Rpc;
  private readonly broadcasts: Broadcasts;
  private readonly consumers = new Set<BatchConsumer<unknown>>();

  constructor(@Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions) {
    this.naming = new MessagingNaming(options.prefix);
    this.connection = new NatsConnectionManager(options, this.logger);
    this.admin = new StreamAdmin(this.connection, this.naming, options, this.logger);
    this.publisher = new Publisher(this.connection, this.naming, this.metrics);
    this.rpc = new Rpc(this.connection, this.naming, options.connectionName, this.logger);
    this.broadcasts = new Broadcasts(this.connection, this.naming, this.logger);
    // replies are subscribed before broadcasts on connect, as they always were
    this.connection.listen(this.rpc);
    this.connection.listen(this.broadcasts);
  }

  /** Connects once; later calls return the same connection. A failed attempt can be retried. */
  async connect(): Promise<void> {
    await this.connection.ready();
  }

  ensureStream(def: StreamDefinition): Promise<void> {
    return this.admin.ensureStream(def);
  }

  /** Publishes one message to a catalog address (an event, or a member of a subject family) and waits for its PubAck. */
  publish<T>(to: Address<T>, data: NoInfer<T>, opts: PublishOptions = {}): Promise<PublishResult> {
    return this.publisher.publish(to, data, opts);
  }

  /** Publishes all items at once (pipelined) and waits for every PubAck; rejects with MessagingPublishError if any failed. */
  publishMany<T>(items: PublishItem<T>[], opts: { timeoutMs?: number } = {}): Promise<PublishResult[]> {
    return this.publisher.publishMany(items, opts);
  }

  /**
   * A durable consumer of one event: each message is validated against the event's contract class (unknown fields
   * refused) before the handler sees it. A message that does not match can never become valid: it is logged, reported
   * to `opts.onInvalid`, left out of the batch and acknowledged with it. The handler is not called for a batch with no
   * valid message.
   */
  consume<T extends object>(
    event: EventDescriptor<T>,
    opts: EventConsumerOptions,
    handler: (batch: ConsumedEvent<T>[]) => Promise<void>,
  ): Promise<ConsumerHandle> {
    const { onInvalid, ...def } = opts;
    return this.consumeBatches(
      { ...def, stream: event.stream, filterSubject: event.subject },
      validatingHandler(event, handler, onInvalid, this.logger),
    );
  }

  /**
   * A durable consumer of raw messages (no validation): for the AMS stream, whose records `@ams/ams` checks and
   * quarantines, and for subjects outside the catalog. Events are consumed with `consume`.
   */
  async consumeBatches<T>(
    def: ConsumerDefinition,
    handler: (batch: ConsumedMessage<T>[]) => Promise<void>,
  ): Promise<ConsumerHandle> {
    validateConsumerDefinition(def);
    const { nc, js } = await this.connection.ready();
    const consumer: BatchConsumer<T> = new BatchConsumer<T>(def, handler, {
      nc,
      js,
      naming: this.naming,
      metrics: this.metrics,
      ensureResources: () => this.admin.ensureConsumerResources(def),
      readPending: () => this.admin.readPending(this.connection.fastJsm(), def.stream, def.durable),
      onStopped: (c) => this.consumers.delete(c),
    });
    this.consumers.add(consumer as BatchConsumer<unknown>);
    try {
      await consumer.start();
    } catch (err) {
      await consumer.stop();
      throw err;
    }
    return consumer;
  }

  /**
   * Reads a stream's messages published in [from, to) with an ordered (ephemeral) consumer and hands them over in
   * batches: the replay log's read path (`AMS_RECORDS` as the source). Acks nothing, changes nothing on the server.
   */
  readWindow<T>(
    source: { stream: string; filter: string },
    window: { from: Date; to: Date },
    onBatch: (batch: ConsumedMessage<T>[]) => Promise<void>,
    opts: { batchSize?: number } = {},
  ): Promise<{ messages: number; batches: number }> {
    return readWindow(this.connection, this.naming, source, window, onBatch, opts);
  }

  /** Sends a command and waits for its reply; a refusal becomes MessagingRemoteError with the replier's code. */
  request<Req extends object, Res>(
    command: CommandDescriptor<Req, Res>,
    payload: NoInfer<Req>,
    timeoutMs: number,
    opts: RequestOptions = {},
  ): Promise<Res> {
    return this.rpc.request(command, payload, timeoutMs, opts);
  }

  /**
   * Answers a command (queue group = connection name unless given). The request is validated against the command's
   * contract class first (an empty body is `{}`; unknown fields refused): a request that does not match is answered
   * VALIDATION and the handler never sees it. Handler errors are answered with `{ error: { code, message } }` and the
   * `x-error-code` header; `request()` turns them into MessagingRemoteError.
   * May be called before connect(): the subscription is made once connected.
   */
  reply<Req extends object, Res>(
    command: CommandDescriptor<Req, Res>,
    handler: ReplyHandler<Req, Res>,
    opts: ReplyOptions = {},
  ): void {
    this.rpc.reply(command, handler, opts);
  }

  /**
   * Receives every `event` published in this process, whichever replica it runs in: a plain core NATS subscription on
   * the prefixed subject, no queue group and no durable consumer. JetStream publishes are ordinary NATS messages, so
   * this also sees events that go to a stream, without taking them from anyone. It never answers a message (a
   * JetStream publish carries a reply inbox for its PubAck; answering would fake the ack). Each message is validated
   * against the event's contract class (unknown fields refused): one that does not match is logged and reported to
   * `opts.onInvalid`, never to the handler.
   * At most once: messages published while the connection is down are missed, which `onLive` reports. The handler
   * runs synchronously per message; an exception is logged and the next message still arrives.
   * May be called before connect(): the subscription is made once connected, and NATS renews it after a reconnect.
   */
  subscribeAll<T extends object>(
    event: EventDescriptor<T>,
    handler: (msg: BroadcastEvent<T>) => void,
    opts: EventBroadcastOptions = {},
  ): BroadcastHandle {
    return this.broadcasts.subscribeEvent(event, handler, opts);
  }

  /**
   * `subscribeAll` for a raw subject (wildcards allowed), without validation: for subjects outside the catalog (the
   * messaging module's own specs). Apps hear events with `subscribeAll`.
   */
  subscribeSubject(
    subject: string,
    handler: (msg: BroadcastMessage) => void,
    opts: BroadcastOptions = {},
  ): BroadcastHandle {
    return this.broadcasts.subscribe(subject, handler, opts);
  }

  /**
   * Calls `listener` each time the client has reconnected after losing the server (not on the first connect); returns
   * the function that removes it. For work that backs off while NATS is away and should not wait out its back-off.
   */
  onReconnect(listener: () => void): () => void {
    return this.connection.onReconnect(listener);
  }

  isConnected(): boolean {
    return this.connection.isConnected();
  }

  async rtt(): Promise<number> {
    const { nc } = await this.connection.ready();
    return nc.rtt();
  }

  /**
   * The largest message (headers and data) the server accepts, from its INFO (`max_payload`, 1 MiB by default); a
   * publisher of variable-size events splits them below it. Read on every call: a reconnect may reach another server.
   */
  async maxPayload(): Promise<number> {
    const { nc } = await this.connection.ready();
    return nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Messages of a durable not yet acknowledged: num_pending + num_ack_pending. */
  async consumerPending(stream: string, durable: string): Promise<number> {
    const { jsm } = await this.connection.ready();
    return this.admin.readPending(jsm, stream, durable);
  }

  /**
   * What a publisher needs to know before it sends again, without publishing: the stream's state and limits
   * (answered by the stream's leader, so an answer means the stream has quorum) and the account's JetStream
   * storage use and limit. Rejects when JetStream does not answer within `timeoutMs`.
   */
  streamCapacity(stream: string, timeoutMs = METRICS_API_TIMEOUT_MS): Promise<StreamCapacity> {
    return this.admin.streamCapacity(stream, timeoutMs);
  }

  /** Stops every consumer (waiting for batches in flight) and answers the requests in hand, then drains the connection. */
  close(): Promise<void> {
    return this.connection.close(async () => {
      await Promise.all([...[...this.consumers].map((c) => c.stop()), this.rpc.answered()]);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }
}

function validateConsumerDefinition(def: ConsumerDefinition): void {
  const problems: string[] = [];
  if (!Number.isInteger(def.maxBatch) || def.maxBatch < 1) problems.push('maxBatch must be an integer ≥ 1');
  if (!(def.maxWaitMs >= 0)) problems.push('maxWaitMs must be ≥ 0');
  if (!(def.ackWaitMs >= 1000)) problems.push('ackWaitMs must be ≥ 1000');
  if (def.concurrency !== undefined && (!Number.isInteger(def.concurrency) || def.concurrency < 1)) {
    problems.push('concurrency must be an integer ≥ 1');
  }
  if (problems.length > 0) {
    throw new Error(`invalid consumer definition ${def.stream}/${def.durable}: ${problems.join('; ')}`);
  }
}
