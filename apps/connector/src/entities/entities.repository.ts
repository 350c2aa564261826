import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EntityRow } from './entity-row.logic';

const COLUMNS = 20;

/**
 * `ads_entity` (writer: connector): one set-based upsert per page, inside the caller's transaction (one per profile).
 * A row is replaced only by one observed at the same time or later, so an older listing never overwrites a newer one.
 */
@Injectable()
export class EntitiesRepository {
  async writePage(em: EntityManager, rows: readonly EntityRow[]): Promise<number> {
    if (!rows.length) return 0;
    // one row per key (an upsert may touch a row only once per statement): the last one listed wins
    const unique = [
      ...new Map(rows.map((r) => [`${r.advertiserId}\u0000${r.entityType}\u0000${r.entityId}`, r])).values(),
    ];
    const cols: unknown[][] = Array.from({ length: COLUMNS }, () => []);
    for (const r of unique)
      [
        r.advertiserId,
        r.entityType,
        r.entityId,
        r.profileId,
        r.marketplaceId,
        r.adProduct,
        r.targetKind,
        r.campaignId,
        r.adGroupId,
        r.portfolioId,
        r.name,
        r.state,
        r.budgetAmount,
        r.budgetType,
        r.budgetCurrency,
        r.bid,
        r.matchType,
        r.amazonUpdatedAt,
        r.observedAt,
        JSON.stringify(r.raw),
      ].forEach((v, i) => cols[i].push(v));
    await em.query(
      `INSERT INTO ads_entity (advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, target_kind,
                               campaign_id, ad_group_id, portfolio_id, name, state, budget_amount, budget_type,
                               budget_currency, bid, match_type, amazon_updated_at, observed_at, raw)
       SELECT advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, target_kind, campaign_id,
              ad_group_id, portfolio_id, name, state, budget_amount, budget_type, budget_currency, bid, match_type,
              amazon_updated_at, observed_at, raw::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[], $12::text[], $13::numeric[], $14::text[], $15::text[],
                   $16::numeric[], $17::text[], $18::timestamptz[], $19::timestamptz[], $20::text[])
         AS t(advertiser_id, entity_type, entity_id, profile_id, marketplace_id, ad_product, target_kind, campaign_id,
              ad_group_id, portfolio_id, name, state, budget_amount, budget_type, budget_currency, bid, match_type,
              amazon_updated_at, observed_at, raw)
       ORDER BY 1, 2, 3
       ON CONFLICT (advertiser_id, entity_type, entity_id) DO UPDATE SET profile_id = EXCLUDED.profile_id,
         marketplace_id = EXCLUDED.marketplace_id, ad_product = EXCLUDED.ad_product,
         target_kind = EXCLUDED.target_kind, campaign_id = EXCLUDED.campaign_id, ad_group_id = EXCLUDED.ad_group_id,
         portfolio_id = EXCLUDED.portfolio_id, name = EXCLUDED.name, state = EXCLUDED.state,
         budget_amount = EXCLUDED.budget_amount, budget_type = EXCLUDED.budget_type,
         budget_currency = EXCLUDED.budget_currency, bid = EXCLUDED.bid, match_type = EXCLUDED.match_type,
         amazon_updated_at = EXCLUDED.amazon_updated_at, observed_at = EXCLUDED.observed_at, raw = EXCLUDED.raw
       WHERE ads_entity.observed_at <= EXCLUDED.observed_at`,
      cols,
    );
    return unique.length;
  }
}
