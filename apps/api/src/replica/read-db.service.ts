import { AsyncLocalStorage } from 'node:async_hooks';
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { counter, gauge } from '@ams/platform';
import { ApiEnv } from '../config/api.env';

/** The replica's DataSource (null without DATABASE_READ_URL). */
export const READ_REPLICA = Symbol('READ_REPLICA');

/** Where a read went, and what it is known to include (see {@link ReadDb.target}). */
export interface ReadTarget {
  ds: DataSource;
  replica: boolean;
  /**
   * A lower bound of the WAL position the read's snapshot includes (replica), or null: the primary, which has
   * everything committed before the read began.
   */
  lsn: bigint | null;
  /** The newest time at which the primary's WAL position was sampled and found replayed (replica), or null: primary. */
  caughtUpAt: number | null;
}

/** What a cached answer must include: the WAL position of the updates it must reflect, and updates heard at `at`. */
export interface Freshness {
  lsn: bigint;
  at: number;
}

const SAMPLES = 4096;

/**
 * The api's reads: on the replica (DATABASE_READ_URL) while it is close enough to the primary, else on the primary.
 *
 * Lag. Every DATABASE_READ_LAG_CHECK_MS the primary's WAL position (`pg_current_wal_lsn()`) and the replica's replay
 * position (`pg_last_wal_replay_lsn()`) are read; the replica's lag is the age of the newest primary sample it has
 * replayed. Beyond DATABASE_READ_MAX_LAG_MS, or when a check fails, every read goes to the primary until a check finds
 * the replica within the bound again.
 *
 * Snapshots. A response built from more than one statement runs them in `snapshot()`: one REPEATABLE READ READ ONLY
 * transaction on one server, so it never mixes two states of the database (a replica replays between two statements).
 * Repositories call `query()`; inside a snapshot it runs in the snapshot's transaction.
 */
@Injectable()
export class ReadDb implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReadDb.name);
  private readonly snapshots = new AsyncLocalStorage<QueryRunner>();
  private readonly lagGauge = gauge(
    'ams_api_read_replica_lag_seconds',
    'Age of the newest primary WAL position the read replica has replayed (-1: no replica or no answer).',
  );
  private readonly reads = counter('ams_api_reads_total', 'Read statements and snapshots by server.', ['server']);
  /** primary WAL positions sampled, oldest first */
  private samples: Array<{ at: number; lsn: bigint }> = [];
  private replayed: { lsn: bigint; caughtUpAt: number } | null = null;
  private healthy = false;
  private timer?: NodeJS.Timeout;
  private checking?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly primary: DataSource,
    @Inject(READ_REPLICA) private readonly replica: DataSource | null,
    private readonly env: ApiEnv,
  ) {}

  /** A replica is configured (it may still be skipped while it lags). */
  get configured(): boolean {
    return this.replica !== null;
  }

  /** The replica is configured and within DATABASE_READ_MAX_LAG_MS at the last check. */
  get replicaUsable(): boolean {
    return this.replica !== null && this.healthy;
  }

  onApplicationBootstrap(): void {
    if (!this.replica) {
      this.lagGauge.set(-1);
      return;
    }
    this.timer = setInterval(() => void this.check(), this.env.DATABASE_READ_LAG_CHECK_MS);
    this.timer.unref();
    void this.check();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.checking;
    if (this.replica?.isInitialized) await this.replica.destroy();
  }

  /** Runs the lag check now (tests; the timer runs it every DATABASE_READ_LAG_CHECK_MS). */
  check(): Promise<void> {
    this.checking ??= this.doCheck().finally(() => (this.checking = undefined));
    return this.checking;
  }

  /**
   * Where a read that must reflect `need` goes: the replica when it is usable and has replayed `need` (checked against
   * the last lag check, then, if that is not enough, against a fresh replay position), else the primary.
   */
  async target(need?: Freshness): Promise<ReadTarget> {
    const primary = this.primaryTarget();
    if (!this.replica || !this.healthy || !this.replayed) return primary;
    const caughtUpAt = this.replayed.caughtUpAt;
    let lsn = this.replayed.lsn;
    if (need && caughtUpAt < need.at) return primary;
    if (need && lsn < need.lsn) {
      lsn = await this.replayPosition().catch(() => -1n);
      if (lsn < need.lsn) return primary;
    }
    return { ds: this.replica, replica: true, lsn, caughtUpAt };
  }

  /** The primary, always (reads that judge what the api itself wrote: cache hits' settings). */
  primaryTarget(): ReadTarget {
    return { ds: this.primary, replica: false, lsn: null, caughtUpAt: null };
  }

  /** One statement on the current snapshot's server, else on the replica when usable, else on the primary. */
  async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const runner = this.snapshots.getStore();
    if (runner) return (await runner.query(sql, params)) as T[];
    const t = await this.target();
    this.reads.inc({ server: t.replica ? 'replica' : 'primary' });
    return (await t.ds.query(sql, params)) as T[];
  }

  /**
   * Runs `fn` with every `query()` in one REPEATABLE READ READ ONLY transaction on one server (the replica when usable,
   * else the primary), so a response built from several statements sees one state of the database. Nested calls join
   * the outer snapshot.
   */
  async snapshot<T>(fn: () => Promise<T>, on?: ReadTarget): Promise<T> {
    if (this.snapshots.getStore()) return fn();
    const t = on ?? (await this.target());
    this.reads.inc({ server: t.replica ? 'replica' : 'primary' });
    const runner = t.ds.createQueryRunner();
    try {
      await runner.query('START TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const result = await this.snapshots.run(runner, fn);
      await runner.query('COMMIT');
      return result;
    } catch (err) {
      await runner.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      await runner.release();
    }
  }

  /** The node-postgres pool of a target (named prepared statements: performance). */
  pool(t: ReadTarget): Pool {
    this.reads.inc({ server: t.replica ? 'replica' : 'primary' });
    // TypeORM's PostgreSQL driver keeps its node-postgres pool in `master`
    return (t.ds.driver as unknown as { master: Pool }).master;
  }

  /** The primary's WAL position now. */
  async primaryPosition(): Promise<bigint> {
    const rows = (await this.primary.query('SELECT pg_current_wal_lsn()::text AS lsn')) as Array<{ lsn: string }>;
    return parseLsn(rows[0].lsn);
  }

  private async replayPosition(): Promise<bigint> {
    if (!this.replica) throw new Error('no replica');
    const rows = (await this.replica.query('SELECT pg_last_wal_replay_lsn()::text AS lsn')) as Array<{
      lsn: string | null;
    }>;
    if (rows[0].lsn === null) throw new Error('DATABASE_READ_URL is not a streaming replica (no replay position)');
    return parseLsn(rows[0].lsn);
  }

  private async doCheck(): Promise<void> {
    try {
      const at = Date.now();
      const primaryLsn = await this.primaryPosition();
      this.samples.push({ at, lsn: primaryLsn });
      if (this.samples.length > SAMPLES) this.samples.splice(0, this.samples.length - SAMPLES);
      const replay = await this.replayPosition();
      // the newest primary sample the replica has replayed: everything committed before it was taken is on the replica
      let caughtUpAt = this.replayed?.caughtUpAt ?? -1;
      for (let i = this.samples.length - 1; i >= 0; i--) {
        if (this.samples[i].lsn <= replay) {
          caughtUpAt = Math.max(caughtUpAt, this.samples[i].at);
          this.samples.splice(0, i); // older samples can no longer be the newest replayed one
          break;
        }
      }
      this.replayed = { lsn: replay, caughtUpAt };
      const lagMs = caughtUpAt < 0 ? Infinity : Date.now() - caughtUpAt;
      const healthy = lagMs <= this.env.DATABASE_READ_MAX_LAG_MS;
      if (healthy !== this.healthy) {
        if (healthy) this.logger.log(`reading the replica (lag ${lagMs} ms)`);
        else this.logger.warn(`the replica lags ${lagMs} ms (> DATABASE_READ_MAX_LAG_MS): reading the primary`);
      }
      this.healthy = healthy;
      this.lagGauge.set(Number.isFinite(lagMs) ? lagMs / 1000 : -1);
    } catch (err) {
      if (this.healthy) this.logger.warn(`replica check failed, reading the primary: ${(err as Error).message}`);
      this.healthy = false;
      this.lagGauge.set(-1);
    }
  }
}

/** `pg_lsn` text (`16/B374D848`) as a number. */
export function parseLsn(text: string): bigint {
  const m = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/.exec(text);
  if (!m) throw new Error(`not a WAL position: ${text}`);
  return (BigInt(`0x${m[1]}`) << 32n) | BigInt(`0x${m[2]}`);
}
