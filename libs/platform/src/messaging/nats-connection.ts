import type { Logger } from '@nestjs/common';
import { connect, Events, type JetStreamClient, type JetStreamManager, type NatsConnection } from 'nats';
import { errorMessage } from './batch-consumer';
import { connectionSecurity } from './connection-security';
import type { MessagingOptions } from './messaging.types';

/** Short API timeout, for metric scrapes and capacity checks. */
export const METRICS_API_TIMEOUT_MS = 1000;
const CLOSE_TIMEOUT_MS = 5000;

export interface Connected {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  /** Short API timeout, for metric scrapes. */
  fastJsm: JetStreamManager;
}

/** What a part of the messaging module does when the connection comes, goes and comes back. */
export interface ConnectionListener {
  /** The first connect: make the subscriptions registered before it. */
  connected?(nc: NatsConnection): void;
  /** Disconnected or closed: messages may be missed from now on. */
  lost?(): void;
  /** Reconnected: the client has sent its subscriptions again. */
  reconnected?(nc: NatsConnection): void;
}

/**
 * The one NATS connection of a JetStreamService: connects once (a failed attempt can be retried), follows its status,
 * tells the parts about it (ConnectionListener) and drains it on close.
 *
 * Invariants: `epoch` is bumped on every disconnect and close, so work begun before (a flush confirming a subscription)
 * cannot conclude after; after `close()` began, `ready()` rejects.
 */
export class NatsConnectionManager {
  private conn?: Connected;
  private connecting?: Promise<Connected>;
  private closing?: Promise<void>;
  private connectedNow = false;
  private epochNow = 0;
  private readonly listeners: ConnectionListener[] = [];
  private readonly reconnectListeners = new Set<() => void>();

  constructor(
    private readonly options: MessagingOptions,
    private readonly logger: Logger,
  ) {}

  /** Parts register before the first connect (the facade's constructor). */
  listen(listener: ConnectionListener): void {
    this.listeners.push(listener);
  }

  get epoch(): number {
    return this.epochNow;
  }

  /** The client has the server (not disconnected, not closed). */
  get connected(): boolean {
    return this.connectedNow;
  }

  /** The connection when made and not closing, without waiting (hot paths). */
  current(): Connected | undefined {
    return this.conn && !this.closing ? this.conn : undefined;
  }

  /** The open connection, if any (closing or not): for subscriptions registered after connect. */
  open(): NatsConnection | undefined {
    return this.conn && !this.conn.nc.isClosed() ? this.conn.nc : undefined;
  }

  /** The fast JetStream manager, if connected (metric scrapes never connect). */
  fastJsm(): JetStreamManager | undefined {
    return this.conn?.fastJsm;
  }

  ready(): Promise<Connected> {
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

  isConnected(): boolean {
    return !!this.conn && this.connectedNow && !this.conn.nc.isClosed();
  }

  onReconnect(listener: () => void): () => void {
    this.reconnectListeners.add(listener);
    return () => this.reconnectListeners.delete(listener);
  }

  /** Runs `beforeDrain` (stopping consumers), then drains the connection (closes it if the drain times out). */
  close(beforeDrain: () => Promise<void>): Promise<void> {
    this.closing ??= this.doClose(beforeDrain);
    return this.closing;
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
      this.connectedNow = true;
      void this.watchStatus(nc);
      void nc.closed().then((err) => {
        this.markLost();
        if (err) {
          this.logger.error(`NATS connection closed with an error: ${errorMessage(err)}`);
        }
      });
      for (const l of this.listeners) l.connected?.(nc);
      this.logger.log(`connected to NATS ${nc.getServer()} as ${this.options.connectionName}`);
      return conn;
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
  }

  private markLost(): void {
    this.connectedNow = false;
    this.epochNow++;
    for (const l of this.listeners) l.lost?.();
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      switch (s.type) {
        case Events.Disconnect:
          this.markLost();
          this.logger.warn(`disconnected from NATS ${String(s.data)}`);
          break;
        case Events.Reconnect:
          this.connectedNow = true;
          this.logger.log(`reconnected to NATS ${String(s.data)}`);
          // the client has sent its subscriptions again; live once the server has answered a flush after them
          for (const l of this.listeners) l.reconnected?.(nc);
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

  private async doClose(beforeDrain: () => Promise<void>): Promise<void> {
    await beforeDrain();
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
    this.markLost();
  }
}
