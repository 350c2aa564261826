import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';

/** pg_advisory_lock key of "a reprocess is running" (any constant of our own; 'AMSR' in ASCII). */
export const REPROCESS_LOCK_KEY = 0x414d5352;

export interface RunningReprocess {
  id: string;
  from: Date;
  to: Date;
  startedAt: Date;
}

/** A run in progress: holds the advisory lock on its own connection until `finish`. */
export interface ReprocessRun {
  id: string;
  finish(outcome: 'ok' | 'failed', messages: number, detail?: string): Promise<void>;
}

/**
 * One reprocess at a time across every processor replica: a run holds a session-level PostgreSQL advisory lock on a
 * connection of its own for as long as it runs (a crashed processor's lock goes with its connection, so nothing stays
 * stuck) and is described by a reprocess_run row, which is how a refused caller learns which run is in the way.
 */
@Injectable()
export class ReprocessRunRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Starts a run, or returns the one running (undefined id only if it finished in between). */
  async start(from: Date, to: Date): Promise<{ run: ReprocessRun } | { running: RunningReprocess | undefined }> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    try {
      const [{ locked }] = (await qr.query(`SELECT pg_try_advisory_lock($1) AS locked`, [
        REPROCESS_LOCK_KEY,
      ])) as Array<{ locked: boolean }>;
      if (!locked) {
        await qr.release();
        return { running: await this.runningSoon() };
      }
      // the lock is ours: any run still open was left by a processor that died
      await qr.query(`UPDATE reprocess_run SET finished_at = now(), outcome = 'abandoned' WHERE finished_at IS NULL`);
      const [{ id }] = (await qr.query(
        `INSERT INTO reprocess_run (window_from, window_to) VALUES ($1, $2) RETURNING id::text`,
        [from, to],
      )) as Array<{
        id: string;
      }>;
      return { run: { id, finish: (outcome, messages, detail) => this.finish(qr, id, outcome, messages, detail) } };
    } catch (err) {
      await releaseLocked(qr);
      throw err;
    }
  }

  async running(): Promise<RunningReprocess | undefined> {
    const rows = (await this.ds.query(
      `SELECT id::text, window_from, window_to, started_at FROM reprocess_run WHERE finished_at IS NULL ORDER BY reprocess_run.id DESC LIMIT 1`,
    )) as Array<{ id: string; window_from: Date; window_to: Date; started_at: Date }>;
    const r = rows[0];
    return r && { id: r.id, from: r.window_from, to: r.window_to, startedAt: r.started_at };
  }

  /**
   * The running run, waiting a little for its row: the lock is taken a moment before the row is written, so a caller
   * refused in between would otherwise not learn the id.
   */
  private async runningSoon(): Promise<RunningReprocess | undefined> {
    for (let i = 0; ; i++) {
      const r = await this.running();
      if (r || i >= 50) return r;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private async finish(
    qr: QueryRunner,
    id: string,
    outcome: 'ok' | 'failed',
    messages: number,
    detail?: string,
  ): Promise<void> {
    try {
      await qr.query(
        `UPDATE reprocess_run SET finished_at = now(), outcome = $2, messages = $3, detail = $4 WHERE id = $1`,
        [id, outcome, messages, detail ?? null],
      );
    } finally {
      await releaseLocked(qr);
    }
  }
}

async function releaseLocked(qr: QueryRunner): Promise<void> {
  await qr.query(`SELECT pg_advisory_unlock($1)`, [REPROCESS_LOCK_KEY]).catch(() => undefined);
  await qr.release();
}
