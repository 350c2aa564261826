/**
 * Test support (used by the aggregator's specs only): writes hourly facts the way the processor does
 * (deltas added to the row), keeps an independent in-memory model of them, computes the rollups that model
 * implies, and reads the rollups back from PostgreSQL in the same shape. Money is kept in integer cents.
 */
import type { Client } from 'pg';
import { METRIC_COLUMNS, MONEY_COLUMNS, type MetricColumn } from '@ams/db';

export type Metrics = Record<MetricColumn, bigint>;

export interface FactDelta {
  advertiserId: string;
  marketplaceId?: string;
  campaignId: string;
  adGroupId: string;
  adId?: string;
  keywordId: string;
  placement?: string;
  /** ISO UTC */
  hourStart: string;
  utcOffsetMinutes: number;
  /** the advertiser-local date of the hour, computed by the test independently of the code under test */
  localDate: string;
  adProduct?: 'sp' | 'sb' | 'sd';
  currency?: string;
  keywordText?: string | null;
  matchType?: string | null;
  /** counts, and money in cents */
  metrics: Partial<Record<MetricColumn, number | bigint>>;
}

export interface Rollups {
  campaignHourly: Map<string, Metrics & { utcOffsetMinutes?: number; localDate?: string }>;
  campaignDaily: Map<string, Metrics>;
  adGroupDaily: Map<string, Metrics>;
  keywordDaily: Map<string, Metrics>;
}

export function zeroMetrics(): Metrics {
  return Object.fromEntries(METRIC_COLUMNS.map((c) => [c, 0n])) as Metrics;
}

function add(into: Metrics, delta: Partial<Record<MetricColumn, number | bigint>>): void {
  for (const c of METRIC_COLUMNS) into[c] += BigInt(delta[c] ?? 0);
}

function cents(c: bigint): string {
  const neg = c < 0n;
  const abs = neg ? -c : c;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

/** Exact decimal string → cents (refuses anything finer than a cent). */
export function toCents(decimal: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(decimal.trim());
  if (!m) throw new Error(`not a decimal: ${decimal}`);
  const frac = (m[3] ?? '').padEnd(2, '0');
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`finer than a cent: ${decimal}`);
  const v = BigInt(m[2]) * 100n + BigInt(frac.slice(0, 2));
  return m[1] ? -v : v;
}

const key = (...parts: string[]) => parts.join('|');

/** The facts as the test knows them, and the rollups they imply. */
export class FactModel {
  private readonly facts = new Map<string, { d: FactDelta; m: Metrics }>();

  apply(delta: FactDelta): void {
    const k = key(
      delta.advertiserId,
      delta.campaignId,
      delta.adGroupId,
      delta.adId ?? 'ad1',
      delta.keywordId,
      delta.placement ?? '',
      delta.hourStart,
    );
    let f = this.facts.get(k);
    if (!f) {
      f = { d: delta, m: zeroMetrics() };
      this.facts.set(k, f);
    }
    add(f.m, delta.metrics);
  }

  remove(predicate: (d: FactDelta) => boolean): void {
    for (const [k, f] of this.facts) if (predicate(f.d)) this.facts.delete(k);
  }

  rollups(advertiserId?: string): Rollups {
    const out: Rollups = {
      campaignHourly: new Map(),
      campaignDaily: new Map(),
      adGroupDaily: new Map(),
      keywordDaily: new Map(),
    };
    const bump = <T extends Metrics>(map: Map<string, T>, k: string, m: Metrics, extra: Partial<T> = {}) => {
      let row = map.get(k);
      if (!row) {
        row = { ...zeroMetrics(), ...extra } as T;
        map.set(k, row);
      }
      add(row, m);
    };
    for (const { d, m } of this.facts.values()) {
      if (advertiserId && d.advertiserId !== advertiserId) continue;
      bump(out.campaignHourly, key(d.advertiserId, d.campaignId, new Date(d.hourStart).toISOString()), m, {
        utcOffsetMinutes: d.utcOffsetMinutes,
        localDate: d.localDate,
      });
      bump(out.campaignDaily, key(d.advertiserId, d.campaignId, d.localDate), m);
      bump(out.adGroupDaily, key(d.advertiserId, d.campaignId, d.localDate, d.adGroupId), m);
      bump(out.keywordDaily, key(d.advertiserId, d.campaignId, d.localDate, d.adGroupId, d.keywordId), m);
    }
    return out;
  }
}

/** Adds deltas to hourly_fact exactly as the processor does (insert, or add to the existing row). */
export async function writeFacts(pg: Client, deltas: FactDelta[]): Promise<void> {
  if (!deltas.length) return;
  const rows = deltas.map((d) => [
    d.advertiserId,
    d.marketplaceId ?? 'ATVPDKIKX0DER',
    d.campaignId,
    d.adGroupId,
    d.adId ?? 'ad1',
    d.keywordId,
    d.placement ?? '',
    d.hourStart,
    d.utcOffsetMinutes,
    d.adProduct ?? 'sp',
    d.currency ?? 'USD',
    d.keywordText ?? null,
    d.matchType ?? null,
    ...METRIC_COLUMNS.map((c) => (MONEY_COLUMNS.has(c) ? cents(BigInt(d.metrics[c] ?? 0)) : String(d.metrics[c] ?? 0))),
  ]);
  const names = [
    'advertiser_id',
    'marketplace_id',
    'campaign_id',
    'ad_group_id',
    'ad_id',
    'keyword_id',
    'placement',
    'hour_start',
    'utc_offset_minutes',
    'ad_product',
    'currency',
    'keyword_text',
    'match_type',
    ...METRIC_COLUMNS,
  ];
  const types = [
    'text',
    'text',
    'text',
    'text',
    'text',
    'text',
    'text',
    'timestamptz',
    'smallint',
    'text',
    'text',
    'text',
    'text',
    ...METRIC_COLUMNS.map((c) => (MONEY_COLUMNS.has(c) ? 'numeric' : 'bigint')),
  ];
  const cols = names.map((_, i) => rows.map((r) => r[i]));
  const pk = 'advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement, hour_start';
  await pg.query(
    `INSERT INTO hourly_fact (${names.join(', ')})
     SELECT ${names.join(', ')} FROM (
       SELECT ${pk}, max(utc_offset_minutes) AS utc_offset_minutes, max(ad_product) AS ad_product, max(currency) AS currency,
              max(keyword_text) AS keyword_text, max(match_type) AS match_type,
              ${METRIC_COLUMNS.map((c) => `sum(${c}) AS ${c}`).join(', ')}
       FROM unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) AS t(${names.join(', ')})
       GROUP BY ${pk}) g
     ORDER BY ${pk}
     ON CONFLICT (${pk}) DO UPDATE SET ${METRIC_COLUMNS.map((c) => `${c} = hourly_fact.${c} + EXCLUDED.${c}`).join(', ')}, updated_at = now()`,
    cols,
  );
}

/** What a perf.hourly.updated.v1 would name for these deltas. */
export function touchedOf(
  deltas: FactDelta[],
): Array<{ advertiserId: string; campaignId: string; hourStart: string; utcOffsetMinutes: number }> {
  const seen = new Map<
    string,
    { advertiserId: string; campaignId: string; hourStart: string; utcOffsetMinutes: number }
  >();
  for (const d of deltas) {
    const hourStart = new Date(d.hourStart).toISOString();
    seen.set(key(d.advertiserId, d.campaignId, hourStart), {
      advertiserId: d.advertiserId,
      campaignId: d.campaignId,
      hourStart,
      utcOffsetMinutes: d.utcOffsetMinutes,
    });
  }
  return [...seen.values()];
}

function metricsOf(row: Record<string, unknown>): Metrics {
  const m = zeroMetrics();
  for (const c of METRIC_COLUMNS) {
    const v = String(row[c]);
    m[c] = MONEY_COLUMNS.has(c) ? toCents(v) : BigInt(v);
  }
  return m;
}

/** The rollups stored in PostgreSQL, in the model's shape (optionally one advertiser's). */
export async function readRollups(pg: Client, advertiserId?: string): Promise<Rollups> {
  const where = advertiserId ? 'WHERE advertiser_id = $1' : '';
  const params = advertiserId ? [advertiserId] : [];
  const q = async (sql: string) => (await pg.query(`${sql} ${where}`, params)).rows as Array<Record<string, unknown>>;
  const out: Rollups = {
    campaignHourly: new Map(),
    campaignDaily: new Map(),
    adGroupDaily: new Map(),
    keywordDaily: new Map(),
  };
  for (const r of await q(`SELECT *, local_date::text AS ld FROM campaign_hourly`)) {
    out.campaignHourly.set(
      key(String(r['advertiser_id']), String(r['campaign_id']), (r['hour_start'] as Date).toISOString()),
      {
        ...metricsOf(r),
        utcOffsetMinutes: Number(r['utc_offset_minutes']),
        localDate: String(r['ld']),
      },
    );
  }
  for (const r of await q(`SELECT *, local_date::text AS ld FROM campaign_daily`)) {
    out.campaignDaily.set(key(String(r['advertiser_id']), String(r['campaign_id']), String(r['ld'])), metricsOf(r));
  }
  for (const r of await q(`SELECT *, local_date::text AS ld FROM ad_group_daily`)) {
    out.adGroupDaily.set(
      key(String(r['advertiser_id']), String(r['campaign_id']), String(r['ld']), String(r['ad_group_id'])),
      metricsOf(r),
    );
  }
  for (const r of await q(`SELECT *, local_date::text AS ld FROM keyword_daily`)) {
    out.keywordDaily.set(
      key(
        String(r['advertiser_id']),
        String(r['campaign_id']),
        String(r['ld']),
        String(r['ad_group_id']),
        String(r['keyword_id']),
      ),
      metricsOf(r),
    );
  }
  return out;
}

/** Differences between two sets of rollups (empty when equal), readable in a failed expectation. */
export function diffRollups(actual: Rollups, expected: Rollups): string[] {
  const diffs: string[] = [];
  const fmt = (m: Record<string, unknown> | undefined) =>
    m ? JSON.stringify(m, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) : 'missing';
  for (const table of ['campaignHourly', 'campaignDaily', 'adGroupDaily', 'keywordDaily'] as const) {
    const a = actual[table] as Map<string, Record<string, unknown>>;
    const e = expected[table] as Map<string, Record<string, unknown>>;
    for (const k of new Set([...a.keys(), ...e.keys()])) {
      const x = a.get(k);
      const y = e.get(k);
      if (fmt(x) !== fmt(y)) diffs.push(`${table} ${k}: stored ${fmt(x)} expected ${fmt(y)}`);
    }
  }
  return diffs;
}

/** UTC offset (minutes) and local date of an instant in an IANA time zone, from the platform's tz data. */
export function zoned(instant: Date, timeZone: string): { utcOffsetMinutes: number; localDate: string } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    timeZoneName: 'longOffset',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(get('timeZoneName'));
  const utcOffsetMinutes = m && m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
  return { utcOffsetMinutes, localDate: `${get('year')}-${get('month')}-${get('day')}` };
}

/**
 * Differences in the daily rollups of one advertiser's campaign-days that carry no rollup_pending mark, against the
 * model (empty when equal). What readers rely on: an unmarked campaign-day's daily rollups equal its facts.
 */
export async function unmarkedDailyDiffs(pg: Client, advertiserId: string, expected: Rollups): Promise<string[]> {
  const { rows } = await pg.query(
    `SELECT DISTINCT advertiser_id, campaign_id, local_date::text AS d FROM rollup_pending WHERE advertiser_id = $1`,
    [advertiserId],
  );
  const marked = new Set(
    rows.map((r: { advertiser_id: string; campaign_id: string; d: string }) =>
      key(r.advertiser_id, r.campaign_id, r.d),
    ),
  );
  const unmarked = <T>(m: Map<string, T>) =>
    new Map([...m].filter(([k]) => !marked.has(k.split('|').slice(0, 3).join('|'))));
  const daily = (r: Rollups): Rollups => ({
    campaignHourly: new Map(),
    campaignDaily: unmarked(r.campaignDaily),
    adGroupDaily: unmarked(r.adGroupDaily),
    keywordDaily: unmarked(r.keywordDaily),
  });
  return diffRollups(daily(await readRollups(pg, advertiserId)), daily(expected));
}

/** The number of rollup_pending marks of an advertiser. */
export async function pendingMarks(pg: Client, advertiserId: string): Promise<number> {
  const { rows } = await pg.query(`SELECT count(*)::int AS n FROM rollup_pending WHERE advertiser_id = $1`, [
    advertiserId,
  ]);
  return Number(rows[0].n);
}
