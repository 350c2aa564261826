import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';

/**
 * The hourly_fact columns of a bench's seed rows, in the order each tab-separated row gives them: advertiser,
 * marketplace, campaign, ad group, ad, keyword, placement, hour (ISO), UTC offset (minutes), ad product, currency,
 * impressions, clicks, cost, orders_7d, sales_7d.
 */
const COLUMNS = `advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start,
  utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d`;

/** Rows joined into chunks of 5,000 for the COPY stream. */
function* chunks(rows: Iterable<string>): Generator<string> {
  let batch: string[] = [];
  for (const row of rows) {
    batch.push(row);
    if (batch.length === 5000) {
      yield batch.join('');
      batch = [];
    }
  }
  if (batch.length) yield batch.join('');
}

/**
 * Seeds hourly_fact with COPY from rows (each one tab-separated line ending in `\n`, columns as above), then ANALYZEs
 * it. Returns the seconds it took. `table`: another table of hourly_fact's columns instead (bench:scale loads a
 * detached monthly partition with no index, then builds its indexes and attaches it); `analyze: false` leaves the
 * ANALYZE to the caller; `freeze: true` COPYs `WITH (FREEZE)` (the table must have been created or truncated in the
 * caller's open transaction): rows written frozen and visible to all, so no VACUUM has to visit them afterwards.
 */
export async function copyFacts(
  pg: Client,
  rows: Iterable<string>,
  {
    table = 'hourly_fact',
    analyze = true,
    freeze = false,
  }: { table?: string; analyze?: boolean; freeze?: boolean } = {},
): Promise<number> {
  const t0 = performance.now();
  const options = freeze ? ' WITH (FREEZE)' : '';
  await pipeline(Readable.from(chunks(rows)), pg.query(copyFrom(`COPY ${table} (${COLUMNS}) FROM STDIN${options}`)));
  if (analyze) await pg.query(`ANALYZE ${table}`);
  return (performance.now() - t0) / 1000;
}
