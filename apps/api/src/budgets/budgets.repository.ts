import { Injectable } from '@nestjs/common';
import { entityLatestLookupSql } from '@ams/db';
import { ReadDb } from '../replica/read-db.service';

export interface BudgetRow {
  advertiser_id: string;
  marketplace_id: string;
  budget_scope_type: string;
  budget_scope_id: string;
  name: string | null;
  ad_product: string;
  budget: string;
  usage_percentage: string;
  usage_updated_at: Date;
}

/**
 * Reads budget_usage_latest (writer: processor) in key order, with a campaign's name as `entity_latest` shows it (the
 * newer of the AMS record and the Ads API sync; primary-key lookups, see entityLatestLookupSql).
 */
@Injectable()
export class BudgetsRepository {
  constructor(private readonly read: ReadDb) {}

  /** Up to `limit` scopes after the keyset `after` (advertiser, marketplace, scope type, scope id). */
  async latest(f: { advertiserIds?: string[]; after?: string[]; limit: number }): Promise<BudgetRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.advertiserIds) where.push(`b.advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.after) {
      const [a, m, t, i] = f.after;
      where.push(
        `(b.advertiser_id, b.marketplace_id, b.budget_scope_type, b.budget_scope_id) > (${p(a)}, ${p(m)}, ${p(t)}, ${p(i)})`,
      );
    }
    return (await this.read.query(
      `SELECT b.advertiser_id, b.marketplace_id, b.budget_scope_type, b.budget_scope_id, e.name, b.ad_product,
              b.budget::text, b.usage_percentage::text, b.usage_updated_at
         FROM budget_usage_latest b
         LEFT JOIN LATERAL (${entityLatestLookupSql('b.advertiser_id', `'campaign'`, 'b.budget_scope_id')}) e
                ON b.budget_scope_type = 'CAMPAIGN'
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY 1, 2, 3, 4 LIMIT ${p(f.limit)}`,
      params,
    )) as BudgetRow[];
  }
}
