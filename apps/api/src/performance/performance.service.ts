import { Injectable } from '@nestjs/common';
import type { Ratios } from '@ams/ams';
import { factHorizon } from '@ams/db';
import { counter } from '@ams/platform';
import { badRequest, decodeCursor, encodeCursor } from '../common/cursor';
import { ApiEnv } from '../config/api.env';
import { ReadDb, type ReadTarget } from '../replica/read-db.service';
import { PerformanceQueryDto, type GroupBy } from './dto/performance-query.dto';
import { PerformanceCache, weakEtag } from './performance.cache';
import { formatPeriod, metricsJson } from './performance.format';
import { GROUP_FIELDS, PerformanceRepository } from './performance.repository';
import { dailyRollupOf, type PerformanceFilter } from './performance.statement';

export interface PerformanceMetrics extends Ratios {
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
}

/** The shape of the JSON text `query` returns (field order as written here). */
export interface PerformanceResponse {
  data: Array<PerformanceMetrics & { period: string } & Record<string, string | number | null>>;
  totals: PerformanceMetrics;
  nextCursor: string | null;
}

/** A response and how the cache answered it: `hit`, `miss` (queried; stored unless raced or too large), `off`. */
export interface PerformanceResult {
  /** UTF-8 JSON ({@link PerformanceResponse}). */
  body: Buffer;
  /** Set when the body is (or was just put) in the cache. */
  etag?: string;
  cache: 'hit' | 'miss' | 'off';
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

@Injectable()
export class PerformanceService {
  private readonly hits = counter(
    'ams_api_performance_cache_hits_total',
    'GET /v1/performance answered from the cache.',
  );
  private readonly misses = counter(
    'ams_api_performance_cache_misses_total',
    'GET /v1/performance queried from PostgreSQL while the cache is on (not cached, expired, invalidated, or settings changed).',
  );

  /**
   * Test seam: awaited between a miss's query and its store (the window in which an invalidation must stop the store).
   * Never set outside tests.
   */
  beforeStore?: () => Promise<void>;

  /** Settings reads asked for but not yet sent, by advertiser list (see settingsStamp). */
  private readonly pendingStamps = new Map<string, Promise<string>>();

  constructor(
    private readonly repo: PerformanceRepository,
    private readonly env: ApiEnv,
    private readonly cache: PerformanceCache,
    private readonly read: ReadDb,
  ) {}

  /**
   * The response through the cache (see PerformanceCache): keyed on the validated, normalized query; a hit that depends
   * on the advertisers' attribution settings is served only after a primary-key read shows them unchanged.
   */
  async cachedQuery(q: PerformanceQueryDto): Promise<PerformanceResult> {
    const filter = this.filterOf(q);
    if (!this.cache.enabled) return { body: await this.render(q, filter, await this.read.target()), cache: 'off' };
    const key = cacheKey(q, filter);
    const hit = this.cache.get(key);
    if (
      hit &&
      (hit.settingsAdvertisers === null || (await this.settingsStamp(hit.settingsAdvertisers)) === hit.settingsStamp) &&
      this.cache.holds(key, hit) // not invalidated while the settings were read
    ) {
      this.hits.inc();
      return { body: hit.body, etag: hit.etag, cache: 'hit' };
    }
    this.misses.inc();
    // everything the result depends on is read after the ticket: an invalidation from here on voids the store
    const ticket = this.cache.ticket();
    // a replica serves the miss only if it has replayed every update heard for this campaign and advertiser; else the
    // primary does (a replica that lags beyond DATABASE_READ_MAX_LAG_MS serves nothing)
    let on = await this.read.target(
      ticket === undefined ? undefined : this.cache.need(filter.campaignId, filter.advertiserId),
    );
    let settingsAdvertisers: string[] | null = null;
    let settingsStamp = '';
    if (ticket !== undefined && !filter.attributionWindow) {
      settingsAdvertisers = filter.advertiserId
        ? [filter.advertiserId]
        : await this.repo.advertisersOf(on, filter.campaignId as string, ...hourBounds(filter.range));
      settingsStamp = await this.repo.settingsStamp(on, settingsAdvertisers);
      // hits are judged on the primary's settings (the api writes them there): a replica that has not replayed the
      // latest settings would answer with the old ones under the new stamp, so the primary answers instead
      if (on.replica && (await this.settingsStamp(settingsAdvertisers)) !== settingsStamp) {
        on = this.read.primaryTarget();
        settingsStamp = await this.repo.settingsStamp(on, settingsAdvertisers);
      }
    }
    const body = await this.render(q, filter, on);
    if (ticket === undefined) return { body, cache: 'miss' };
    await this.beforeStore?.();
    const etag = weakEtag(body);
    const outcome = this.cache.set(
      key,
      {
        body,
        etag,
        campaignId: filter.campaignId,
        advertiserId: filter.advertiserId,
        settingsAdvertisers,
        settingsStamp,
        readFrom: on.replica ? { lsn: on.lsn ?? 0n, caughtUpAt: on.caughtUpAt ?? 0 } : undefined,
      },
      ticket,
    );
    return outcome === 'stored' ? { body, etag, cache: 'miss' } : { body, cache: 'miss' };
  }

  /**
   * The settings stamp of these advertisers, read by a statement sent after this call: hits that arrive together (in
   * the same turn of the event loop) share one read, so a burst of hits costs one primary-key lookup, not one each.
   * A read already sent is never shared with a later caller, so no hit is judged on a read older than its request.
   */
  private settingsStamp(advertisers: string[]): Promise<string> {
    const key = advertisers.join('\u0000');
    let read = this.pendingStamps.get(key);
    if (!read) {
      read = new Promise<string>((resolve, reject) =>
        setImmediate(() => {
          this.pendingStamps.delete(key); // from here on, callers wait for the next read
          this.repo.settingsStamp(this.read.primaryTarget(), advertisers).then(resolve, reject);
        }),
      );
      this.pendingStamps.set(key, read);
    }
    return read;
  }

  private filterOf(q: PerformanceQueryDto): PerformanceFilter {
    if (!q.advertiserId && !q.campaignId) {
      throw badRequest('campaignId', 'campaignId or advertiserId is required');
    }
    const filter: PerformanceFilter = {
      advertiserId: q.advertiserId,
      campaignId: q.campaignId,
      adGroupId: q.adGroupId,
      keywordId: q.keywordId,
      range: this.range(q),
      granularity: q.granularity,
      groupBy: q.groupBy,
      attributionWindow: q.attributionWindow,
    };
    if (q.cursor) decodePerformanceCursor(q.cursor, q.groupBy); // a bad cursor is a 400 before any cache lookup
    this.checkRetention(filter);
    return filter;
  }

  /**
   * Which range can be answered at which grain: hourly facts are kept RETENTION_FACT_DAYS (whole older months are
   * dropped), the daily rollups for good. A query that must read the facts (hourly, an instant range, or grouped by
   * ad or placement) and reaches before the facts' horizon is refused, naming the limit, rather than answered short.
   */
  private checkRetention(f: PerformanceFilter): void {
    if (dailyRollupOf(f)) return; // daily rollups (and only marked days, all recent, from the facts)
    const horizon = factHorizon(new Date(), this.env.RETENTION_FACT_DAYS);
    const [firstHour] = hourBounds(f.range);
    if (Date.parse(firstHour) >= horizon.getTime()) return;
    const from = f.range.kind === 'local-date' ? horizon.toISOString().slice(0, 10) : horizon.toISOString();
    const firstDay = new Date(horizon.getTime() + DAY_MS).toISOString().slice(0, 10);
    throw badRequest(
      'from',
      `is before the hourly facts' retention: hourly facts are kept ${this.env.RETENTION_FACT_DAYS} days: from ${from}` +
        (f.range.kind === 'local-date' ? ` (local dates from ${firstDay})` : '') +
        `; earlier ranges are answered by day (granularity=day with dates, not grouped by ad or placement)`,
    );
  }

  /**
   * The response as UTF-8 JSON ({@link PerformanceResponse}). Written directly rather than built as 720 objects and
   * stringified: the same bytes JSON.stringify gives (performance.integration.spec.ts compares them), in a third of
   * the time.
   */
  private async render(q: PerformanceQueryDto, filter: PerformanceFilter, on: ReadTarget): Promise<Buffer> {
    const after = q.cursor ? decodePerformanceCursor(q.cursor, q.groupBy) : undefined;
    const { rows, totals, groupCols } = await this.repo.query(filter, { limit: q.limit + 1, after }, on);
    const fields = groupCols.map((c) => `,"${GROUP_FIELDS[c]}":`);
    const width = groupCols.length;
    const n = Math.min(rows.length, q.limit);
    // one string grown row by row (a rope), flattened once by Buffer.from: fewer copies than joining row strings
    let out = '{"data":[';
    for (let i = 0; i < n; i++) {
      const r = rows[i];
      out += `${i === 0 ? '' : ','}{"period":"${formatPeriod(r, q.granularity)}"`;
      for (let g = 0; g < width; g++) out += fields[g] + JSON.stringify(String(r[1 + g]));
      out += `,${metricsJson(r, 2 + width)}}`;
    }
    let nextCursor = 'null';
    if (rows.length > q.limit && n > 0) {
      const last = rows[n - 1];
      const period = q.granularity === 'hour' ? new Date(Number(last[0]) * 1000).toISOString() : String(last[0]);
      nextCursor = JSON.stringify(encodeCursor([period, ...last.slice(1, 1 + width).map(String)]));
    }
    const t = [totals.impressions, totals.clicks, totals.cost, totals.orders, totals.sales, totals.units];
    return Buffer.from(`${out}],"totals":{${metricsJson(t, 0)}},"nextCursor":${nextCursor}}`);
  }

  private range(q: PerformanceQueryDto): PerformanceFilter['range'] {
    const fromDate = DATE_ONLY.test(q.from);
    const toDate = DATE_ONLY.test(q.to);
    if (fromDate !== toDate) throw badRequest('to', 'from and to must both be dates or both be date-times');
    const from = Date.parse(fromDate ? `${q.from}T00:00:00Z` : q.from);
    const to = Date.parse(toDate ? `${q.to}T00:00:00Z` : q.to) + (toDate ? DAY_MS : 0);
    if (!Number.isFinite(from)) throw badRequest('from', 'is not a real date');
    if (!Number.isFinite(to)) throw badRequest('to', 'is not a real date');
    if (to <= from) throw badRequest('to', 'must be after from');
    if (to - from > this.env.API_MAX_DAILY_RANGE_DAYS * DAY_MS) {
      throw badRequest('to', `a range may span at most ${this.env.API_MAX_DAILY_RANGE_DAYS} days`);
    }
    if (q.granularity === 'hour' && to - from > this.env.API_MAX_HOURLY_RANGE_DAYS * DAY_MS) {
      throw badRequest(
        'to',
        `an hourly range may span at most ${this.env.API_MAX_HOURLY_RANGE_DAYS} days; use granularity=day`,
      );
    }
    if (fromDate) {
      return { kind: 'local-date', from: q.from, to: new Date(to).toISOString().slice(0, 10) };
    }
    return { kind: 'instant', from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  }
}

/** The validated query, normalized: equal keys mean the same SQL statement and parameters. */
function cacheKey(q: PerformanceQueryDto, f: PerformanceFilter): string {
  return JSON.stringify([
    f.advertiserId ?? null,
    f.campaignId ?? null,
    f.adGroupId ?? null,
    f.keywordId ?? null,
    f.range.kind,
    f.range.from,
    f.range.to,
    f.granularity,
    f.groupBy ?? null,
    f.attributionWindow ?? null,
    q.limit,
    q.cursor ?? null,
  ]);
}

/** hour_start bounds (UTC ISO) of the facts a range can read: local dates reach 14 hours either side. */
function hourBounds(range: PerformanceFilter['range']): [string, string] {
  if (range.kind === 'instant') return [range.from, range.to];
  const from = Date.parse(`${range.from}T00:00:00Z`) - 14 * HOUR_MS;
  const to = Date.parse(`${range.to}T00:00:00Z`) + 14 * HOUR_MS;
  return [new Date(from).toISOString(), new Date(to).toISOString()];
}

function columnsOf(groupBy: GroupBy): string[] {
  return {
    campaign: ['campaign_id'],
    adGroup: ['campaign_id', 'ad_group_id'],
    ad: ['campaign_id', 'ad_group_id', 'ad_id'],
    keyword: ['campaign_id', 'ad_group_id', 'keyword_id'],
    placement: ['campaign_id', 'placement'],
  }[groupBy];
}

function decodePerformanceCursor(cursor: string, groupBy?: GroupBy): { period: string; groupKey: string[] } {
  const [period, ...groupKey] = decodeCursor(cursor, 1 + (groupBy ? columnsOf(groupBy).length : 0));
  return { period, groupKey };
}
