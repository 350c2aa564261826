import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** An API key managed through /v1/api-keys: only the SHA-256 digest of the key is kept. */
@Entity({ name: 'api_key' })
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('text') name!: string;
  @Column('text') scope!: 'read' | 'operator' | 'admin';
  /** null: every advertiser. */
  @Column('text', { name: 'advertiser_ids', array: true, nullable: true }) advertiserIds!: string[] | null;
  @Column('bytea', { name: 'key_digest', unique: true }) keyDigest!: Buffer;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  /** Updated at most about once a minute per key. */
  @Column('timestamptz', { name: 'last_used_at', nullable: true }) lastUsedAt!: Date | null;
  @Column('timestamptz', { name: 'revoked_at', nullable: true }) revokedAt!: Date | null;
}

/** One admin change: written as `started` before it runs, then `ok`/`failed` with the HTTP status. */
@Entity({ name: 'audit_log' })
export class AuditLogEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('timestamptz') at!: Date;
  /** The key's id (`key:<row id>` or `env:<short digest>`), never the key. */
  @Column('text') actor!: string;
  @Column('text') action!: string;
  @Column('text', { nullable: true }) target!: string | null;
  @Column('jsonb') summary!: Record<string, unknown>;
  @Column('text', { name: 'correlation_id', nullable: true }) correlationId!: string | null;
  @Column('text') outcome!: 'started' | 'ok' | 'failed';
  @Column('integer', { nullable: true }) status!: number | null;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
}

/** One reprocess of a replay-log window (writer: processor); at most one is running at a time. */
@Entity({ name: 'reprocess_run' })
export class ReprocessRunEntity {
  @PrimaryGeneratedColumn('increment', { type: 'bigint' }) id!: string;
  @Column('timestamptz', { name: 'window_from' }) windowFrom!: Date;
  @Column('timestamptz', { name: 'window_to' }) windowTo!: Date;
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('text', { nullable: true }) outcome!: string | null;
  @Column('bigint', { nullable: true }) messages!: string | null;
  @Column('text', { nullable: true }) detail!: string | null;
}
