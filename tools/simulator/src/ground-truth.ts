/**
 * What the system must show after the run: per advertiser, campaign, advertiser-local day and hour, the
 * exact sums of the distinct records sent (duplicates counted once, restatements and returns added),
 * with orders/sales/units in the AMS default attribution window (SP 7 d, SB/SD 14 d) — the numbers
 * `GET /v1/performance?campaignId=…&from=…&to=…&granularity=day` returns. Money is summed as exact
 * decimals (libs/ams) and printed as the api prints it (at least two decimals).
 */
import { addDecimal, defaultAttributionWindow, toDecimalString } from '@ams/ams';
import type { AdProduct } from './market-scenario';
import type { Simulation } from './traffic-generator';

export interface TruthMetrics {
  impressions: number;
  clicks: number;
  cost: string;
  orders: number;
  sales: string;
  units: number;
}

export interface TruthHour extends TruthMetrics {
  /** the hour as time_window_start and the api print it: 2025-06-03T10:00:00-07:00 */
  period: string;
}
export interface TruthDay extends TruthMetrics {
  date: string;
  hours: TruthHour[];
}

export interface GroundTruth {
  generator: 'ams-sentinel simulator';
  seed: number;
  options: {
    hours: number;
    advertisers: number;
    campaigns: number;
    end: string;
    anomalies: string[];
    /** only when --realism was on */
    realism?: true;
  };
  sqs?: { queueUrl: string; endpoint: string | null };
  messages: { total: number; byKind: Record<string, number>; distinctPerformanceRecords: number };
  advertisers: Array<{
    advertiserId: string;
    country: string;
    marketplaceId: string;
    currency: string;
    timeZone: string;
    /** first and last advertiser-local day with data */
    from: string;
    to: string;
    days: Array<TruthMetrics & { date: string }>;
    campaigns: Array<{
      campaignId: string;
      name: string;
      adProduct: AdProduct;
      attributionWindow: string;
      /** the latest campaign change event sent */
      entity: { version: number; name: string; dailyBudget: string; currency: string };
      /** the latest budget-usage message (by usage_updated_timestamp), or null */
      budgetUsage: { percentage: string; at: string } | null;
      totals: TruthMetrics;
      days: TruthDay[];
      /** the api call whose `data` (and `totals`) equals `days` (and `totals`) */
      apiQuery: string;
    }>;
  }>;
  /**
   * Amazon's budget recommendations sent (sp-budget-recommendations), each stored once in `budget_recommendation`
   * whatever its `sends`; the latest of a campaign whose window applies to a day is Amazon's estimate beside ours for
   * that day (`amazonEstimate` of `GET /v1/forecasts/budgets`, the cap digest).
   */
  budgetRecommendations: Simulation['recommendations'];
  /** bodies the pipeline must quarantine (with the expected code), not lose */
  malformed: Simulation['malformed'];
  anomalies: Simulation['anomalies'];
  subscriptionConfirmation: { topicArn: string; expected: string };
}

/** numeric text → the api's money format: at least two decimals, never rounded. */
export function apiMoney(decimal: string): string {
  const [int, frac = ''] = decimal.split('.');
  return `${int}.${frac.replace(/0+$/, '').padEnd(2, '0')}`;
}

interface Acc {
  impressions: string;
  clicks: string;
  cost: string;
  orders: string;
  sales: string;
  units: string;
}
const zero = (): Acc => ({ impressions: '0', clicks: '0', cost: '0', orders: '0', sales: '0', units: '0' });
function add(acc: Acc, m: Acc): void {
  for (const k of Object.keys(acc) as Array<keyof Acc>) acc[k] = addDecimal(acc[k], m[k]);
}
function finish(a: Acc): TruthMetrics {
  return {
    impressions: Number(a.impressions),
    clicks: Number(a.clicks),
    cost: apiMoney(a.cost),
    orders: Number(a.orders),
    sales: apiMoney(a.sales),
    units: Number(a.units),
  };
}
const num = (v: unknown): string => (typeof v === 'number' ? toDecimalString(v) : '0');

export function buildGroundTruth(sim: Simulation, sqs?: GroundTruth['sqs']): GroundTruth {
  // distinct records only: the same idempotency_id for one advertiser counts once
  const seen = new Set<string>();
  const byCampaign = new Map<string, Map<string, { acc: Acc; hours: Map<string, { acc: Acc; utc: number }> }>>();
  const byAdvertiserDay = new Map<string, Map<string, Acc>>();
  for (const r of sim.performance) {
    const dedup = `${String(r['advertiser_id'])}\u0000${String(r['idempotency_id'])}`;
    if (seen.has(dedup)) continue;
    seen.add(dedup);
    const dataset = String(r['dataset_id']);
    const product = dataset.slice(0, 2) as AdProduct;
    const w = defaultAttributionWindow(product);
    const period = String(r['time_window_start']);
    const date = period.slice(0, 10);
    const m: Acc = dataset.endsWith('-traffic')
      ? { ...zero(), impressions: num(r['impressions']), clicks: num(r['clicks']), cost: num(r['cost']) }
      : {
          ...zero(),
          orders: num(r[`attributed_conversions_${w}`]),
          sales: num(r[`attributed_sales_${w}`]),
          units: num(r[`attributed_units_ordered_${w}`]),
        };
    const campaignKey = `${String(r['advertiser_id'])}/${String(r['campaign_id'])}`;
    let days = byCampaign.get(campaignKey);
    if (!days) byCampaign.set(campaignKey, (days = new Map()));
    let d = days.get(date);
    if (!d) days.set(date, (d = { acc: zero(), hours: new Map() }));
    add(d.acc, m);
    let h = d.hours.get(period);
    if (!h) d.hours.set(period, (h = { acc: zero(), utc: Date.parse(period) }));
    add(h.acc, m);
    let advDays = byAdvertiserDay.get(String(r['advertiser_id']));
    if (!advDays) byAdvertiserDay.set(String(r['advertiser_id']), (advDays = new Map()));
    let ad = advDays.get(date);
    if (!ad) advDays.set(date, (ad = zero()));
    add(ad, m);
  }

  const byKind: Record<string, number> = {};
  for (const msg of sim.messages) byKind[msg.kind] = (byKind[msg.kind] ?? 0) + 1;

  const latestBudget = new Map<string, { percentage: string; at: string }>();
  for (const b of sim.budgets) {
    const k = `${b.advertiserId}/${b.campaignId}`;
    const prev = latestBudget.get(k);
    if (!prev || b.timestamp >= prev.at)
      latestBudget.set(k, { percentage: toDecimalString(b.percentage), at: b.timestamp });
  }

  const advertisers = sim.advertisers.map((adv) => {
    const advDays = [...(byAdvertiserDay.get(adv.advertiserId) ?? new Map<string, Acc>()).entries()].sort(([a], [b]) =>
      a.localeCompare(b),
    );
    const from = advDays[0]?.[0] ?? '';
    const to = advDays[advDays.length - 1]?.[0] ?? '';
    return {
      advertiserId: adv.advertiserId,
      country: adv.market.country,
      marketplaceId: adv.market.marketplaceId,
      currency: adv.market.currency,
      timeZone: adv.market.timeZone,
      from,
      to,
      days: advDays.map(([date, acc]) => ({ date, ...finish(acc) })),
      campaigns: adv.campaigns.map((c) => {
        const days = [...(byCampaign.get(`${adv.advertiserId}/${c.campaignId}`) ?? new Map()).entries()].sort(
          ([a], [b]) => a.localeCompare(b),
        );
        const total = zero();
        for (const [, d] of days) add(total, d.acc);
        const entity = sim.entities.find((e) => e.advertiserId === adv.advertiserId && e.campaignId === c.campaignId);
        return {
          campaignId: c.campaignId,
          name: c.name,
          adProduct: c.adProduct,
          attributionWindow: defaultAttributionWindow(c.adProduct),
          entity: {
            version: entity?.version ?? 1,
            name: entity?.name ?? c.name,
            dailyBudget: toDecimalString(entity?.budget ?? 0),
            currency: entity?.currency ?? adv.market.currency,
          },
          budgetUsage: latestBudget.get(`${adv.advertiserId}/${c.campaignId}`) ?? null,
          totals: finish(total),
          days: days.map(([date, d]) => ({
            date,
            ...finish(d.acc),
            hours: [...d.hours.entries()]
              .sort(([, a], [, b]) => a.utc - b.utc)
              .map(([period, h]) => ({ period, ...finish(h.acc) })),
          })),
          apiQuery: `/v1/performance?campaignId=${c.campaignId}&from=${from}&to=${to}&granularity=day`,
        };
      }),
    };
  });

  const confirmation = sim.messages.find((m) => m.kind === 'subscription-confirmation');
  return {
    generator: 'ams-sentinel simulator',
    seed: sim.options.seed,
    options: {
      hours: sim.options.hours,
      advertisers: sim.options.advertisers,
      campaigns: sim.options.campaigns,
      end: new Date(sim.options.endMs).toISOString(),
      anomalies: sim.options.anomalies,
      ...(sim.options.realism ? { realism: true as const } : {}),
    },
    ...(sqs ? { sqs } : {}),
    messages: { total: sim.messages.length, byKind, distinctPerformanceRecords: seen.size },
    advertisers,
    budgetRecommendations: sim.recommendations,
    malformed: sim.malformed,
    anomalies: sim.anomalies,
    subscriptionConfirmation: {
      topicArn: confirmation ? String((JSON.parse(confirmation.body) as { TopicArn: string }).TopicArn) : '',
      expected:
        'an Amazon publisher topic (sp-traffic, NA): confirmed through SNS, or recorded as refused when SNS_CONFIRM_ENABLED=false',
    },
  };
}
