import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export type SyncKind = 'profiles' | 'entities' | 'subscriptions';

/**
 * `ads_sync_state`: the last run of each sync unit (profiles per region, entities or subscriptions per profile).
 * Written outside the unit's own transaction, so a failed unit's row says `failed` with the reason while its data
 * is rolled back. `last_success_at` survives failures.
 */
@Injectable()
export class SyncStateRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async started(kind: SyncKind, scope: string, at: Date): Promise<void> {
    await this.ds.query(
      `INSERT INTO ads_sync_state (kind, scope, status, started_at, finished_at, error, counts)
       VALUES ($1, $2, 'running', $3, NULL, NULL, '{}'::jsonb)
       ON CONFLICT (kind, scope) DO UPDATE
         SET status = 'running', started_at = EXCLUDED.started_at, finished_at = NULL`,
      [kind, scope, at],
    );
  }

  async succeeded(kind: SyncKind, scope: string, counts: Record<string, number>): Promise<void> {
    await this.ds.query(
      `UPDATE ads_sync_state SET status = 'ok', finished_at = now(), last_success_at = now(), error = NULL,
              counts = $3::jsonb
       WHERE kind = $1 AND scope = $2`,
      [kind, scope, JSON.stringify(counts)],
    );
  }

  async failed(kind: SyncKind, scope: string, error: string, counts: Record<string, number> = {}): Promise<void> {
    await this.ds.query(
      `UPDATE ads_sync_state SET status = 'failed', finished_at = now(), error = $3, counts = $4::jsonb
       WHERE kind = $1 AND scope = $2`,
      [kind, scope, error, JSON.stringify(counts)],
    );
  }
}
