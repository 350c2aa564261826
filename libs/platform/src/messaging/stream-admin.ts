import type { Logger } from '@nestjs/common';
import {
  AckPolicy,
  type ConsumerConfig,
  DeliverPolicy,
  DiscardPolicy,
  type JetStreamManager,
  nanos,
  ReplayPolicy,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
  type StreamInfo,
} from 'nats';
import { apiErrorCode, retryTransient } from './nats-codec';
import type { NatsConnectionManager } from './nats-connection';
import type { MessagingNaming } from './messaging.naming';
import type { ConsumerDefinition, MessagingOptions, StreamDefinition } from './messaging.types';

const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
const ERR_STREAM_NOT_FOUND = 10059;
const ERR_STREAM_NAME_IN_USE = 10058;
const ERR_CONSUMER_ALREADY_EXISTS = 10148; // server ≥ 2.10 refuses a "create" that changes the config

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

/**
 * Streams and durable consumers on the server: created or updated in place to match their definitions (idempotent,
 * safe against another process doing the same at once), and read for pending counts and capacity. Remembers each
 * stream it ensured, so a consumer whose stream vanished can bring it back.
 */
export class StreamAdmin {
  private readonly streamDefs = new Map<string, StreamDefinition>();

  constructor(
    private readonly connection: NatsConnectionManager,
    private readonly naming: MessagingNaming,
    private readonly options: MessagingOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * The stream created or updated to match `def`. A cluster electing a leader (a member restarting, a fresh cluster)
   * answers late or not at all for a few seconds: such failures are retried for up to a minute.
   */
  ensureStream(def: StreamDefinition): Promise<void> {
    this.streamDefs.set(def.name, def);
    return retryTransient(
      `ensuring stream ${def.name}`,
      () => this.ensureStreamOnce(def),
      (m) => this.logger.warn(m),
    );
  }

  private async ensureStreamOnce(def: StreamDefinition): Promise<void> {
    const { jsm } = await this.connection.ready();
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

  /**
   * The durable of `def` (and its stream, when this service ensured it before), created or updated to match; transient
   * cluster failures retried as in ensureStream.
   */
  async ensureConsumerResources(def: ConsumerDefinition): Promise<void> {
    const streamDef = this.streamDefs.get(def.stream);
    if (streamDef) {
      await this.ensureStream(streamDef);
    }
    await retryTransient(
      `ensuring durable ${def.stream}/${def.durable}`,
      () => this.ensureConsumerOnce(def),
      (m) => this.logger.warn(m),
    );
  }

  private async ensureConsumerOnce(def: ConsumerDefinition): Promise<void> {
    const { jsm } = await this.connection.ready();
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

  /** Messages of a durable not yet acknowledged: num_pending + num_ack_pending. */
  async readPending(jsm: JetStreamManager | undefined, stream: string, durable: string): Promise<number> {
    if (!jsm) {
      throw new Error('not connected');
    }
    const ci = await jsm.consumers.info(this.naming.stream(stream), durable);
    return ci.num_pending + ci.num_ack_pending;
  }

  async streamCapacity(stream: string, timeoutMs: number): Promise<StreamCapacity> {
    const { nc } = await this.connection.ready();
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
}

function streamDifferences(have: StreamConfig, want: Partial<StreamConfig>): string[] {
  const diff: string[] = [];
  const sameSubjects =
    (have.subjects ?? []).length === (want.subjects ?? []).length &&
    (want.subjects ?? []).every((s) => (have.subjects ?? []).includes(s));
  if (!sameSubjects) diff.push('subjects');
  for (const key of [
    'storage',
    'retention',
    'discard',
    'max_age',
    'duplicate_window',
    'max_bytes',
    'num_replicas',
  ] as const) {
    if (want[key] !== undefined && have[key] !== want[key]) diff.push(key);
  }
  return diff;
}
