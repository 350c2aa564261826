/**
 * Turns a scenario into the SQS message bodies AMS would deliver, in arrival order: hourly traffic
 * rows (sp/sb/sd), conversions on the click's hour (some of them arriving a day or two later),
 * negative restatements with new idempotency ids, re-sent duplicates, budget usage at 5 % steps,
 * Amazon's budget recommendation for an SP campaign that ran out of budget (sp-budget-recommendations),
 * campaign change events, a subscription confirmation, a few malformed bodies, and the anomalies
 * asked for. Field names are exactly those of the AMS v1 datasets (see libs/ams/fixtures).
 */
import { toDecimalString } from '@ams/ams';
import {
  anomalyTarget,
  buildScenario,
  budgetOn,
  DAILY_RHYTHM,
  meanCtr,
  type AdProduct,
  type Advertiser,
  type AnomalyKind,
  type Campaign,
  type Row,
  type ScenarioOptions,
} from './market-scenario';
import { makeOrders, type Order } from './orders';
import { realisticCampaignHours, type AnomalyFactors, type RealisticHour } from './realism';
import { Rng } from './random';
import { HOUR_MS, localDate, localIso, localMidnightUtc, utcOffsetMinutes } from './time-zones';

export type MessageKind =
  | 'subscription-confirmation'
  | 'campaign'
  | 'traffic'
  | 'conversion'
  | 'late-conversion'
  | 'correction'
  | 'budget-usage'
  | 'budget-recommendation'
  | 'duplicate'
  | 'malformed';

export interface SimMessage {
  /** simulated arrival time (UTC ms): messages are sent in this order */
  at: number;
  seq: number;
  kind: MessageKind;
  body: string;
}

export interface MalformedMessage {
  body: string;
  /** the quarantine code the ingestor/processor should give it */
  expectedCode: 'not-json' | 'not-an-object' | 'unknown-dataset' | 'invalid-record';
  what: string;
}

export interface BudgetMessage {
  advertiserId: string;
  campaignId: string;
  percentage: number;
  timestamp: string;
}

/** An sp-budget-recommendations record sent (the values as in its body; money and estimates as decimal text). */
export interface RecommendationMessage {
  advertiserId: string;
  campaignId: string;
  /** the advertiser-local day the campaign ran out of budget */
  cappedOn: string;
  /** ISO-8601 UTC, as in the body */
  recommendationTime: string;
  suggestedBudget: string;
  missedSales: { lower: string; upper: string };
  missedClicks: { lower: string; upper: string };
  missedImpressions: { lower: string; upper: string };
  startDate: string;
  endDate: string;
  percentTimeInBudget: string;
  /** how many times the same body was sent (Amazon pushes hourly: the same recommendation again is stored once) */
  sends: number;
}

export interface AnomalyInfo {
  kind: AnomalyKind;
  advertiserId: string;
  campaignId: string;
  campaignName: string;
  /** advertiser-local day the anomaly was injected on */
  date: string;
  /** the alerter's default rule(s) expected to fire, with the window */
  expectedAlerts: string[];
  detail: string;
}

export interface Simulation {
  options: ScenarioOptions;
  advertisers: Advertiser[];
  messages: SimMessage[];
  /** every distinct performance record body (what the pipeline must store once) */
  performance: Array<Record<string, unknown>>;
  budgets: BudgetMessage[];
  /** Amazon's budget recommendations sent: one per SP campaign and local day it ran out of budget */
  recommendations: RecommendationMessage[];
  /** latest campaign entity (name, budget, version) per campaign */
  entities: Array<{
    advertiserId: string;
    campaignId: string;
    version: number;
    name: string;
    budget: number;
    currency: string;
    adProduct: AdProduct;
  }>;
  malformed: MalformedMessage[];
  anomalies: AnomalyInfo[];
}

const AD_PRODUCT_NAMES: Record<AdProduct, string> = {
  sp: 'SPONSORED_PRODUCTS',
  sb: 'SPONSORED_BRANDS',
  sd: 'SPONSORED_DISPLAY',
};
/** Probabilities of the irregularities AMS is known for. */
const P_DUPLICATE = 0.03;
const P_TRAFFIC_CORRECTION = 0.04;
const P_RETURN = 0.03;
const P_LATE = 0.45;

/** Rounds a list of non-negative reals to integers whose running sums stay within 1 of the real ones. */
export function cumulativeRound(values: number[], phase: number): number[] {
  let acc = phase;
  return values.map((v) => {
    const before = Math.floor(acc);
    acc += v;
    return Math.floor(acc) - before;
  });
}

function money(minor: number, digits: 0 | 2): number {
  return digits === 0 ? minor : minor / 100;
}

export function simulate(o: ScenarioOptions): Simulation {
  const advertisers = buildScenario(o);
  const messages: SimMessage[] = [];
  const performance: Array<Record<string, unknown>> = [];
  const budgets: BudgetMessage[] = [];
  const recommendations: RecommendationMessage[] = [];
  const entities: Simulation['entities'] = [];
  const anomalies: AnomalyInfo[] = [];
  let seq = 0;
  const latest = o.endMs + 30 * 60_000;
  const push = (at: number, kind: MessageKind, body: unknown) => {
    messages.push({
      at: Math.min(at, latest),
      seq: seq++,
      kind,
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  };
  const maybeDuplicate = (rng: Rng, at: number, body: unknown) => {
    if (rng.chance(P_DUPLICATE)) push(at + rng.between(0, 6) * HOUR_MS, 'duplicate', body);
  };
  const earliest = Math.min(...advertisers.map((a) => a.startMs));

  // ---- the subscription confirmation comes first (sp-traffic, NA: Amazon's publisher account)
  const srng = Rng.of(o.seed, 'subscription');
  const topicArn = 'arn:aws:sns:us-east-1:906013806264:AmazonMarketingStream-sp-traffic-NA';
  const token = srng.hex(256);
  push(earliest - 2 * HOUR_MS, 'subscription-confirmation', {
    Type: 'SubscriptionConfirmation',
    MessageId: srng.uuid(),
    Token: token,
    TopicArn: topicArn,
    Message: `You have chosen to subscribe to the topic ${topicArn}.\nTo confirm the subscription, visit the SubscribeURL included in this message.`,
    SubscribeURL: `https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=${topicArn}&Token=${token}`,
    Timestamp: new Date(earliest - 2 * HOUR_MS).toISOString(),
    SignatureVersion: '1',
    Signature: `SIMULATED${srng.hex(64)}`,
    SigningCertURL: 'https://sns.us-east-1.amazonaws.com/SimpleNotificationService-SIMULATED.pem',
  });

  for (const adv of advertisers) {
    const m = adv.market;
    for (const c of adv.campaigns) {
      // ---- campaign change events: the campaign as created, then a budget change
      const created = new Date(adv.startMs - 30 * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const campaignEvent = (version: number, budgetMinor: number, at: number) => ({
        dataset_id: 'campaigns',
        advertiser_id: adv.advertiserId,
        marketplace_id: m.marketplaceId,
        version,
        campaignId: c.campaignId,
        accountId: adv.accountId,
        portfolioId: c.portfolioId,
        adProduct: AD_PRODUCT_NAMES[c.adProduct],
        productLocation: 'SOLD_ON_AMAZON',
        name: c.name,
        startDateTime: created,
        endDateTime: null,
        state: 'ENABLED',
        tags: { simulator: 'ams-sentinel' },
        targetingSettings: c.adProduct === 'sp' ? 'MANUAL' : null,
        budget: {
          budgetCap: {
            monetaryBudget: { amount: money(budgetMinor, m.minorDigits), currencyCode: m.currency },
            recurrence: { recurrenceType: 'DAILY' },
          },
        },
        bidSetting: {
          bidStrategy: 'LEGACY_FOR_SALES',
          placementBidAdjustment: [{ placement: 'PLACEMENT_TOP', percentage: 25.0 }],
        },
        audit: { creationDateTime: created, lastUpdatedDateTime: new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z') },
      });
      push(adv.startMs - HOUR_MS, 'campaign', campaignEvent(1, c.budgetMinor, adv.startMs - HOUR_MS));
      let entity = { version: 1, budgetMinor: c.budgetMinor };
      if (c.budgetChange) {
        const changeAt = localMidnightUtc(m.timeZone, c.budgetChange.fromDate) - 10 * 60_000;
        if (changeAt < o.endMs) {
          push(changeAt, 'campaign', campaignEvent(2, c.budgetChange.budgetMinor, changeAt));
          entity = { version: 2, budgetMinor: c.budgetChange.budgetMinor };
        }
      }
      entities.push({
        advertiserId: adv.advertiserId,
        campaignId: c.campaignId,
        version: entity.version,
        name: c.name,
        budget: money(entity.budgetMinor, m.minorDigits),
        currency: m.currency,
        adProduct: c.adProduct,
      });

      generateCampaign(o, adv, c, { push, maybeDuplicate, performance, budgets, recommendations });

      for (const kind of c.anomalies) {
        anomalies.push({
          kind,
          advertiserId: adv.advertiserId,
          campaignId: c.campaignId,
          campaignName: c.name,
          date: adv.anomalyDate,
          ...describeAnomaly(kind, adv.anomalyDate),
        });
      }
    }
  }

  // ---- a few bodies the pipeline must quarantine, not lose
  const malformed = malformedBodies(advertisers[0], Rng.of(o.seed, 'malformed'));
  const mrng = Rng.of(o.seed, 'malformed-times');
  for (const bad of malformed) push(mrng.between(earliest, o.endMs), 'malformed', bad.body);

  messages.sort((a, b) => a.at - b.at || a.seq - b.seq);
  return { options: o, advertisers, messages, performance, budgets, recommendations, entities, malformed, anomalies };
}

function describeAnomaly(kind: AnomalyKind, date: string): { expectedAlerts: string[]; detail: string } {
  const window = `${date} (local day)`;
  switch (kind) {
    case 'ctr-collapse':
      return {
        expectedAlerts: [`CTR drop (ctr-drop), ${window}`],
        detail: 'clicks fall to a quarter at the same impressions: CTR -75 % against the day before',
      };
    case 'spend-spike':
      return {
        expectedAlerts: [`Spend spike (spend-spike), ${window}`],
        detail: 'cost per click x2.5 at the same clicks: spend +150 % against the day before',
      };
    case 'out-of-budget':
      return {
        expectedAlerts: [
          `budget nearly spent (budget-warning-campaign)`,
          `out of budget (budget-out-campaign)`,
          `Spend spike (spend-spike), ${window}`,
        ],
        detail:
          'at least three times the usual traffic until the daily budget is spent, then none for the rest of the day',
      };
  }
}

/**
 * The out-of-budget campaign's traffic multiplier on its anomaly day: at least 3, and enough that the day's simulated
 * hours spend 1.5 × the day's budget at the usual CTR and CPC. The budget then runs out whatever hour of the local day
 * the history ends at: with a flat 3 it ran out only when the whole day was simulated (a day of its first 6 night
 * hours needs ~50×), so the expected budget alerts depended on the time of day a run started.
 */
function outOfBudgetFactor(o: ScenarioOptions, adv: Advertiser, c: Campaign): number {
  const tz = adv.market.timeZone;
  let rhythm = 0;
  for (let h = adv.startMs; h < o.endMs; h += HOUR_MS) {
    const offset = utcOffsetMinutes(tz, h);
    if (localDate(h, offset) === adv.anomalyDate) rhythm += DAILY_RHYTHM[Number(localIso(h, offset).slice(11, 13))];
  }
  const expectedMinor = c.hourlyImpressions * rhythm * meanCtr(c.rows) * c.cpcMinor;
  return expectedMinor > 0 ? Math.max(3, Math.ceil((1.5 * budgetOn(c, adv.anomalyDate)) / expectedMinor)) : 3;
}

function anomalyFactors(anomalous: readonly AnomalyKind[], outOfBudget: number): AnomalyFactors {
  return {
    impressions: anomalous.includes('out-of-budget') ? outOfBudget : 1,
    ctr: anomalous.includes('ctr-collapse') ? 0.25 : 1,
    cpc: anomalous.includes('spend-spike') ? 2.5 : 1,
  };
}

interface RowSplit {
  impressions: number[];
  clicks: number[];
  costMinor: number[];
  orders: Order[][];
}

/** A realistic campaign-hour's totals shared over the rows: impressions by share, clicks by expected clicks, cost
 * and orders by clicks; every total is kept exactly. */
function splitOverRows(rows: readonly Row[], hour: RealisticHour): RowSplit {
  const impressions = cumulativeRound(
    rows.map((r) => hour.impressions * r.share),
    0.5,
  );
  const weights = rows.map((r, i) => impressions[i] * r.ctr);
  const total = weights.reduce((s, w) => s + w, 0);
  const clicks =
    total > 0
      ? cumulativeRound(
          weights.map((w) => (hour.clicks * w) / total),
          0.5,
        ).map((k, i) => Math.min(k, impressions[i]))
      : rows.map(() => 0);
  // a click a row could not take (more clicks than impressions) goes to the row with the most impressions
  const lost = hour.clicks - clicks.reduce((s, k) => s + k, 0);
  if (lost > 0) clicks[impressions.indexOf(Math.max(...impressions))] += lost;
  const byClicks = (n: number) =>
    hour.clicks > 0
      ? cumulativeRound(
          clicks.map((k) => (n * k) / hour.clicks),
          0.5,
        )
      : rows.map(() => 0);
  const costMinor = byClicks(hour.costMinor);
  let next = 0;
  const orders = byClicks(hour.orders.length).map((n) => hour.orders.slice(next, (next += n)));
  return { impressions, clicks, costMinor, orders };
}

interface Sinks {
  push: (at: number, kind: MessageKind, body: unknown) => void;
  maybeDuplicate: (rng: Rng, at: number, body: unknown) => void;
  performance: Array<Record<string, unknown>>;
  budgets: BudgetMessage[];
  recommendations: RecommendationMessage[];
}

/** How many times Amazon's hourly push sends the same recommendation in the simulation (stored once). */
const RECOMMENDATION_SENDS = 2;

/**
 * Amazon's budget recommendation for an SP campaign that ran out of budget in the hour starting `h` (local hour
 * `localHour` of `date`), made at the end of that hour (never after the history's end): a budget 1.5 × the day's, and the impressions, clicks and sales the
 * rest of the day would have brought at the campaign's usual pace (−20 % … +30 %), over the 7-day window ending that
 * day (only that day capped in it). Deterministic (no random draw): the other messages stay exactly as they were.
 */
function recommendationFor(
  adv: Advertiser,
  c: Campaign,
  date: string,
  localHour: number,
  h: number,
  budgetMinor: number,
): { at: number; body: Record<string, unknown>; truth: RecommendationMessage } {
  const m = adv.market;
  const rest = DAILY_RHYTHM.slice(localHour + 1).reduce((s, x) => s + x, 0);
  const impressions = c.hourlyImpressions * rest;
  const clicks = impressions * meanCtr(c.rows);
  const meanPrice = c.pricesMinor.reduce((s, p) => s + p, 0) / c.pricesMinor.length;
  const salesMinor = clicks * c.cvr * meanPrice;
  const at = h + HOUR_MS;
  const recommendationTime = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const startDate = new Date(Date.parse(`${date}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  const hoursOut = 24 - (localHour + 1);
  const percent = Math.round((1 - hoursOut / (7 * 24)) * 100) / 100;
  const body = {
    dataset_id: 'sp-budget-recommendations',
    marketplace_id: m.marketplaceId,
    advertiser_id: adv.advertiserId,
    recommendation_time: recommendationTime,
    campaign_id: c.campaignId,
    suggested_budget: money(Math.round(budgetMinor * 1.5), m.minorDigits),
    reason_for_suggestion: 'The campaign ran out of budget before the end of the day in the last 7 days',
    estimated_missed_sales_lower: money(Math.round(salesMinor * 0.8), m.minorDigits),
    estimated_missed_sales_upper: money(Math.round(salesMinor * 1.3), m.minorDigits),
    estimated_missed_clicks_lower: Math.round(clicks * 0.8),
    estimated_missed_clicks_upper: Math.round(clicks * 1.3),
    estimated_missed_impressions_lower: Math.round(impressions * 0.8),
    estimated_missed_impressions_upper: Math.round(impressions * 1.3),
    start_date: startDate,
    end_date: date,
    percent_time_in_budget: percent,
  };
  const text = (v: unknown) => toDecimalString(v as number);
  return {
    at,
    body,
    truth: {
      advertiserId: adv.advertiserId,
      campaignId: c.campaignId,
      cappedOn: date,
      recommendationTime,
      suggestedBudget: text(body.suggested_budget),
      missedSales: { lower: text(body.estimated_missed_sales_lower), upper: text(body.estimated_missed_sales_upper) },
      missedClicks: {
        lower: text(body.estimated_missed_clicks_lower),
        upper: text(body.estimated_missed_clicks_upper),
      },
      missedImpressions: {
        lower: text(body.estimated_missed_impressions_lower),
        upper: text(body.estimated_missed_impressions_upper),
      },
      startDate,
      endDate: date,
      percentTimeInBudget: text(percent),
      sends: RECOMMENDATION_SENDS,
    },
  };
}

function generateCampaign(o: ScenarioOptions, adv: Advertiser, c: Campaign, sink: Sinks): void {
  const m = adv.market;
  const key = {
    marketplace_id: m.marketplaceId,
    currency: m.currency,
    advertiser_id: adv.advertiserId,
    campaign_id: c.campaignId,
  };
  let day = '';
  let spentMinor = 0;
  let stepsReported = 0;
  const outOfBudget = c.anomalies.includes('out-of-budget') ? outOfBudgetFactor(o, adv, c) : 1;
  // --realism: the campaign's hours come from realism.ts (already cut at the budget), split here over the rows
  const realistic = c.realism
    ? new Map(
        realisticCampaignHours(o, adv, c, (date) =>
          anomalyFactors(date === adv.anomalyDate ? c.anomalies : [], outOfBudget),
        ).map((x) => [x.h, x]),
      )
    : null;
  for (let h = adv.startMs; h < o.endMs; h += HOUR_MS) {
    const offset = utcOffsetMinutes(m.timeZone, h);
    const date = localDate(h, offset);
    const localHour = Number(localIso(h, offset).slice(11, 13));
    const window = localIso(h, offset);
    if (date !== day) {
      day = date;
      spentMinor = 0;
      stepsReported = 0;
    }
    const budgetMinor = budgetOn(c, date);
    const anomalous = date === adv.anomalyDate ? c.anomalies : [];
    // an hour's records (idempotency ids included) are a function of the seed, the campaign, the hour and its
    // anomalies only: a re-run repeats them exactly, and an id never comes back with other numbers
    const rng = Rng.of(o.seed, c.campaignId, h, anomalous.join('+'));
    // out of budget: the campaign stops serving until the next local day
    if (anomalous.includes('out-of-budget') && spentMinor >= budgetMinor) continue;
    const { impressions: impressionsFactor, ctr: ctrFactor, cpc: cpcFactor } = anomalyFactors(anomalous, outOfBudget);

    let impressions: number[];
    let clicks: number[];
    let orders: number[];
    let split: RowSplit | null = null;
    if (realistic) {
      const hour = realistic.get(h);
      if (!hour) continue; // the budget ran out earlier this day
      split = splitOverRows(c.rows, hour);
      ({ impressions, clicks } = split);
      orders = split.orders.map((x) => x.length);
    } else {
      const hourLevel = c.hourlyImpressions * DAILY_RHYTHM[localHour] * rng.between(0.96, 1.04) * impressionsFactor;
      impressions = cumulativeRound(
        c.rows.map((r) => hourLevel * r.share * rng.between(0.93, 1.07)),
        rng.next(),
      );
      clicks = cumulativeRound(
        c.rows.map((r, i) => impressions[i] * r.ctr * ctrFactor * rng.between(0.95, 1.05)),
        rng.next(),
      );
      orders = cumulativeRound(
        clicks.map((k) => k * c.cvr),
        rng.next(),
      );
    }
    const trafficAt = h + HOUR_MS + rng.between(5, 55) * 60_000;

    c.rows.forEach((row, i) => {
      if (impressions[i] === 0) return;
      const costMinor = split
        ? split.costMinor[i]
        : Math.round(clicks[i] * c.cpcMinor * cpcFactor * rng.between(0.85, 1.15));
      spentMinor += costMinor;
      const traffic = trafficBody(
        c.adProduct,
        rng,
        key,
        row,
        window,
        impressions[i],
        clicks[i],
        money(costMinor, m.minorDigits),
      );
      sink.performance.push(traffic);
      sink.push(trafficAt, 'traffic', traffic);
      sink.maybeDuplicate(rng, trafficAt, traffic);

      // a restatement: an invalidated click, as a new record with negative deltas
      if (clicks[i] >= 2 && rng.chance(P_TRAFFIC_CORRECTION)) {
        const costBack = Math.round(costMinor / clicks[i]);
        const correction = trafficBody(
          c.adProduct,
          rng,
          key,
          row,
          window,
          -Math.min(impressions[i] - 1, rng.int(0, 15)),
          -1,
          -money(costBack, m.minorDigits),
        );
        const at = h + rng.between(3, 70) * HOUR_MS;
        sink.performance.push(correction);
        sink.push(at, 'correction', correction);
        sink.maybeDuplicate(rng, at, correction);
      }

      if (orders[i] === 0) return;
      const all = split ? split.orders[i] : makeOrders(rng, orders[i], c.pricesMinor);
      const late = all.filter((x) => x.window >= 14 || (x.window === 7 && rng.chance(P_LATE)));
      const early = all.filter((x) => !late.includes(x));
      // A replay sends hours of history within seconds, and the alerter judges settled days as they fill: a
      // day whose traffic landed before its conversions would look like an ACOS spike that is not there.
      // So an hour's conversions go just before its traffic; the late ones still come a day or two later.
      for (const [part, kind, at] of [
        [early, 'conversion', trafficAt - 1],
        [late, 'late-conversion', h + rng.between(20, 60) * HOUR_MS],
      ] as const) {
        if (part.length === 0) continue;
        const body = conversionBody(c.adProduct, rng, key, row, window, part, m.minorDigits, 1);
        sink.performance.push(body);
        sink.push(at, kind, body);
        sink.maybeDuplicate(rng, at, body);
      }
      // a return: one order taken back from the 7-day window on
      const returnable = all.find((x) => x.window <= 7);
      if (returnable && c.adProduct !== 'sb' && rng.chance(P_RETURN)) {
        const body = conversionBody(
          c.adProduct,
          rng,
          key,
          row,
          window,
          [{ ...returnable, window: 7 }],
          m.minorDigits,
          -1,
        );
        const at = h + rng.between(30, 70) * HOUR_MS;
        sink.performance.push(body);
        sink.push(at, 'correction', body);
        sink.maybeDuplicate(rng, at, body);
      }
    });

    // ---- budget usage: one message per 5 % step crossed in this hour
    const pct = (spentMinor / budgetMinor) * 100;
    const steps = Math.floor(pct / 5);
    for (let s = stepsReported + 1; s <= steps; s++) {
      const at = h + HOUR_MS * ((s - stepsReported) / (steps - stepsReported + 1));
      const percentage = Math.round(Math.min(pct, s * 5 + rng.between(0, 0.9)) * 100) / 100;
      const timestamp = new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z');
      const body = {
        advertiser_id: adv.advertiserId,
        marketplace_id: m.marketplaceId,
        dataset_id: 'budget-usage',
        budget_scope_id: c.campaignId,
        budget_scope_type: 'CAMPAIGN',
        advertising_product_type: c.adProduct,
        budget: money(budgetMinor, m.minorDigits),
        budget_usage_percentage: percentage,
        usage_updated_timestamp: timestamp,
      };
      sink.budgets.push({ advertiserId: adv.advertiserId, campaignId: c.campaignId, percentage, timestamp });
      sink.push(at + 60_000, 'budget-usage', body);
      sink.maybeDuplicate(rng, at + 60_000, body);
    }
    // ---- Amazon's recommendation for an SP campaign that ran out of budget in this hour (pushed hourly: twice)
    if (c.adProduct === 'sp' && steps >= 20 && stepsReported < 20) {
      const rec = recommendationFor(adv, c, date, localHour, h, budgetMinor);
      for (let i = 0; i < RECOMMENDATION_SENDS; i++) {
        sink.push(rec.at + i * HOUR_MS, i === 0 ? 'budget-recommendation' : 'duplicate', rec.body);
      }
      sink.recommendations.push(rec.truth);
    }
    stepsReported = Math.max(stepsReported, steps);
  }
}

type Key = { marketplace_id: string; currency: string; advertiser_id: string; campaign_id: string };

/** The row's keys; conversion records carry the ids and placement but not the keyword / targeting texts. */
function dimensions(adProduct: AdProduct, row: Row, conversion = false): Record<string, unknown> {
  if (adProduct === 'sp') {
    return conversion
      ? { keyword_id: row.targetId, placement: row.placement }
      : { keyword_id: row.targetId, keyword_text: row.text, match_type: row.matchType, placement: row.placement };
  }
  if (adProduct === 'sb') {
    return conversion
      ? { keyword_id: row.targetId, placement_type: row.placement }
      : {
          keyword_id: row.targetId,
          keyword_text: row.text,
          keyword_type: row.matchType,
          placement_type: row.placement,
        };
  }
  return conversion ? { target_id: row.targetId } : { target_id: row.targetId, targeting_text: row.text };
}

function trafficBody(
  adProduct: AdProduct,
  rng: Rng,
  key: Key,
  row: Row,
  window: string,
  impressions: number,
  clicks: number,
  cost: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    idempotency_id: rng.uuid(),
    dataset_id: `${adProduct}-traffic`,
    ...key,
    ad_group_id: row.adGroupId,
    ad_id: row.adId,
    ...dimensions(adProduct, row),
    time_window_start: window,
    clicks,
    impressions,
    cost,
  };
  if (adProduct === 'sb') body['viewable_impressions'] = Math.round(impressions * 0.64);
  if (adProduct === 'sd') body['view_impressions'] = Math.round(impressions * 0.58);
  return body;
}

/** A conversion record holding `orders`; `sign` -1 makes it a return (negative deltas). */
function conversionBody(
  adProduct: AdProduct,
  rng: Rng,
  key: Key,
  row: Row,
  window: string,
  orders: Order[],
  digits: 0 | 2,
  sign: 1 | -1,
): Record<string, unknown> {
  const sum = (w: number, f: (o: Order) => number, filter: (o: Order) => boolean = () => true) =>
    sign * orders.filter((o) => o.window <= w && filter(o)).reduce((s, o) => s + f(o), 0);
  const sales = (w: number, filter?: (o: Order) => boolean) =>
    money(
      sum(w, (o) => o.salesMinor, filter),
      digits,
    );
  const body: Record<string, unknown> = {
    idempotency_id: rng.uuid(),
    dataset_id: `${adProduct}-conversion`,
    ...key,
    ad_group_id: row.adGroupId,
    ad_id: row.adId,
    ...dimensions(adProduct, row, true),
    time_window_start: window,
  };
  const sameSku = (o: Order) => o.sameSku;
  const ntb = (o: Order) => o.newToBrand;
  if (adProduct === 'sb') {
    // Sponsored Brands reports the 14-day window only
    Object.assign(body, {
      attributed_conversions_14d: sum(14, () => 1),
      attributed_conversions_14d_same_sku: sum(14, () => 1, sameSku),
      attributed_sales_14d: sales(14),
      attributed_sales_14d_same_sku: sales(14, sameSku),
      attributed_units_ordered_14d: sum(14, (o) => o.units),
      attributed_orders_new_to_brand_14d: sum(14, () => 1, ntb),
      attributed_sales_new_to_brand_14d: sales(14, ntb),
      attributed_units_ordered_new_to_brand_14d: sum(14, (o) => o.units, ntb),
    });
    return body;
  }
  for (const w of [1, 7, 14, 30]) body[`attributed_conversions_${w}d`] = sum(w, () => 1);
  for (const w of [1, 7, 14, 30]) body[`attributed_conversions_${w}d_same_sku`] = sum(w, () => 1, sameSku);
  for (const w of [1, 7, 14, 30]) body[`attributed_sales_${w}d`] = sales(w);
  for (const w of [1, 7, 14, 30]) body[`attributed_sales_${w}d_same_sku`] = sales(w, sameSku);
  for (const w of [1, 7, 14, 30]) body[`attributed_units_ordered_${w}d`] = sum(w, (o) => o.units);
  if (adProduct === 'sp') {
    for (const w of [1, 7, 14, 30]) body[`attributed_units_ordered_${w}d_same_sku`] = sum(w, (o) => o.units, sameSku);
  } else {
    Object.assign(body, {
      view_attributed_conversions_14d: 0,
      view_attributed_sales_14d: 0,
      view_attributed_units_ordered_14d: 0,
      attributed_orders_new_to_brand_14d: sum(14, () => 1, ntb),
      attributed_sales_new_to_brand_14d: sales(14, ntb),
      attributed_units_ordered_new_to_brand_14d: sum(14, (o) => o.units, ntb),
      view_attributed_orders_new_to_brand_14d: 0,
      view_attributed_sales_new_to_brand_14d: 0,
      view_attributed_units_ordered_new_to_brand_14d: 0,
    });
  }
  return body;
}

function malformedBodies(adv: Advertiser, rng: Rng): MalformedMessage[] {
  const c = adv.campaigns[0];
  const m = adv.market;
  const base = {
    idempotency_id: rng.uuid(),
    dataset_id: 'sp-traffic',
    marketplace_id: m.marketplaceId,
    currency: m.currency,
    advertiser_id: adv.advertiserId,
    campaign_id: c.campaignId,
    ad_group_id: c.rows[0].adGroupId,
    ad_id: c.rows[0].adId,
    keyword_id: c.rows[0].targetId,
    time_window_start: localIso(adv.startMs, utcOffsetMinutes(m.timeZone, adv.startMs)),
    clicks: 3,
    impressions: 120,
    cost: 2.5,
  };
  const truncated = JSON.stringify(base);
  return [
    {
      body: truncated.slice(0, Math.floor(truncated.length / 2)),
      expectedCode: 'not-json',
      what: 'a record cut off in the middle',
    },
    { body: JSON.stringify('sp-traffic'), expectedCode: 'not-an-object', what: 'a JSON string instead of a record' },
    {
      body: JSON.stringify({ ...base, idempotency_id: rng.uuid(), dataset_id: 'sp-trafic' }),
      expectedCode: 'unknown-dataset',
      what: 'a misspelt dataset_id',
    },
    {
      body: JSON.stringify({ ...base, idempotency_id: rng.uuid(), clicks: 'three' }),
      expectedCode: 'invalid-record',
      what: 'clicks as a string',
    },
    {
      body: JSON.stringify({
        ...base,
        idempotency_id: rng.uuid(),
        time_window_start: base.time_window_start.slice(0, 19),
      }),
      expectedCode: 'invalid-record',
      what: 'time_window_start without its UTC offset',
    },
  ];
}

export { anomalyTarget };
