import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

export interface ConfirmationRow {
  id: string;
  topic_arn: string;
  dataset_id: string | null;
  realm: string | null;
  region: string | null;
  account_id: string | null;
  outcome: string;
  detail: string | null;
  subscription_arn: string | null;
  attempted_at: Date;
}

/** Reads subscription_confirmation (writer: ingestor), newest first. */
@Injectable()
export class SubscriptionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Up to `limit` confirmations with ids below `beforeId` (all when absent). */
  async list(f: { beforeId?: string; limit: number }): Promise<ConfirmationRow[]> {
    const params: unknown[] = [];
    let where = '';
    if (f.beforeId) {
      params.push(f.beforeId);
      where = `WHERE id < $1::bigint`;
    }
    params.push(f.limit);
    return (await this.ds.query(
      `SELECT id::text, topic_arn, dataset_id, realm, region, account_id, outcome, detail, subscription_arn, attempted_at
         FROM subscription_confirmation ${where} ORDER BY subscription_confirmation.id DESC LIMIT $${params.length}`,
      params,
    )) as ConfirmationRow[];
  }
}
