import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import {
  AckPolicy,
  connect,
  type ConnectionOptions,
  type ConsumerConfig,
  credsAuthenticator,
  DeliverPolicy,
  DiscardPolicy,
  ErrorCode,
  Events,
  headers as natsHeaders,
  type JetStreamClient,
  type JetStreamManager,
  type Msg,
  type MsgHdrs,
  nanos,
  type NatsConnection,
  type NatsError,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
  type Subscription,
} from 'nats';
import {
  type Address,
  CommandError,
  type CommandDescriptor,
  type EventDescriptor,
  validatePayload,
} from '@ams/contracts';
import { BatchConsumer, errorMessage } from './batch-consumer';
import { ConsumedEventImpl, ConsumedMessageImpl, headersToRecord } from './consumed-message';
import { MessagingPublishError, MessagingRemoteError, MessagingTimeoutError, type PublishOutcome } from './messaging.errors';
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
  CORRELATION_ID_HEADER,
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

/** Header set on replies whose handler failed; its value is the error code. */
export const ERROR_CODE_HEADER = 'x-error-code';

const INTERNAL = 'INTERNAL';
const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const METRICS_API_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 5000;
const ERR_STREAM_NOT_FOUND = 10059;
const ERR_STREAM_NAME_IN_USE = 10058;
const ERR_CONSUMER_ALREADY_EXISTS = 10148; // server ≥ 2.10 refuses a "create" that changes the config
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** NATS's own default max_payload, used until the server's INFO says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;

interface Connected {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Short API timeout, for metric scrapes. */
  fastJsm: JetStreamManager;
}

interface ReplyRegistration {
  subject: string;
  queue: string;
  handler: ReplyHandler<unknown, unknown>;
  sub?: Subscription;
}

interface BroadcastRegistration {
  subject: string;
  handler: (msg: BroadcastMessage) => void;
  onLive?: (live: boolean) => void;
  sub?: Subscription;
  live: boolean;
  closed: boolean;
}

/** A stream's fill and limits and the account's storage (-1: no limit); see JetStreamService.streamCapacity. */
export interface StreamCapacity {
  bytes: number;
  messages: number;
  maxBytes: number;
  maxMessages: number;
  /** the stream refuses new messages when full (DiscardPolicy.New), rather than dropping old ones */
  discardNew: boolean;
  accountStorageUsed: number;
  accountStorageLimit: number;
}

class ReplyError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The one door to NATS for the apps: JetStream streams, publishing with PubAck and dedup, micro-batching durable
 * pull consumers, and core request/reply. Subjects and stream names are prefixed per MessagingOptions.prefix.
 */
@Injectable()
export class JetStreamService implements OnApplicationShutdown {
  private readonly logger = new Logger(JetStreamService.name);
  private readonly naming: MessagingNaming;
  private readonly metrics = new MessagingMetrics();
  private conn?: Connected;
  private connecting?: Promise<Connected>;
  private connected = false;
  private closing?: Promise<void>;
  private readonly streamDefs = new Map<string, StreamDefinition>();
  private readonly consumers = new Set<BatchConsumer<unknown>>();
  private readonly replies: ReplyRegistration[] = [];
  private readonly broadcasts = new Set<BroadcastRegistration>();
  /** Bumped on every disconnect: a flush that began before it cannot mark a subscription live. */
  private connectionEpoch = 0;
  private readonly reconnectListeners = new Set<() => void>();

  constructor(@Inject(MESSAGING_OPTIONS) private readonly options: MessagingOptions) {
    this.naming = new MessagingNaming(options.prefix);
  }

  /** Connects once; later calls return the same connection. A failed attempt can be retried. */
  async connect(): Promise<void> {
    await this.ready();
  }

  async ensureStream(def: StreamDefinition): Promise<void> {
    this.streamDefs.set(def.name, def);
    const { jsm } = await this.ready();
    const name = this.naming.stream(def.name);
    const wanted: Partial<StreamConfig> = {
      name,
      subjects: def.subjects.map((s) => this.naming.subject(s)),
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(def.maxAgeMs),
      duplicate_window: nanos(def.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
      max_bytes: def.maxBytes ?? -1,
      num_replicas: this.options.streamReplicas ?? 1,
    };
    for (let attempt = 1; ; attempt++) {
      try {
        const info = await this.streamInfo(jsm, name);
        if (!info) {
          await jsm.streams.add(wanted);
          this.logger.log(`created stream ${name} (${wanted.subjects?.join(', ')})`);
          return;
        }
        const diff = streamDifferences(info.config, wanted);
        if (diff.length === 0) {
          return;
        }
        if (diff.includes('storage') || diff.includes('retention')) {
          throw new Error(`stream ${name} exists with another storage or retention; it cannot be updated in place`);
        }
        await jsm.streams.update(name, { ...info.config, ...wanted });
        this.logger.log(`updated stream ${name}: ${diff.join(', ')}`);
        return;
      } catch (err) {
        // another process created or changed it between our info and our add/update: look again
        if (attempt < 5 && apiErrorCode(err) === ERR_STREAM_NAME_IN_USE) {
          continue;
        }
        throw err;
      }
    }
  }

  /** Publishes one message to a catalog address (an event, or a member of a subject family) and waits for its PubAck. */
  async publish<T>(to: Address<T>, data: NoInfer<T>, opts: PublishOptions = {}): Promise<PublishResult> {
    const subject = to.subject;
    const { js } = this.conn && !this.closing ? this.conn : await this.ready();
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
  async publishMany<T>(items: PublishItem<T>[], opts: { timeoutMs?: number } = {}): Promise<PublishResult[]> {
    await this.ready();
    const settled = await Promise.allSettled(
      items.map((it) => this.publish(it.to, it.data, { msgId: it.msgId, headers: it.headers, timeoutMs: opts.timeoutMs })),
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
      { cause: first },
    );
  }

  /**
   * A durable consumer of one event: each message is validated against the event's contract class (unknown fields
   * refused) before the handler sees it. A message that does not match can never become valid: it is logged, reported to
   * `opts.onInvalid`, left out of the batch and acknowledged with it. The handler is not called for a batch with no
   * valid message.
   */
  async consume<T extends object>(
    event: EventDescriptor<T>,
    opts: EventConsumerOptions,
    handler: (batch: ConsumedEvent<T>[]) => Promise<void>,
  ): Promise<ConsumerHandle> {
    const { onInvalid, ...def } = opts;
    return this.consumeBatches({ ...def, stream: event.stream, filterSubject: event.subject }, async (batch) => {
      const valid: ConsumedEvent<T>[] = [];
      for (const msg of batch) {
        const v = validatePayload(event.payload, parseJson(msg.data), { refuseUnknownFields: true, noun: 'event' });
        if (v.ok) {
          valid.push(new ConsumedEventImpl(msg, v.value));
          continue;
        }
        this.logger.warn(`invalid ${event.subject} (stream seq ${msg.streamSequence}) skipped: ${v.reason}`);
        onInvalid?.(v.reason, msg);
      }
      if (valid.length) await handler(valid);
    });
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
    const { nc, js } = await this.ready();
    const consumer: BatchConsumer<T> = new BatchConsumer<T>(def, handler, {
      nc,
      js,
      naming: this.naming,
      metrics: this.metrics,
      ensureResources: () => this.ensureConsumerResources(def),
      readPending: () => this.readPending(this.conn?.fastJsm, def.stream, def.durable),
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
   * Reads a stream's messages published in [from, to) with an ordered (ephemeral) consumer and hands
   * them over in batches: the replay log's read path. Acks nothing, changes nothing on the server.
   */
  async readWindow<T>(
    source: { stream: string; filter: string },
    window: { from: Date; to: Date },
    onBatch: (batch: ConsumedMessage<T>[]) => Promise<void>,
    opts: { batchSize?: number } = {},
  ): Promise<{ messages: number; batches: number }> {
    const { js } = await this.ready();
    // one filter subject as a string: a list needs server ≥ 2.10
    const consumer = await js.consumers.get(this.naming.stream(source.stream), {
      filterSubjects: this.naming.subject(source.filter),
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
        batch.push(new ConsumedMessageImpl<T>(m, this.naming.unprefixSubject(m.subject)));
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

  /** Sends a command and waits for its reply; a refusal becomes MessagingRemoteError with the replier's code. */
  async request<Req extends object, Res>(
    command: CommandDescriptor<Req, Res>,
    payload: NoInfer<Req>,
    timeoutMs: number,
    opts: RequestOptions = {},
  ): Promise<Res> {
    const subject = command.subject;
    const { nc } = await this.ready();
    let msg: Msg;
    try {
      msg = await nc.request(this.naming.subject(subject), encodeJson(payload), {
        timeout: timeoutMs,
        headers: toHeaders(opts.headers),
      });
    } catch (err) {
      throw mapNatsError(err, `request to ${subject}`, timeoutMs);
    }
    const errorCode = msg.headers?.get(ERROR_CODE_HEADER);
    const body = msg.data.length > 0 ? (JSON.parse(decoder.decode(msg.data)) as unknown) : undefined;
    if (errorCode) {
      const message = (body as { error?: { message?: string } } | undefined)?.error?.message ?? 'remote handler failed';
      throw new MessagingRemoteError(errorCode, message);
    }
    return body as Res;
  }

  /**
   * Answers a command (queue group = connection name unless given). The request is validated against the command's
   * contract class first (an empty body is `{}`; unknown fields refused): a request that does not match is answered
   * VALIDATION and the handler never sees it. Handler errors are answered with `{ error: { code, message } }` and the
   * `x-error-code` header; `request()` turns them into MessagingRemoteError.
   * May be called before connect(): the subscription is made once connected.
   */
  reply<Req extends object, Res>(command: CommandDescriptor<Req, Res>, handler: ReplyHandler<Req, Res>, opts: ReplyOptions = {}): void {
    const validated: ReplyHandler<unknown, Res> = (req, headers) => {
      const v = validatePayload(command.request, req ?? {}, { refuseUnknownFields: true, noun: 'command' });
      if (!v.ok) throw new CommandError('VALIDATION', v.reason);
      return handler(v.value, headers);
    };
    const reg: ReplyRegistration = {
      subject: command.subject,
      queue: opts.queue ?? this.options.connectionName,
      handler: validated as ReplyHandler<unknown, unknown>,
    };
    this.replies.push(reg);
    if (this.conn && !this.conn.nc.isClosed()) {
      this.subscribeReply(this.conn.nc, reg);
    }
  }

  /**
   * Receives every message published on `subject` (wildcards allowed) in this process, whichever replica it runs in:
   * a plain core NATS subscription on the prefixed subject, no queue group and no durable consumer. JetStream publishes
   * are ordinary NATS messages, so this also sees events that go to a stream, without taking them from anyone. It never
   * answers a message (a JetStream publish carries a reply inbox for its PubAck; answering would fake the ack).
   * At most once: messages published while the connection is down are missed, which `onLive` reports. The handler
   * runs synchronously per message; an exception is logged and the next message still arrives.
   * May be called before connect(): the subscription is made once connected, and NATS renews it after a reconnect.
   */
  subscribeAll<T extends object>(
    event: EventDescriptor<T>,
    handler: (msg: BroadcastEvent<T>) => void,
    opts: EventBroadcastOptions = {},
  ): BroadcastHandle {
    const { onInvalid, ...rest } = opts;
    return this.subscribeSubject(
      event.subject,
      (msg) => {
        const v = validatePayload(event.payload, parseJson(msg.data), { refuseUnknownFields: true, noun: 'event' });
        if (v.ok) {
          handler({ ...msg, payload: v.value });
          return;
        }
        this.logger.warn(`invalid ${event.subject} skipped: ${v.reason}`);
        onInvalid?.(v.reason, msg);
      },
      rest,
    );
  }

  /**
   * `subscribeAll` for a raw subject (wildcards allowed), without validation: for subjects outside the catalog (the
   * messaging module's own specs). Apps hear events with `subscribeAll`.
   */
  subscribeSubject(subject: string, handler: (msg: BroadcastMessage) => void, opts: BroadcastOptions = {}): BroadcastHandle {
    const reg: BroadcastRegistration = { subject, handler, onLive: opts.onLive, live: false, closed: false };
    this.broadcasts.add(reg);
    if (this.conn && !this.conn.nc.isClosed()) {
      this.subscribeBroadcast(this.conn.nc, reg);
    }
    const setLive = (live: boolean) => this.setLive(reg, live);
    const broadcasts = this.broadcasts;
    return {
      get live() {
        return reg.live;
      },
      unsubscribe() {
        if (reg.closed) return;
        reg.closed = true;
        broadcasts.delete(reg);
        try {
          reg.sub?.unsubscribe();
        } catch {
          // the connection is already closed: nothing to unsubscribe from
        }
        setLive(false);
      },
    };
  }

  /**
   * Calls `listener` each time the client has reconnected after losing the server (not on the first connect); returns
   * the function that removes it. For work that backs off while NATS is away and should not wait out its back-off.
   */
  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  isConnected(): boolean {
    return !!this.conn && this.connected && !this.conn.nc.isClosed();
  }

  async rtt(): Promise<number> {
    const { nc } = await this.ready();
    return nc.rtt();
  }

  /**
   * The largest message (headers and data) the server accepts, from its INFO (`max_payload`, 1 MiB by default); a
   * publisher of variable-size events splits them below it. Read on every call: a reconnect may reach another server.
   */
  async maxPayload(): Promise<number> {
    const { nc } = await this.ready();
    return nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
  }

  /** Messages of a durable not yet acknowledged: num_pending + num_ack_pending. */
  async consumerPending(stream: string, durable: string): Promise<number> {
    const { jsm } = await this.ready();
    return this.readPending(jsm, stream, durable);
  }

  /**
   * What a publisher needs to know before it sends again, without publishing: the stream's state and limits
   * (answered by the stream's leader, so an answer means the stream has quorum) and the account's JetStream
   * storage use and limit. Rejects when JetStream does not answer within `timeoutMs`.
   */
  async streamCapacity(stream: string, timeoutMs = METRICS_API_TIMEOUT_MS): Promise<StreamCapacity> {
    const { nc } = await this.ready();
    const jsm = await nc.jetstreamManager({ timeout: timeoutMs, checkAPI: false });
    const [info, account] = await Promise.all([jsm.streams.info(this.naming.stream(stream)), jsm.getAccountInfo()]);
    return {
      bytes: info.state.bytes,
      messages: info.state.messages,
      maxBytes: info.config.max_bytes,
      maxMessages: info.config.max_msgs,
      discardNew: info.config.discard === DiscardPolicy.New,
      accountStorageUsed: account.storage,
      accountStorageLimit: account.limits.max_storage,
    };
  }

  /** Stops every consumer (waiting for batches in flight), then drains the connection. */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.close();
  }

  private ready(): Promise<Connected> {
    if (this.closing) {
      return Promise.reject(new Error('JetStreamService is closed'));
    }
    if (this.conn) {
      return Promise.resolve(this.conn);
    }
    this.connecting ??= this.doConnect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  private async doConnect(): Promise<Connected> {
    const servers = this.options.url
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const nc = await connect({
      servers,
      ...connectionSecurity(this.options),
      name: this.options.connectionName,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
      pingInterval: 20_000,
      maxPingOut: 3,
      // Otherwise every request and JetStream publish builds two Error objects up front for the caller's stack, in
      // case it fails: ~5 % of the ingestor's CPU under load (bench:ingest, end to end). Our errors name the subject.
      noAsyncTraces: true,
    });
    try {
      const jsm = await nc.jetstreamManager();
      const fastJsm = await nc.jetstreamManager({ timeout: METRICS_API_TIMEOUT_MS, checkAPI: false });
      const conn: Connected = { nc, js: nc.jetstream(), jsm, fastJsm };
      this.conn = conn;
      this.connected = true;
      void this.watchStatus(nc);
      void nc.closed().then((err) => {
        this.connected = false;
        this.connectionEpoch++;
        for (const reg of this.broadcasts) this.setLive(reg, false);
        if (err) {
          this.logger.error(`NATS connection closed with an error: ${errorMessage(err)}`);
        }
      });
      for (const reg of this.replies) {
        this.subscribeReply(nc, reg);
      }
      for (const reg of this.broadcasts) {
        this.subscribeBroadcast(nc, reg);
      }
      this.logger.log(`connected to NATS ${nc.getServer()} as ${this.options.connectionName}`);
      return conn;
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      switch (s.type) {
        case Events.Disconnect:
          this.connected = false;
          this.connectionEpoch++;
          for (const reg of this.broadcasts) this.setLive(reg, false);
          this.logger.warn(`disconnected from NATS ${String(s.data)}`);
          break;
        case Events.Reconnect:
          this.connected = true;
          this.logger.log(`reconnected to NATS ${String(s.data)}`);
          // the client has sent its subscriptions again; live once the server has answered a flush after them
          for (const reg of this.broadcasts) void this.confirmLive(nc, reg);
          for (const listener of this.reconnectListeners) {
            try {
              listener();
            } catch (err) {
              this.logger.error(`a reconnect listener failed: ${err instanceof Error ? err.message : String(err)}`);
            }
          }
          break;
        case Events.LDM:
          this.logger.warn(`NATS server ${String(s.data)} entered lame duck mode`);
          break;
        case Events.Error:
          this.logger.error(`NATS async error: ${String(s.data)}`);
          break;
        default:
          break;
      }
    }
  }

  private async streamInfo(jsm: JetStreamManager, name: string): Promise<StreamInfo | undefined> {
    try {
      return await jsm.streams.info(name);
    } catch (err) {
      if (apiErrorCode(err) === ERR_STREAM_NOT_FOUND) {
        return undefined;
      }
      throw err;
    }
  }

  private async ensureConsumerResources(def: ConsumerDefinition): Promise<void> {
    const streamDef = this.streamDefs.get(def.stream);
    if (streamDef) {
      await this.ensureStream(streamDef);
    }
    const { jsm } = await this.ready();
    const stream = this.naming.stream(def.stream);
    const cfg: Partial<ConsumerConfig> = {
      durable_name: def.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      replay_policy: ReplayPolicy.Instant,
      filter_subject: this.naming.subject(def.filterSubject),
      ack_wait: nanos(def.ackWaitMs),
      max_deliver: def.maxDeliver ?? -1,
      max_ack_pending: 4 * def.maxBatch * Math.max(1, def.concurrency ?? 1),
    };
    try {
      // server 2.9 creates or updates; ≥ 2.10 creates when the config is identical
      await jsm.consumers.add(stream, cfg);
    } catch (err) {
      if (apiErrorCode(err) !== ERR_CONSUMER_ALREADY_EXISTS) {
        throw err;
      }
      const { ack_wait, max_deliver, max_ack_pending, filter_subject } = cfg;
      await jsm.consumers.update(stream, def.durable, { ack_wait, max_deliver, max_ack_pending, filter_subject });
    }
  }

  private async readPending(jsm: JetStreamManager | undefined, stream: string, durable: string): Promise<number> {
    if (!jsm) {
      throw new Error('not connected');
    }
    const ci = await jsm.consumers.info(this.naming.stream(stream), durable);
    return ci.num_pending + ci.num_ack_pending;
  }

  private subscribeReply(nc: NatsConnection, reg: ReplyRegistration): void {
    reg.sub = nc.subscribe(this.naming.subject(reg.subject), {
      queue: reg.queue,
      callback: (err, msg) => {
        if (err) {
          this.logger.error(`reply subscription on ${reg.subject} failed: ${err.message}`);
          return;
        }
        void this.answer(reg, msg);
      },
    });
  }

  private subscribeBroadcast(nc: NatsConnection, reg: BroadcastRegistration): void {
    reg.sub = nc.subscribe(this.naming.subject(reg.subject), {
      callback: (err, msg) => {
        if (err) {
          this.logger.error(`subscription on ${reg.subject} failed: ${err.message}`);
          return;
        }
        try {
          reg.handler({
            subject: this.naming.unprefixSubject(msg.subject),
            data: msg.data,
            headers: headersToRecord(msg.headers),
          });
        } catch (handlerErr) {
          this.logger.error(`handler of ${reg.subject} failed: ${errorMessage(handlerErr)}`);
        }
      },
    });
    void this.confirmLive(nc, reg);
  }

  private async confirmLive(nc: NatsConnection, reg: BroadcastRegistration): Promise<void> {
    const epoch = this.connectionEpoch;
    try {
      await nc.flush();
    } catch {
      return; // disconnected again: the next reconnect tries anew
    }
    if (!reg.closed && epoch === this.connectionEpoch && this.connected && !nc.isClosed()) {
      this.setLive(reg, true);
    }
  }

  private setLive(reg: BroadcastRegistration, live: boolean): void {
    if (reg.live === live) return;
    reg.live = live;
    try {
      reg.onLive?.(live);
    } catch (err) {
      this.logger.error(`onLive of ${reg.subject} failed: ${errorMessage(err)}`);
    }
  }

  private async answer(reg: ReplyRegistration, msg: Msg): Promise<void> {
    if (!msg.reply) {
      return;
    }
    const reqHeaders = headersToRecord(msg.headers);
    const correlationId = reqHeaders[CORRELATION_ID_HEADER];
    const replyHeaders: Record<string, string> = correlationId ? { [CORRELATION_ID_HEADER]: correlationId } : {};
    try {
      let req: unknown;
      try {
        req = msg.data.length > 0 ? JSON.parse(decoder.decode(msg.data)) : undefined;
      } catch {
        throw new ReplyError('BAD_REQUEST', 'request body is not valid JSON');
      }
      const res = await reg.handler(req, reqHeaders);
      msg.respond(encodeJson(res), { headers: toHeaders(replyHeaders) });
    } catch (err) {
      const code = errorCodeOf(err);
      const where = `handler of ${reg.subject}${correlationId ? ` (correlation ${correlationId})` : ''}`;
      let error: { code: string; message: string; errorId?: string };
      if (code === INTERNAL) {
        // an unexpected failure: the caller gets an error id, the log gets the details
        const errorId = randomUUID();
        error = { code, message: 'internal error', errorId };
        this.logger.error(`${where} failed, error id ${errorId}: ${errorMessage(err)}`, err instanceof Error ? err.stack : undefined);
      } else {
        error = { code, message: errorMessage(err) };
        this.logger.warn(`${where} failed [${code}]: ${error.message}`);
      }
      try {
        msg.respond(encodeJson({ error }), {
          headers: toHeaders({ ...replyHeaders, [ERROR_CODE_HEADER]: code }),
        });
      } catch (respondErr) {
        this.logger.warn(`could not reply on ${reg.subject}: ${errorMessage(respondErr)}`);
      }
    }
  }

  private async doClose(): Promise<void> {
    await Promise.all([...this.consumers].map((c) => c.stop()));
    await this.connecting?.catch(() => undefined);
    const nc = this.conn?.nc;
    if (!nc || nc.isClosed()) {
      return;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        nc.drain(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('drain timed out')), CLOSE_TIMEOUT_MS);
        }),
      ]);
    } catch (err) {
      this.logger.warn(`NATS drain failed (${errorMessage(err)}); closing`);
      await nc.close().catch(() => undefined);
    } finally {
      clearTimeout(timer);
    }
    this.connected = false;
    this.connectionEpoch++;
    for (const reg of this.broadcasts) this.setLive(reg, false);
  }
}

/** Credentials, TLS and inbox prefix of the connection (values are passed to nats.js, never logged). */
export function connectionSecurity(opts: MessagingOptions): Partial<ConnectionOptions> {
  const out: Partial<ConnectionOptions> = {};
  const auth = opts.auth;
  if (auth?.kind === 'user') {
    out.user = auth.user;
    out.pass = auth.password;
  } else if (auth?.kind === 'token') {
    out.token = auth.token;
  } else if (auth?.kind === 'creds') {
    const file = auth.file;
    out.authenticator = credsAuthenticator(() => new Uint8Array(readFileSync(file)));
  }
  const tls = Object.fromEntries(Object.entries(opts.tls ?? {}).filter(([, v]) => !!v));
  if (Object.keys(tls).length) out.tls = tls;
  if (opts.inboxPrefix) out.inboxPrefix = opts.inboxPrefix;
  return out;
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

function streamDifferences(have: StreamConfig, want: Partial<StreamConfig>): string[] {
  const diff: string[] = [];
  const sameSubjects =
    (have.subjects ?? []).length === (want.subjects ?? []).length &&
    (want.subjects ?? []).every((s) => (have.subjects ?? []).includes(s));
  if (!sameSubjects) diff.push('subjects');
  for (const key of ['storage', 'retention', 'discard', 'max_age', 'duplicate_window', 'max_bytes', 'num_replicas'] as const) {
    if (want[key] !== undefined && have[key] !== want[key]) diff.push(key);
  }
  return diff;
}

function encode(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (typeof data === 'string') return encoder.encode(data);
  return encoder.encode(JSON.stringify(data ?? null));
}

/** Request/reply bodies are always JSON (a string payload becomes a JSON string). */
function encodeJson(data: unknown): Uint8Array {
  return encoder.encode(JSON.stringify(data ?? null));
}

function toHeaders(record: Record<string, string> | undefined): MsgHdrs | undefined {
  if (!record) return undefined;
  const keys = Object.keys(record);
  if (keys.length === 0) return undefined;
  const h = natsHeaders();
  for (const k of keys) {
    h.set(k, record[k]);
  }
  return h;
}

/** A received body as JSON, or undefined when it is not JSON (validation then names it: not a JSON object). */
function parseJson(data: Uint8Array): unknown {
  try {
    return data.length > 0 ? (JSON.parse(decoder.decode(data)) as unknown) : undefined;
  } catch {
    return undefined;
  }
}

function apiErrorCode(err: unknown): number | undefined {
  return (err as NatsError | undefined)?.api_error?.err_code;
}

/**
 * The error's own code when it looks like an application code (upper-case letters and underscores, e.g.
 * NOT_FOUND), else INTERNAL: driver codes such as PostgreSQL's SQLSTATE ('23505') are not passed on.
 */
function errorCodeOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^[A-Z][A-Z_]*[A-Z]$/.test(code) ? code : INTERNAL;
}

function mapNatsError(err: unknown, what: string, timeoutMs: number): Error {
  const code = (err as NatsError | undefined)?.code;
  if (code === ErrorCode.Timeout) {
    return new MessagingTimeoutError(`${what}: no answer within ${timeoutMs} ms`, { cause: err });
  }
  if (code === ErrorCode.NoResponders) {
    return new MessagingTimeoutError(`${what}: no responders`, { cause: err });
  }
  return err instanceof Error ? err : new Error(String(err));
}
