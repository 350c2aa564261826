import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Managed API keys, the audit log of admin changes (writer of both: api), and the reprocess runs (writer: processor).
 *
 * api_key stores the SHA-256 digest of the key, never the key: keys are 32 random bytes, so a fast hash is as good as
 * a slow one (there is nothing to brute-force) and keeps the per-request lookup cheap.
 * reprocess_run: at most one row without `finished_at` is live, guarded by a PostgreSQL advisory lock its processor
 * holds for the whole run (a crashed run's row is closed by the next run that takes the lock).
 */
export class ApiKeysAudit1764393000000 implements MigrationInterface {
  name = 'ApiKeysAudit1764393000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_key (
        id bigserial PRIMARY KEY,
        name text NOT NULL,
        scope text NOT NULL CHECK (scope IN ('read', 'operator', 'admin')),
        advertiser_ids text[],
        key_digest bytea NOT NULL UNIQUE,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        target text,
        summary jsonb NOT NULL DEFAULT '{}',
        correlation_id text,
        outcome text NOT NULL CHECK (outcome IN ('started', 'ok', 'failed')),
        status integer,
        finished_at timestamptz
      )`);
    await q.query(`CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_action_at_idx ON audit_log (action, at DESC, id DESC)`);
    await q.query(`
      CREATE TABLE reprocess_run (
        id bigserial PRIMARY KEY,
        window_from timestamptz NOT NULL,
        window_to timestamptz NOT NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz,
        outcome text,
        messages bigint,
        detail text
      )`);
    await q.query(`CREATE INDEX reprocess_run_open_idx ON reprocess_run (id) WHERE finished_at IS NULL`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS reprocess_run`);
    await q.query(`DROP TABLE IF EXISTS audit_log`);
    await q.query(`DROP TABLE IF EXISTS api_key`);
  }
}
