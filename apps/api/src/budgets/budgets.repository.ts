import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

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

/** Reads budget_usage_latest (writer: processor) with the campaign's name from ams_entity, in key order. */
@Injectable()
export class BudgetsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

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
    return (await this.ds.query(
      `SELECT b.advertiser_id, b.marketplace_id, b.budget_scope_type, b.budget_scope_id, e.name, b.ad_product,
              b.budget::text, b.usage_percentage::text, b.usage_updated_at
         FROM budget_usage_latest b
         LEFT JOIN ams_entity e ON e.advertiser_id = b.advertiser_id AND e.entity_type = 'campaign'
                               AND b.budget_scope_type = 'CAMPAIGN' AND e.entity_id = b.budget_scope_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY 1, 2, 3, 4 LIMIT ${p(f.limit)}`,
      params,
    )) as BudgetRow[];
  }
}
