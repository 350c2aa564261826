import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface QuarantineRow {
  id: string;
  source: string;
  code: string;
  reason: string;
  dataset_id: string | null;
  raw_body: string;
  raw_body_bytes: number;
  sqs_message_id: string | null;
  received_at: Date;
  status: string;
  replayed_at: Date | null;
  replay_outcome: string | null;
}

export interface QuarantineFilter {
  dataset?: string;
  /** ISO-8601 instant */
  since?: string;
  status?: 'open' | 'replayed';
  /** ids below this one (newest first) */
  beforeId?: string;
  limit: number;
}

/** Reads quarantine (writer: processor), newest first; lists carry `previewChars + 1` characters of the body. */
@Injectable()
export class QuarantineRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async list(f: QuarantineFilter, previewChars: number): Promise<QuarantineRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.dataset) where.push(`dataset_id = ${p(f.dataset)}`);
    if (f.since) where.push(`received_at >= ${p(f.since)}::timestamptz`);
    if (f.status) where.push(`status = ${p(f.status)}`);
    if (f.beforeId) where.push(`id < ${p(f.beforeId)}::bigint`);
    return (await this.ds.query(
      `SELECT id::text, source, code, reason, dataset_id, left(raw_body, ${previewChars + 1}) AS raw_body,
              octet_length(raw_body) AS raw_body_bytes, sqs_message_id,
              received_at, status, replayed_at, replay_outcome
         FROM quarantine ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY quarantine.id DESC LIMIT ${p(f.limit)}`,
      params,
    )) as QuarantineRow[];
  }

  /** One item with its whole body. */
  async one(id: string): Promise<QuarantineRow | undefined> {
    const [row] = (await this.ds.query(
      `SELECT id::text, source, code, reason, dataset_id, raw_body, octet_length(raw_body) AS raw_body_bytes, sqs_message_id,
              received_at, status, replayed_at, replay_outcome
         FROM quarantine WHERE id = $1`,
      [id],
    )) as QuarantineRow[];
    return row;
  }
}
