import type { Address } from '@ams/contracts';

/** Connection settings of the messaging module. */
export interface MessagingOptions {
  /** Server URL, e.g. `nats://127.0.0.1:4222`; a comma-separated list is allowed. */
  url: string;
  /**
   * Namespace for subjects and streams: `''` in production. Tests use a unique prefix so runs never collide.
   * Subject `s` becomes `${prefix}.${s}`; stream `N` becomes `${PREFIX_UPPER_SANITISED}_${N}`.
   */
  prefix: string;
  /** Name of the connection as the server shows it (the app name); default queue group of `reply()`. */
  connectionName: string;
  /** Replicas of the streams created by `ensureStream` (1 locally, 3 in production). Default 1. */
  streamReplicas?: number;
  /** How to authenticate; none: an open NATS. */
  auth?: MessagingAuth;
  /** TLS to the server; none: plain unless the URL says tls://. */
  tls?: MessagingTls;
  /**
   * Prefix of the connection's inboxes (replies, PubAcks, pulled messages), default `_INBOX`. Per app
   * (`_INBOX.<app>`, natsInboxPrefix) so that a user may subscribe to its own inboxes only.
   */
  inboxPrefix?: string;
}

/** One way to authenticate (CommonEnv validates that at most one is configured). */
export type MessagingAuth =
  | { kind: 'user'; user: string; password: string }
  | { kind: 'token'; token: string }
  /** nkey/JWT credentials file, read at every (re)connect so a rotated file is picked up. */
  | { kind: 'creds'; file: string };

export interface MessagingTls {
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

export interface StreamDefinition {
  /** Unprefixed stream name, e.g. `AMS`. */
  name: string;
  /** Unprefixed subjects, e.g. `['ams.>']`. */
  subjects: string[];
  maxAgeMs: number;
  /** Window in which a repeated `Nats-Msg-Id` is dropped. Default 120000. */
  duplicateWindowMs?: number;
  maxBytes?: number;
}

export interface ConsumerDefinition {
  /** Unprefixed stream name. */
  stream: string;
  durable: string;
  /** Unprefixed subject filter; may use wildcards. */
  filterSubject: string;
  /** Largest batch handed to the handler, e.g. 500. */
  maxBatch: number;
  /** A partial batch is handed over this long after its first message arrived, e.g. 50. */
  maxWaitMs: number;
  /** Server redelivers a message not acknowledged within this time, e.g. 30000. */
  ackWaitMs: number;
  /** Default -1 (unlimited): poison messages are handled by the app. */
  maxDeliver?: number;
  /** Delay of the redelivery after a failed batch. Default 1000; doubles with each delivery, capped at 30000. */
  nakDelayMs?: number;
  /** Batches handled at once. Default 1. */
  concurrency?: number;
}

export interface ConsumedMessage<T = unknown> {
  /** Subject without the prefix. */
  readonly subject: string;
  readonly data: Uint8Array;
  json(): T;
  string(): string;
  readonly headers: Record<string, string>;
  /** One header's first value, without building `headers` (cheaper per message on a hot path). */
  header(name: string): string | undefined;
  /** The `Nats-Msg-Id` it was published with, if any. */
  readonly msgId: string | null;
  readonly streamSequence: number;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
  /** When the stream stored the message. */
  readonly publishedAt: Date;
}

/** A consumed event whose payload matched its contract class (see JetStreamService.consume). */
export interface ConsumedEvent<T> extends ConsumedMessage<T> {
  /** the validated payload (an instance of the event's contract class) */
  readonly payload: T;
}

/** A consumer of one event: the stream and filter subject come from its descriptor. */
export interface EventConsumerOptions extends Omit<ConsumerDefinition, 'stream' | 'filterSubject'> {
  /** Told of each message that does not match the event's contract (after it was logged); it is acked and skipped. */
  onInvalid?: (reason: string, msg: ConsumedMessage) => void;
}

export interface ConsumerHandle {
  /** Stops pulling, waits for the batches in flight to be handled and acked (or naked), then resolves. */
  stop(): Promise<void>;
  /** Messages received by this handle and not yet acked or naked (buffered plus in flight). */
  readonly pending: number;
}

export interface PublishOptions {
  /** Sets `Nats-Msg-Id`: a repeat within the stream's duplicate window is stored once. */
  msgId?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface PublishItem<T = unknown> {
  /** a catalog address: an event descriptor, or `AMS_RECORDS.at(datasetId)` */
  to: Address<T>;
  data: T;
  msgId?: string;
  headers?: Record<string, string>;
}

export interface PublishResult {
  seq: number;
  duplicate: boolean;
}

export interface RequestOptions {
  /** Headers sent with the request, e.g. `x-correlation-id`. */
  headers?: Record<string, string>;
}

export interface ReplyOptions {
  /** Queue group; default is the connection name, so replicas of an app share the requests. */
  queue?: string;
}

export type ReplyHandler<TReq, TRes> = (req: TReq, headers: Record<string, string>) => Promise<TRes>;

/** Injection token of the resolved {@link MessagingOptions}. */
export const MESSAGING_OPTIONS = Symbol('MESSAGING_OPTIONS');

/** Header carrying the correlation id across HTTP and NATS hops. */
export const CORRELATION_ID_HEADER = 'x-correlation-id';

/** A message received by {@link JetStreamService.subscribeAll}. */
export interface BroadcastMessage {
  /** Subject without the prefix. */
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: Record<string, string>;
}

/** An event heard by {@link JetStreamService.subscribeAll}, validated against its contract class. */
export interface BroadcastEvent<T> extends BroadcastMessage {
  readonly payload: T;
}

export interface BroadcastOptions {
  /**
   * Told `true` once the subscription is known to the server (after the first connect and after every reconnect: a
   * flush round trip after the SUB), `false` when the connection drops. Messages published while it is not live are
   * missed: this is core NATS, at most once, so a listener that keeps derived state must distrust it while not live.
   */
  onLive?: (live: boolean) => void;
}

export interface EventBroadcastOptions extends BroadcastOptions {
  /** Told of each message that does not match the event's contract (after it was logged); the handler does not see it. */
  onInvalid?: (reason: string, msg: BroadcastMessage) => void;
}

export interface BroadcastHandle {
  /** Whether messages published now reach this subscription (see BroadcastOptions.onLive). */
  readonly live: boolean;
  unsubscribe(): void;
}
