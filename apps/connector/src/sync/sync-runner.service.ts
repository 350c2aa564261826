import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CommandError } from '@ams/contracts';
import { ConnectorEnv } from '../config/connector.env';
import { connectorMetrics } from '../connector.metrics';
import type { SyncKind } from './sync-state.repository';

/** First half of the connector's session advisory locks: `pg_try_advisory_lock(SYNC_LOCK_NAMESPACE, kind)`. */
export const SYNC_LOCK_NAMESPACE = 0x41445343; // 'ADSC'
export const SYNC_LOCK_KEYS: Record<SyncKind, number> = { profiles: 1, subscriptions: 2, entities: 3 };

const LOCK_POLL_MS = 100;

/**
 * Runs a sync while holding its kind's PostgreSQL session advisory lock on a dedicated connection, so one replica
 * at a time runs a kind of sync. A scheduled run that finds the lock taken is skipped (null); a command waits up to
 * ADS_COMMAND_LOCK_WAIT_MS, then answers CONFLICT. Runs are tracked: on SIGTERM no new run starts and the
 * shutdown waits for the running ones (each writes its data in its own transactions, so a drained run is complete).
 */
@Injectable()
export class SyncRunner implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SyncRunner.name);
  private readonly running = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly env: ConnectorEnv,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  get isStopping(): boolean {
    return this.stopping;
  }

  /** A scheduled run: null when another replica or run holds the lock, or the app is stopping. */
  scheduled<T>(kind: SyncKind, work: () => Promise<T>): Promise<T | null> {
    if (this.stopping) return Promise.resolve(null);
    return this.track(this.exclusive(kind, 0, work).then((out) => (out === null ? null : out.value)));
  }

  /** A command's run: waits for the lock (bounded), then CONFLICT. */
  async command<T>(kind: SyncKind, work: () => Promise<T>): Promise<T> {
    if (this.stopping) throw new CommandError('UNAVAILABLE', 'the connector is shutting down');
    const out = await this.track(this.exclusive(kind, this.env.ADS_COMMAND_LOCK_WAIT_MS, work));
    if (out === null)
      throw new CommandError(
        'CONFLICT',
        `a ${kind} sync is running (in this or another replica) and did not end within ` +
          `${this.env.ADS_COMMAND_LOCK_WAIT_MS} ms: try again when it has finished`,
      );
    return out.value;
  }

  /** Work that is not a sync (subscription create/archive) but must also be drained on shutdown. */
  tracked<T>(work: () => Promise<T>): Promise<T> {
    if (this.stopping) return Promise.reject(new CommandError('UNAVAILABLE', 'the connector is shutting down'));
    return this.track(work());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.running.size) this.logger.log({ running: this.running.size }, 'waiting for running syncs to finish');
    await Promise.allSettled([...this.running]);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    void p.then(
      () => this.running.delete(p),
      () => this.running.delete(p),
    );
    return p;
  }

  private async exclusive<T>(kind: SyncKind, waitMs: number, work: () => Promise<T>): Promise<{ value: T } | null> {
    const runner = this.ds.createQueryRunner();
    try {
      await runner.connect();
      const deadline = Date.now() + waitMs;
      for (;;) {
        const [{ locked }] = (await runner.query('SELECT pg_try_advisory_lock($1::int, $2::int) AS locked', [
          SYNC_LOCK_NAMESPACE,
          SYNC_LOCK_KEYS[kind],
        ])) as Array<{ locked: boolean }>;
        if (locked) break;
        if (Date.now() + LOCK_POLL_MS > deadline || this.stopping) {
          connectorMetrics.syncSkipped.inc({ kind, reason: 'locked' });
          return null;
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
      }
      try {
        return { value: await work() };
      } finally {
        await runner
          .query('SELECT pg_advisory_unlock($1::int, $2::int)', [SYNC_LOCK_NAMESPACE, SYNC_LOCK_KEYS[kind]])
          .catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }
}
