import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface AuditRow {
  id: string;
  at: Date;
  actor: string;
  action: string;
  target: string | null;
  summary: Record<string, unknown>;
  correlation_id: string | null;
  outcome: 'started' | 'ok' | 'failed';
  status: number | null;
  finished_at: Date | null;
}

/** The audit_log table (writer: api). */
@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Writes the `started` row of a change; its id is what `finish` completes. */
  async start(e: {
    actor: string;
    action: string;
    target: string | null;
    summary: unknown;
    correlationId: string | null;
  }): Promise<string> {
    const rows = (await this.ds.query(
      `INSERT INTO audit_log (actor, action, target, summary, correlation_id, outcome) VALUES ($1, $2, $3, $4, $5, 'started') RETURNING id::text`,
      [e.actor, e.action, e.target, JSON.stringify(e.summary ?? null), e.correlationId],
    )) as Array<{ id: string }>;
    return rows[0].id;
  }

  async finish(id: string, outcome: 'ok' | 'failed', status: number): Promise<void> {
    await this.ds.query(`UPDATE audit_log SET outcome = $2, status = $3, finished_at = now() WHERE id = $1`, [
      id,
      outcome,
      status,
    ]);
  }

  async list(f: { since?: string; action?: string; before?: string; limit: number }): Promise<AuditRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.since) where.push(`at >= ${p(f.since)}::timestamptz`);
    if (f.action) where.push(`action = ${p(f.action)}`);
    if (f.before) where.push(`id < ${p(f.before)}::bigint`);
    return (await this.ds.query(
      `SELECT id::text, at, actor, action, target, summary, correlation_id, outcome, status, finished_at
         FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY audit_log.id DESC LIMIT ${p(f.limit)}`,
      params,
    )) as AuditRow[];
  }
}
