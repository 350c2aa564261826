import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { BudgetRecommendationRecord, BudgetUsageRecord, EntityRecord, PerformanceRecord } from '@ams/ams';
import { METRIC_COLUMNS, MONEY_COLUMNS } from '@ams/db';
import { addFreshness, entityChangedAt, type FreshnessRow, mergeFreshness } from './freshness';
import { pgArrayLiteral } from './pg-array';

export interface QuarantineRow {
  key: string;
  source: 'ingestor' | 'processor';
  code: string;
  reason: string;
  datasetId: string | null;
  rawBody: string;
  sqsMessageId: string | null;
  receivedAt: string;
}

export interface BatchInput {
  performance: PerformanceRecord[];
  budgets: BudgetUsageRecord[];
  entities: EntityRecord[];
  /** Amazon's sp-budget-recommendations (absent: none) */
  recommendations?: BudgetRecommendationRecord[];
  quarantine: QuarantineRow[];
  /**
   * `dataset_freshness` rows of the batch's records (one or more per advertiser and dataset; the writer merges them).
   * Absent: derived from the records, received now (quarantine replay, benches).
   */
  freshness?: FreshnessRow[];
}

export interface BatchOutcome {
  performanceInserted: number;
  budgetsInserted: number;
  entitiesUpdated: number;
  recommendationsInserted: number;
  quarantined: number;
}

const KEY_COLUMNS = [
  'advertiser_id',
  'marketplace_id',
  'campaign_id',
  'ad_group_id',
  'ad_id',
  'keyword_id',
  'placement',
  'hour_start',
];
const METRIC_TYPES = METRIC_COLUMNS.map((c) => (MONEY_COLUMNS.has(c) ? 'numeric' : 'bigint'));

/**
 * Writes one batch in one transaction, set-based: every distinct delta is inserted once
 * (ON CONFLICT DO NOTHING on its idempotency key) and only the rows actually inserted are added to
 * the hourly facts, in key order so concurrent writers never deadlock. Replays change nothing.
 */
@Injectable()
export class BatchWriterRepository {
  private readonly performanceSql = buildPerformanceSql();
  private readonly rebuildSql = buildRebuildSql();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Writes the batch in its own transaction, or in the caller's when `em` is given. */
  async write(input: BatchInput, em?: EntityManager): Promise<BatchOutcome> {
    const run = async (m: EntityManager): Promise<BatchOutcome> => {
      const outcome: BatchOutcome = {
        performanceInserted: await this.writePerformance(m, input.performance),
        budgetsInserted: await this.writeBudgets(m, input.budgets),
        entitiesUpdated: await this.writeEntities(m, input.entities),
        recommendationsInserted: await this.writeRecommendations(m, input.recommendations ?? []),
        quarantined: await this.writeQuarantine(m, input.quarantine),
      };
      // last: its row lock (shared by every batch of the same advertiser and dataset) is held only until the commit
      await this.writeFreshness(m, input);
      return outcome;
    };
    return em ? run(em) : this.ds.transaction(run);
  }

  /**
   * The primary's WAL position now (`pg_current_wal_lsn()`): read after a commit, a replica that replayed up to it has
   * that commit (the update events carry it, so an api reading a replica knows when the replica has their changes).
   */
  async walPosition(): Promise<string> {
    const rows = (await this.ds.query('SELECT pg_current_wal_lsn()::text AS lsn')) as Array<{ lsn: string }>;
    return rows[0].lsn;
  }

  /**
   * Rebuilds the hourly facts of the given (advertiser, campaign, hour) keys from the stored deltas
   * (hourly_fact = SUM of distinct deltas, by definition). Used after a replay, when facts and
   * deltas may have drifted apart (a partial restore). Takes a SHARE ROW EXCLUSIVE lock on
   * hourly_fact for the transaction, so no batch writes facts while they are recomputed.
   */
  async rebuildFacts(keys: Array<{ advertiserId: string; campaignId: string; hourStart: string }>): Promise<number> {
    if (!keys.length) return 0;
    const cols = [keys.map((k) => k.advertiserId), keys.map((k) => k.campaignId), keys.map((k) => k.hourStart)];
    return this.ds.transaction(async (em) => {
      await em.query('LOCK TABLE hourly_fact IN SHARE ROW EXCLUSIVE MODE');
      await em.query(
        `DELETE FROM hourly_fact f USING unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(advertiser_id, campaign_id, hour_start)
          WHERE f.advertiser_id = k.advertiser_id AND f.campaign_id = k.campaign_id AND f.hour_start = k.hour_start`,
        cols,
      );
      const rows = (await em.query(this.rebuildSql, cols)) as unknown[];
      return rows.length;
    });
  }

  private async writePerformance(em: EntityManager, records: PerformanceRecord[]): Promise<number> {
    if (!records.length) return 0;
    const cols: Array<Array<string | number | null>> = Array.from({ length: 15 + METRIC_COLUMNS.length + 1 }, () => []);
    for (const r of records) {
      let c = 0;
      cols[c++].push(r.advertiserId);
      cols[c++].push(r.idempotencyId);
      cols[c++].push(r.datasetId);
      cols[c++].push(r.adProduct);
      cols[c++].push(r.marketplaceId);
      cols[c++].push(r.currency);
      cols[c++].push(r.campaignId);
      cols[c++].push(r.adGroupId);
      cols[c++].push(r.adId);
      cols[c++].push(r.keywordId);
      cols[c++].push(r.placement);
      cols[c++].push(r.keywordText);
      cols[c++].push(r.matchType);
      cols[c++].push(r.hourStartUtc);
      cols[c++].push(r.utcOffsetMinutes);
      for (const m of METRIC_COLUMNS) cols[c++].push(r.metrics[m]);
      cols[c].push(JSON.stringify(r.extra));
    }
    // array literals built here: node-postgres' own array serialisation cost more than the rest of the batch
    const [row] = (await em.query(this.performanceSql, cols.map(pgArrayLiteral))) as Array<{ inserted: string }>;
    return Number(row.inserted);
  }

  private async writeBudgets(em: EntityManager, records: BudgetUsageRecord[]): Promise<number> {
    if (!records.length) return 0;
    const cols: unknown[][] = Array.from({ length: 9 }, () => []);
    for (const r of records) {
      [
        r.advertiserId,
        r.marketplaceId,
        r.budgetScopeType,
        r.budgetScopeId,
        r.usageUpdatedAt,
        r.adProduct,
        r.budget,
        r.usagePercentage,
        JSON.stringify(r.extra),
      ].forEach((v, i) => cols[i].push(v));
    }
    const [row] = (await em.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::text[],
                              $7::numeric[], $8::numeric[], $9::text[])
           AS t(advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at, ad_product,
                budget, usage_percentage, extra)
       ), ins AS (
         INSERT INTO budget_usage_event (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id,
                                         usage_updated_at, ad_product, budget, usage_percentage, extra)
         SELECT advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at, ad_product,
                budget, usage_percentage, extra::jsonb
         FROM input ORDER BY 1, 2, 3, 4, 5
         ON CONFLICT DO NOTHING
         RETURNING *
       ), newest AS (
         SELECT DISTINCT ON (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id) *
         FROM ins ORDER BY advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at DESC
       ), up AS (
         INSERT INTO budget_usage_latest (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id,
                                          usage_updated_at, ad_product, budget, usage_percentage)
         SELECT advertiser_id, marketplace_id, budget_scope_type, budget_scope_id, usage_updated_at, ad_product,
                budget, usage_percentage
         FROM newest ORDER BY 1, 2, 3, 4
         ON CONFLICT (advertiser_id, marketplace_id, budget_scope_type, budget_scope_id) DO UPDATE
           SET usage_updated_at = EXCLUDED.usage_updated_at, ad_product = EXCLUDED.ad_product,
               budget = EXCLUDED.budget, usage_percentage = EXCLUDED.usage_percentage, updated_at = now()
           WHERE budget_usage_latest.usage_updated_at < EXCLUDED.usage_updated_at
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM up) AS latest`,
      cols,
    )) as Array<{ inserted: string }>;
    return Number(row.inserted);
  }

  /**
   * Amazon's recommendations, each once by its natural key (advertiser, campaign, recommendation time): a redelivery
   * stores nothing new, an older recommendation arriving late is kept as history (the current one is the latest by
   * recommendation time, whatever the arrival order). Rows in key order: concurrent batches never deadlock.
   */
  private async writeRecommendations(em: EntityManager, records: BudgetRecommendationRecord[]): Promise<number> {
    if (!records.length) return 0;
    const cols: unknown[][] = Array.from({ length: 16 }, () => []);
    for (const r of records) {
      [
        r.advertiserId,
        r.campaignId,
        r.recommendationTime,
        r.marketplaceId,
        r.suggestedBudget,
        r.reason,
        r.missedSalesLower,
        r.missedSalesUpper,
        r.missedClicksLower,
        r.missedClicksUpper,
        r.missedImpressionsLower,
        r.missedImpressionsUpper,
        r.startDate,
        r.endDate,
        r.percentTimeInBudget,
        JSON.stringify(r.extra),
      ].forEach((v, i) => cols[i].push(v));
    }
    const rows = (await em.query(
      `INSERT INTO budget_recommendation (advertiser_id, campaign_id, recommendation_time, marketplace_id,
                                          suggested_budget, reason_for_suggestion, missed_sales_lower,
                                          missed_sales_upper, missed_clicks_lower, missed_clicks_upper,
                                          missed_impressions_lower, missed_impressions_upper, start_date, end_date,
                                          percent_time_in_budget, extra)
       SELECT advertiser_id, campaign_id, recommendation_time, marketplace_id, suggested_budget, reason_for_suggestion,
              missed_sales_lower, missed_sales_upper, missed_clicks_lower, missed_clicks_upper,
              missed_impressions_lower, missed_impressions_upper, start_date, end_date, percent_time_in_budget,
              extra::jsonb
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::numeric[], $6::text[], $7::numeric[],
                     $8::numeric[], $9::numeric[], $10::numeric[], $11::numeric[], $12::numeric[], $13::date[],
                     $14::date[], $15::numeric[], $16::text[])
           AS t(advertiser_id, campaign_id, recommendation_time, marketplace_id, suggested_budget,
                reason_for_suggestion, missed_sales_lower, missed_sales_upper, missed_clicks_lower,
                missed_clicks_upper, missed_impressions_lower, missed_impressions_upper, start_date, end_date,
                percent_time_in_budget, extra)
        ORDER BY 1, 2, 3
       ON CONFLICT (advertiser_id, campaign_id, recommendation_time) DO NOTHING
       RETURNING 1`,
      cols,
    )) as unknown[];
    return rows.length;
  }

  private async writeEntities(em: EntityManager, records: EntityRecord[]): Promise<number> {
    if (!records.length) return 0;
    // one row per entity (the highest version in the batch): an upsert may touch a row only once
    const newest = new Map<string, EntityRecord>();
    for (const r of records) {
      const key = `${r.advertiserId}\u0000${r.entityType}\u0000${r.entityId}`;
      const seen = newest.get(key);
      if (!seen || seen.version < r.version) newest.set(key, r);
    }
    const cols: unknown[][] = Array.from({ length: 15 }, () => []);
    for (const r of newest.values()) {
      [
        r.advertiserId,
        r.entityType,
        r.entityId,
        String(r.version),
        r.marketplaceId,
        r.campaignId,
        r.adGroupId,
        r.portfolioId,
        r.name,
        r.state,
        r.adProduct,
        r.budgetAmount,
        r.budgetCurrency,
        JSON.stringify(r.raw),
        entityChangedAt(r.raw),
      ].forEach((v, i) => cols[i].push(v));
    }
    const rows = (await em.query(
      `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, campaign_id, ad_group_id,
                               portfolio_id, name, state, ad_product, budget_amount, budget_currency, raw, changed_at)
       SELECT advertiser_id, entity_type, entity_id, version, marketplace_id, campaign_id, ad_group_id, portfolio_id,
              name, state, ad_product, budget_amount, budget_currency, raw::jsonb, changed_at
       FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::text[], $10::text[], $11::text[], $12::numeric[], $13::text[], $14::text[], $15::timestamptz[])
         AS t(advertiser_id, entity_type, entity_id, version, marketplace_id, campaign_id, ad_group_id, portfolio_id,
              name, state, ad_product, budget_amount, budget_currency, raw, changed_at)
       ORDER BY 1, 2, 3
       ON CONFLICT (advertiser_id, entity_type, entity_id) DO UPDATE
         SET version = EXCLUDED.version, marketplace_id = EXCLUDED.marketplace_id, campaign_id = EXCLUDED.campaign_id,
             ad_group_id = EXCLUDED.ad_group_id, portfolio_id = EXCLUDED.portfolio_id, name = EXCLUDED.name,
             state = EXCLUDED.state, ad_product = EXCLUDED.ad_product, budget_amount = EXCLUDED.budget_amount,
             budget_currency = EXCLUDED.budget_currency, raw = EXCLUDED.raw, changed_at = EXCLUDED.changed_at,
             updated_at = now()
         WHERE ams_entity.version < EXCLUDED.version
       RETURNING 1`,
      cols,
    )) as unknown[];
    return rows.length;
  }

  /**
   * One `dataset_freshness` row per (advertiser, dataset) of the batch, set-based and in key order (concurrent batches
   * and replicas lock the rows in the same order: no deadlock). Never backwards: each column keeps the later of the
   * stored and the new value, so a redelivered or replayed old record changes nothing. A receive time in the future
   * (a skewed clock) counts as now.
   */
  private async writeFreshness(em: EntityManager, input: BatchInput): Promise<void> {
    const merged = new Map<string, FreshnessRow>();
    if (input.freshness) for (const row of input.freshness) mergeFreshness(merged, row);
    else {
      addFreshness(merged, input.performance, null);
      addFreshness(merged, input.budgets, null);
      addFreshness(merged, input.entities, null);
      addFreshness(merged, input.recommendations ?? [], null);
    }
    if (!merged.size) return;
    const rows = [...merged.values()];
    await em.query(
      `INSERT INTO dataset_freshness (advertiser_id, dataset_id, last_received_at, latest_hour_start)
       SELECT advertiser_id, dataset_id, LEAST(COALESCE(received_at, now()), now()), latest_hour_start
         FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::timestamptz[])
           AS t(advertiser_id, dataset_id, received_at, latest_hour_start)
        ORDER BY advertiser_id, dataset_id
       ON CONFLICT (advertiser_id, dataset_id) DO UPDATE
         SET last_received_at = GREATEST(dataset_freshness.last_received_at, EXCLUDED.last_received_at),
             latest_hour_start = GREATEST(dataset_freshness.latest_hour_start, EXCLUDED.latest_hour_start)
         WHERE EXCLUDED.last_received_at > dataset_freshness.last_received_at
            OR EXCLUDED.latest_hour_start > dataset_freshness.latest_hour_start
            OR (dataset_freshness.latest_hour_start IS NULL AND EXCLUDED.latest_hour_start IS NOT NULL)`,
      [
        rows.map((r) => r.advertiserId),
        rows.map((r) => r.datasetId),
        rows.map((r) => r.receivedAt),
        rows.map((r) => r.latestHourStart),
      ],
    );
  }

  private async writeQuarantine(em: EntityManager, rows: QuarantineRow[]): Promise<number> {
    if (!rows.length) return 0;
    const unique = [...new Map(rows.map((r) => [r.key, r])).values()];
    const cols: unknown[][] = Array.from({ length: 8 }, () => []);
    for (const r of unique) {
      [r.key, r.source, r.code, r.reason, r.datasetId, r.rawBody, r.sqsMessageId, r.receivedAt].forEach((v, i) =>
        cols[i].push(v),
      );
    }
    const inserted = (await em.query(
      `INSERT INTO quarantine (quarantine_key, source, code, reason, dataset_id, raw_body, sqs_message_id, received_at)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                            $8::timestamptz[])
       ON CONFLICT (quarantine_key) DO NOTHING
       RETURNING 1`,
      cols,
    )) as unknown[];
    return inserted.length;
  }
}

function buildPerformanceSql(): string {
  const base = [
    ['advertiser_id', 'text'],
    ['idempotency_id', 'text'],
    ['dataset_id', 'text'],
    ['ad_product', 'text'],
    ['marketplace_id', 'text'],
    ['currency', 'text'],
    ['campaign_id', 'text'],
    ['ad_group_id', 'text'],
    ['ad_id', 'text'],
    ['keyword_id', 'text'],
    ['placement', 'text'],
    ['keyword_text', 'text'],
    ['match_type', 'text'],
    ['hour_start', 'timestamptz'],
    ['utc_offset_minutes', 'smallint'],
    ...METRIC_COLUMNS.map((c, i) => [c, METRIC_TYPES[i]]),
    ['extra', 'text'],
  ];
  const names = base.map(([n]) => n);
  const params = base.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ');
  const insertCols = names.join(', ');
  const selectCols = names.map((n) => (n === 'extra' ? 'extra::jsonb' : n)).join(', ');
  const metrics = METRIC_COLUMNS.join(', ');
  const sums = METRIC_COLUMNS.map((m) => `sum(${m}) AS ${m}`).join(', ');
  const adds = METRIC_COLUMNS.map((m) => `${m} = hourly_fact.${m} + EXCLUDED.${m}`).join(', ');
  const keys = KEY_COLUMNS.join(', ');
  return `
    WITH input AS (
      SELECT * FROM unnest(${params}) AS t(${names.join(', ')})
    ), ins AS (
      -- the key is (advertiser_id, idempotency_id, hour_start) on the monthly partitions (a duplicate carries the same
      -- hour); no conflict target, so the statement is the same on a database not yet partitioned
      INSERT INTO performance_delta (${insertCols})
      SELECT ${selectCols} FROM input ORDER BY advertiser_id, idempotency_id
      ON CONFLICT DO NOTHING
      RETURNING ${keys}, utc_offset_minutes, ad_product, currency, keyword_text, match_type, ${metrics}
    ), agg AS (
      SELECT ${keys}, max(utc_offset_minutes) AS utc_offset_minutes, max(ad_product) AS ad_product,
             max(currency) AS currency, max(keyword_text) AS keyword_text, max(match_type) AS match_type, ${sums}
      FROM ins GROUP BY ${keys}
    ), up AS (
      INSERT INTO hourly_fact (${keys}, utc_offset_minutes, ad_product, currency, keyword_text, match_type, ${metrics})
      SELECT ${keys}, utc_offset_minutes, ad_product, currency, keyword_text, match_type, ${metrics}
      FROM agg ORDER BY ${keys}
      ON CONFLICT (${keys}) DO UPDATE SET ${adds},
        currency = COALESCE(EXCLUDED.currency, hourly_fact.currency),
        keyword_text = COALESCE(EXCLUDED.keyword_text, hourly_fact.keyword_text),
        match_type = COALESCE(EXCLUDED.match_type, hourly_fact.match_type),
        updated_at = now()
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM ins) AS inserted, (SELECT count(*) FROM up) AS facts`;
}

function buildRebuildSql(): string {
  const keys = KEY_COLUMNS.join(', ');
  const metrics = METRIC_COLUMNS.join(', ');
  const sums = METRIC_COLUMNS.map((m) => `sum(d.${m}) AS ${m}`).join(', ');
  return `
    INSERT INTO hourly_fact (${keys}, utc_offset_minutes, ad_product, currency, keyword_text, match_type, ${metrics})
    SELECT ${KEY_COLUMNS.map((c) => `d.${c}`).join(', ')}, max(d.utc_offset_minutes), max(d.ad_product), max(d.currency),
           max(d.keyword_text), max(d.match_type), ${sums}
      FROM performance_delta d
      JOIN unnest($1::text[], $2::text[], $3::timestamptz[]) AS k(advertiser_id, campaign_id, hour_start)
        ON d.advertiser_id = k.advertiser_id AND d.campaign_id = k.campaign_id AND d.hour_start = k.hour_start
     GROUP BY ${KEY_COLUMNS.map((c) => `d.${c}`).join(', ')}
     ORDER BY ${KEY_COLUMNS.map((c) => `d.${c}`).join(', ')}
    RETURNING 1`;
}
