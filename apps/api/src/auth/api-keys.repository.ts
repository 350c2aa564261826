import { createHash, randomBytes } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { Scope } from './scope';

/**
 * SHA-256 of a key. Right for keys of 32 random bytes (every managed key, and env keys are required to be long): there
 * is no dictionary to guess from, so a slow password hash would only slow every request down.
 */
export const keyDigest = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** A new managed key: `ams_` + 32 random bytes, base64url (47 characters). */
export const newKey = (): string => `ams_${randomBytes(32).toString('base64url')}`;

/** How stale `last_used_at` may get: a key is written at most about once per this, not once per request. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyRow {
  id: string;
  name: string;
  scope: Scope;
  advertiser_ids: string[] | null;
  created_by: string;
  created_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const COLUMNS = `id::text, name, scope, advertiser_ids, created_by, created_at, last_used_at, revoked_at`;

/** The api_key table (writer: api). */
@Injectable()
export class ApiKeysRepository {
  private readonly logger = new Logger('auth');

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * The key with this digest, revoked or not: one primary-key-sized index read per request (key_digest is UNIQUE), so
   * a revoke is seen by every replica on its next request, with no cache to invalidate.
   */
  async byDigest(digest: Buffer): Promise<ApiKeyRow | undefined> {
    const rows = (await this.ds.query(`SELECT ${COLUMNS} FROM api_key WHERE key_digest = $1`, [digest])) as ApiKeyRow[];
    return rows[0];
  }

  /** Records a use when the stored one is older than LAST_USED_RESOLUTION_MS; never fails the request. */
  touch(row: ApiKeyRow, now = Date.now()): void {
    if (row.last_used_at && now - row.last_used_at.getTime() < LAST_USED_RESOLUTION_MS) return;
    this.ds
      .query(
        `UPDATE api_key SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2 * interval '1 millisecond')`,
        [row.id, LAST_USED_RESOLUTION_MS],
      )
      .catch((err: unknown) =>
        this.logger.warn(
          `could not record the use of api key ${row.id}: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
  }

  async create(k: {
    name: string;
    scope: Scope;
    advertiserIds: string[] | null;
    digest: Buffer;
    createdBy: string;
  }): Promise<ApiKeyRow> {
    const rows = (await this.ds.query(
      `INSERT INTO api_key (name, scope, advertiser_ids, key_digest, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [k.name, k.scope, k.advertiserIds, k.digest, k.createdBy],
    )) as ApiKeyRow[];
    return rows[0];
  }

  async list(f: { after?: string; limit: number }): Promise<ApiKeyRow[]> {
    return (await this.ds.query(
      `SELECT ${COLUMNS} FROM api_key ${f.after ? 'WHERE id > $2::bigint' : ''} ORDER BY api_key.id LIMIT $1`,
      f.after ? [f.limit, f.after] : [f.limit],
    )) as ApiKeyRow[];
  }

  /** Revokes a key; undefined when there is no such key. Revoking twice keeps the first time. */
  async revoke(id: string): Promise<ApiKeyRow | undefined> {
    const rows = (await this.ds.query(
      // through a CTE: TypeORM answers a bare UPDATE … RETURNING with [rows, count]
      `WITH u AS (UPDATE api_key SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING *) SELECT ${COLUMNS} FROM u`,
      [id],
    )) as ApiKeyRow[];
    return rows[0];
  }
}
