import { parseIsoTimestamp, type AmsRecord } from '@ams/ams';

/**
 * One (advertiser, dataset) of a batch for `dataset_freshness`: when its newest record was received and the latest hour
 * it carried. `receivedAt` null means "now" (the writing transaction's time).
 */
export interface FreshnessRow {
  advertiserId: string;
  datasetId: string;
  /** ISO-8601; the ingestor's receive time of the record's SQS message */
  receivedAt: string | null;
  /** ISO-8601 UTC hour start; hourly (performance) datasets only */
  latestHourStart: string | null;
}

const later = (a: string | null, b: string | null): string | null =>
  a === null ? b : b === null ? a : Date.parse(a) >= Date.parse(b) ? a : b;

/**
 * Pure: the freshness rows of records received at `receivedAt`, merged with `into` (one row per advertiser and dataset,
 * the latest times of each). Merging is order-free: the same rows in any order give the same result.
 */
export function addFreshness(
  into: Map<string, FreshnessRow>,
  records: readonly AmsRecord[],
  receivedAt: string | null,
): Map<string, FreshnessRow> {
  for (const r of records) {
    mergeFreshness(into, {
      advertiserId: r.advertiserId,
      datasetId: r.datasetId,
      receivedAt,
      latestHourStart: r.kind === 'performance' ? r.hourStartUtc : null,
    });
  }
  return into;
}

export function mergeFreshness(into: Map<string, FreshnessRow>, row: FreshnessRow): Map<string, FreshnessRow> {
  const key = `${row.advertiserId}\u0000${row.datasetId}`;
  const seen = into.get(key);
  if (!seen) into.set(key, { ...row });
  else {
    // a row meaning "now" stays "now": it is at least as late as any receive time of the batch
    seen.receivedAt =
      seen.receivedAt === null || row.receivedAt === null ? null : later(seen.receivedAt, row.receivedAt);
    seen.latestHourStart = later(seen.latestHourStart, row.latestHourStart);
  }
  return into;
}

/** Pure: a message's receive time from its header, when it is a valid instant; else null. */
export function receivedAtOf(header: string | undefined | null): string | null {
  return header ? instantOrNull(header) : null;
}

/**
 * Pure: `audit.lastUpdatedDateTime` of a campaign-management change record (kept whole in the record's `raw`), as ISO
 * UTC when it is an ISO-8601 instant with an explicit offset and a real date; null when absent or anything else. A bad
 * value never fails the record: the entity is stored, only without its change time.
 */
export function entityChangedAt(raw: Record<string, unknown>): string | null {
  const audit = raw['audit'];
  if (audit === null || typeof audit !== 'object' || Array.isArray(audit)) return null;
  const value = (audit as Record<string, unknown>)['lastUpdatedDateTime'];
  return typeof value === 'string' ? instantOrNull(value) : null;
}

function instantOrNull(s: string): string | null {
  try {
    return parseIsoTimestamp(s);
  } catch {
    return null;
  }
}
