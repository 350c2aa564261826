import type { Logger } from '@nestjs/common';
import type { NatsConnection, Subscription } from 'nats';
import { type EventDescriptor, validatePayload } from '@ams/contracts';
import { errorMessage } from './batch-consumer';
import { headersToRecord } from './consumed-message';
import type { MessagingNaming } from './messaging.naming';
import type {
  BroadcastEvent,
  BroadcastHandle,
  BroadcastMessage,
  BroadcastOptions,
  EventBroadcastOptions,
} from './messaging.types';
import { parseJson } from './nats-codec';
import type { ConnectionListener, NatsConnectionManager } from './nats-connection';

interface BroadcastRegistration {
  subject: string;
  handler: (msg: BroadcastMessage) => void;
  onLive?: (live: boolean) => void;
  sub?: Subscription;
  live: boolean;
  closed: boolean;
}

/**
 * Plain core NATS subscriptions that every replica receives (JetStreamService.subscribeAll): no queue group, no durable,
 * at most once. Tracks whether each is live (known to the server since the last (re)connect, by a flush after the SUB).
 *
 * Invariant: a subscription is live only if a flush begun in the current connection epoch returned; any disconnect or
 * close makes every subscription not live at once.
 */
export class Broadcasts implements ConnectionListener {
  private readonly registrations = new Set<BroadcastRegistration>();

  constructor(
    private readonly connection: NatsConnectionManager,
    private readonly naming: MessagingNaming,
    private readonly logger: Logger,
  ) {}

  /** An event, validated against its contract class (unknown fields refused); the handler sees valid ones only. */
  subscribeEvent<T extends object>(
    event: EventDescriptor<T>,
    handler: (msg: BroadcastEvent<T>) => void,
    opts: EventBroadcastOptions,
  ): BroadcastHandle {
    const { onInvalid, ...rest } = opts;
    return this.subscribe(
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

  subscribe(subject: string, handler: (msg: BroadcastMessage) => void, opts: BroadcastOptions): BroadcastHandle {
    const reg: BroadcastRegistration = { subject, handler, onLive: opts.onLive, live: false, closed: false };
    this.registrations.add(reg);
    const nc = this.connection.open();
    if (nc) {
      this.subscribeOn(nc, reg);
    }
    const setLive = (live: boolean) => this.setLive(reg, live);
    const registrations = this.registrations;
    return {
      get live() {
        return reg.live;
      },
      unsubscribe() {
        if (reg.closed) return;
        reg.closed = true;
        registrations.delete(reg);
        try {
          reg.sub?.unsubscribe();
        } catch {
          // the connection is already closed: nothing to unsubscribe from
        }
        setLive(false);
      },
    };
  }

  connected(nc: NatsConnection): void {
    for (const reg of this.registrations) this.subscribeOn(nc, reg);
  }

  lost(): void {
    for (const reg of this.registrations) this.setLive(reg, false);
  }

  reconnected(nc: NatsConnection): void {
    for (const reg of this.registrations) void this.confirmLive(nc, reg);
  }

  private subscribeOn(nc: NatsConnection, reg: BroadcastRegistration): void {
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
    const epoch = this.connection.epoch;
    try {
      await nc.flush();
    } catch {
      return; // disconnected again: the next reconnect tries anew
    }
    if (!reg.closed && epoch === this.connection.epoch && this.connection.connected && !nc.isClosed()) {
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
}
