import { classifySqsBody, validateRecord } from '@ams/ams';
import { loadFixture } from '@ams/testing';
import { parseCli } from './cli-options';
import { deliveryPlan } from './delivery-order';
import { buildGroundTruth } from './ground-truth';
import { anomalyDate } from './market-scenario';
import { cumulativeRound, simulate, type Simulation } from './traffic-generator';
import { localMidnightUtc, utcOffsetMinutes } from './time-zones';

const END = Date.parse('2025-06-04T12:00:00Z');
const small = (over: Partial<Parameters<typeof simulate>[0]> = {}): Simulation =>
  simulate({ seed: 7, advertisers: 3, campaigns: 5, hours: 30, endMs: END, anomalies: [], ...over });

const bodies = (sim: Simulation, kind?: string) =>
  sim.messages
    .filter((m) => (kind ? m.kind === kind : m.kind !== 'malformed'))
    .map((m) => JSON.parse(m.body) as Record<string, unknown>);
const byDataset = (sim: Simulation, dataset: string) =>
  bodies(sim).filter((b) => b && typeof b === 'object' && b['dataset_id'] === dataset);
const keys = (o: object) => Object.keys(o).sort();

describe('simulate', () => {
  const sim = small({ anomalies: ['ctr-collapse', 'spend-spike', 'out-of-budget'] });

  it('is deterministic for a seed, and different for another', () => {
    const again = small({ anomalies: ['ctr-collapse', 'spend-spike', 'out-of-budget'] });
    expect(again.messages.map((m) => m.body)).toEqual(sim.messages.map((m) => m.body));
    expect(small({ seed: 8 }).messages[5].body).not.toEqual(sim.messages[5].body);
  });

  it('sends bodies the AMS validators accept, except the deliberately malformed ones', () => {
    const malformed = new Set(sim.malformed.map((m) => m.body));
    for (const m of sim.messages) {
      const c = classifySqsBody(m.body);
      if (malformed.has(m.body)) {
        expect(c.kind === 'rejected' || (c.kind === 'records' && c.items.every((i) => !i.ok))).toBe(true);
        continue;
      }
      if (m.kind === 'subscription-confirmation') {
        expect(c).toMatchObject({
          kind: 'subscription-confirmation',
          publisher: { dataset: 'sp-traffic', realm: 'NA' },
        });
        continue;
      }
      expect(c.kind).toBe('records');
      if (c.kind === 'records') expect(c.items.map((i) => (i.ok ? 'ok' : i.reason))).toEqual(['ok']);
    }
  });

  it('quarantines each malformed body with the code the ground truth names', () => {
    expect(sim.malformed).toHaveLength(5);
    for (const bad of sim.malformed) {
      const c = classifySqsBody(bad.body);
      const code =
        c.kind === 'rejected' ? c.code : c.kind === 'records' && !c.items[0].ok ? c.items[0].code : 'accepted';
      expect({ what: bad.what, code }).toEqual({ what: bad.what, code: bad.expectedCode });
    }
  });

  it('uses exactly the field names of the AMS fixtures', () => {
    const fixture = (n: string) => keys(loadFixture(n) as object);
    expect(keys(byDataset(sim, 'sp-traffic')[0])).toEqual(fixture('02'));
    expect(keys(byDataset(sim, 'sp-conversion')[0])).toEqual(fixture('04'));
    expect(keys(byDataset(sim, 'sb-traffic')[0])).toEqual(fixture('06'));
    expect(keys(byDataset(sim, 'sd-conversion')[0])).toEqual(fixture('07'));
    expect(keys(byDataset(sim, 'budget-usage')[0])).toEqual(fixture('05'));
    expect(keys(byDataset(sim, 'campaigns')[0])).toEqual(fixture('08'));
    expect(keys(bodies(sim, 'subscription-confirmation')[0])).toEqual(fixture('01'));
    // sb conversions carry the 14-day window only; sd traffic its view_impressions
    const sbConversion = byDataset(sim, 'sb-conversion')[0];
    expect(Object.keys(sbConversion).filter((k) => /_(1|7|30)d/.test(k))).toEqual([]);
    expect(byDataset(sim, 'sd-traffic')[0]).toHaveProperty('view_impressions');
  });

  it('puts every advertiser in its own time zone with the real offsets', () => {
    const offsets = (advertiser: string) =>
      new Set(
        bodies(sim)
          .filter((b) => b['advertiser_id'] === advertiser && typeof b['time_window_start'] === 'string')
          .map((b) => String(b['time_window_start']).slice(19)),
      );
    const [us, de, jp] = sim.advertisers.map((a) => a.advertiserId);
    expect([...offsets(us)]).toEqual(['-07:00']);
    expect([...offsets(de)]).toEqual(['+02:00']);
    expect([...offsets(jp)]).toEqual(['+09:00']);
    const winter = small({ endMs: Date.parse('2025-01-15T12:00:00Z'), advertisers: 2, campaigns: 1 });
    const winterOffsets = new Set(
      bodies(winter).map((b) =>
        typeof b['time_window_start'] === 'string' ? String(b['time_window_start']).slice(19) : null,
      ),
    );
    expect(winterOffsets).toEqual(new Set([null, '-08:00', '+01:00']));
  });

  it('gives the US and German DST days 23 and 25 hours', () => {
    const spring = buildGroundTruth(
      small({ endMs: Date.parse('2025-03-11T00:00:00Z'), hours: 60, advertisers: 1, campaigns: 1 }),
    );
    const usDays = spring.advertisers[0].campaigns[0].days;
    expect(usDays.find((d) => d.date === '2025-03-09')?.hours).toHaveLength(23);
    expect(usDays.find((d) => d.date === '2025-03-08')?.hours).toHaveLength(24);
    expect(usDays.find((d) => d.date === '2025-03-09')?.hours.map((h) => h.period.slice(11))).toContain(
      '03:00:00-07:00',
    );
    const autumn = buildGroundTruth(
      small({ endMs: Date.parse('2025-10-27T12:00:00Z'), hours: 40, advertisers: 2, campaigns: 1 }),
    );
    expect(autumn.advertisers[1].campaigns[0].days.find((d) => d.date === '2025-10-26')?.hours).toHaveLength(25);
    expect(utcOffsetMinutes('Europe/Berlin', Date.parse('2025-10-26T00:30:00Z'))).toBe(120);
    expect(utcOffsetMinutes('Europe/Berlin', Date.parse('2025-10-26T01:30:00Z'))).toBe(60);
  });

  it('starts each advertiser at a local midnight, so only the last simulated day is partial', () => {
    for (const a of sim.advertisers) {
      const midnight = new Date(a.startMs + utcOffsetMinutes(a.market.timeZone, a.startMs) * 60_000).toISOString();
      expect(midnight.slice(11)).toBe('00:00:00.000Z');
      expect(a.startMs).toBeLessThanOrEqual(END - 30 * 3_600_000);
    }
    expect(localMidnightUtc('Asia/Tokyo', '2025-06-04')).toBe(Date.parse('2025-06-03T15:00:00Z'));
  });

  it('re-sends some records unchanged (duplicates) and restates others with new ids and negative deltas', () => {
    const dupes = bodies(sim, 'duplicate');
    expect(dupes.length).toBeGreaterThan(20);
    const original = new Set(sim.messages.filter((m) => m.kind !== 'duplicate').map((m) => m.body));
    for (const m of sim.messages.filter((x) => x.kind === 'duplicate')) expect(original.has(m.body)).toBe(true);
    const corrections = bodies(sim, 'correction');
    expect(corrections.length).toBeGreaterThan(10);
    for (const c of corrections) {
      const negative = Object.entries(c).some(([k, v]) => typeof v === 'number' && v < 0 && k !== 'version');
      expect(negative).toBe(true);
    }
    const ids = sim.performance.map((p) => `${String(p['advertiser_id'])}/${String(p['idempotency_id'])}`);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('sends conversions on the click hour, some of them a day or more later', () => {
    const late = sim.messages.filter((m) => m.kind === 'late-conversion');
    expect(late.length).toBeGreaterThan(10);
    const trafficHours = new Set(
      byDataset(sim, 'sp-traffic').map(
        (b) =>
          `${String(b['ad_group_id'])}/${String(b['keyword_id'])}/${String(b['placement'])}/${String(b['time_window_start'])}`,
      ),
    );
    for (const b of byDataset(sim, 'sp-conversion')) {
      expect(
        trafficHours.has(
          `${String(b['ad_group_id'])}/${String(b['keyword_id'])}/${String(b['placement'])}/${String(b['time_window_start'])}`,
        ),
      ).toBe(true);
    }
    const someLate = late.find(
      (m) =>
        m.at - Date.parse(String((JSON.parse(m.body) as Record<string, unknown>)['time_window_start'])) >=
        20 * 3_600_000,
    );
    expect(someLate).toBeDefined();
  });

  it('reports budget usage at increasing 5 % steps per campaign and day, and runs the out-of-budget campaign dry', () => {
    const usage = sim.budgets.filter((b) => b.campaignId === sim.advertisers[0].campaigns[0].campaignId);
    expect(usage.length).toBeGreaterThan(3);
    for (const u of sim.budgets) expect(Math.floor(u.percentage / 5) * 5).toBeGreaterThanOrEqual(5);
    const truth = buildGroundTruth(sim);
    const oob = sim.anomalies.find((a) => a.kind === 'out-of-budget');
    const campaign = truth.advertisers[0].campaigns.find((c) => c.campaignId === oob?.campaignId);
    expect(Number(campaign?.budgetUsage?.percentage)).toBeGreaterThanOrEqual(100);
    const day = campaign?.days.find((d) => d.date === oob?.date);
    expect(day?.hours.length).toBeLessThan(24); // no traffic once the budget is spent
  });

  it('runs the out-of-budget campaign dry whatever hour of the local day the history ends at', () => {
    // CI runs at any time: the budget alerts the ground truth expects must happen for every end hour
    for (let hour = 0; hour < 24; hour++) {
      const end = Date.parse('2026-11-29T00:00:00Z') + hour * 3_600_000;
      const run = simulate({
        seed: 3,
        advertisers: 2,
        campaigns: 2,
        hours: 8,
        endMs: end,
        anomalies: ['out-of-budget'],
      });
      const oob = run.anomalies.find((a) => a.kind === 'out-of-budget');
      const campaign = buildGroundTruth(run).advertisers[0].campaigns.find((c) => c.campaignId === oob?.campaignId);
      expect({ hour, percentage: Number(campaign?.budgetUsage?.percentage) >= 100 }).toEqual({
        hour,
        percentage: true,
      });
    }
  });

  it("sends Amazon's budget recommendation for the SP campaign that ran out of budget, twice, with its ground truth", () => {
    const run = small({ advertisers: 2, campaigns: 2, anomalies: ['out-of-budget'] });
    const oob = run.anomalies.find((a) => a.kind === 'out-of-budget');
    const campaign = run.advertisers[0].campaigns.find((c) => c.campaignId === oob?.campaignId);
    expect(campaign?.adProduct).toBe('sp');
    const sent = run.messages.filter((m) => m.body.includes('"sp-budget-recommendations"'));
    expect(sent.map((m) => m.kind)).toEqual(['budget-recommendation', 'duplicate']);
    expect(sent[1].body).toBe(sent[0].body); // Amazon's hourly push: the same recommendation again
    expect(keys(JSON.parse(sent[0].body) as object)).toEqual(keys(loadFixture('11')));
    const v = validateRecord(JSON.parse(sent[0].body));
    if (!v.ok || v.record.kind !== 'budget-recommendation') throw new Error('not a recommendation');
    const truth = buildGroundTruth(run).budgetRecommendations;
    expect(truth).toHaveLength(1);
    const [t] = truth;
    expect(t).toMatchObject({
      advertiserId: oob?.advertiserId,
      campaignId: oob?.campaignId,
      cappedOn: oob?.date,
      sends: 2,
    });
    // the ground truth is what the processor stores: the validator's decimal texts
    expect({
      time: v.record.recommendationTime,
      budget: v.record.suggestedBudget,
      sales: [v.record.missedSalesLower, v.record.missedSalesUpper],
      clicks: [v.record.missedClicksLower, v.record.missedClicksUpper],
      window: [v.record.startDate, v.record.endDate],
      pct: v.record.percentTimeInBudget,
    }).toEqual({
      time: t.recommendationTime.replace('Z', '.000Z'),
      budget: t.suggestedBudget,
      sales: [t.missedSales.lower, t.missedSales.upper],
      clicks: [t.missedClicks.lower, t.missedClicks.upper],
      window: [t.startDate, t.endDate],
      pct: t.percentTimeInBudget,
    });
    // the window is the 7 days ending on the day it capped; made once the cap happened, never after the history
    expect(t.endDate).toBe(oob?.date);
    expect(Date.parse(`${t.endDate}T00:00:00Z`) - Date.parse(`${t.startDate}T00:00:00Z`)).toBe(6 * 86_400_000);
    expect(Date.parse(t.recommendationTime)).toBeLessThanOrEqual(END);
    const usage = run.budgets.filter((b) => b.campaignId === t.campaignId && b.percentage >= 100);
    expect(Date.parse(t.recommendationTime)).toBeGreaterThanOrEqual(Date.parse(usage[0].timestamp));
    expect(Number(t.missedSales.lower)).toBeGreaterThan(0);
    expect(Number(t.missedSales.lower)).toBeLessThan(Number(t.missedSales.upper));
    expect(Number(t.percentTimeInBudget)).toBeGreaterThan(0);
    expect(Number(t.percentTimeInBudget)).toBeLessThan(1);
    // none for a campaign that did not cap, nor for an SB one that did (the 3 × 5 scenario's out-of-budget campaign)
    expect(sim.recommendations).toEqual([]);
    expect(sim.anomalies.find((a) => a.kind === 'out-of-budget')?.campaignName).toMatch(/^SB /);
  });

  it('collapses CTR and spikes spend on the anomaly day, against the day before', () => {
    const truth = buildGroundTruth(sim);
    const day = (kind: string) => {
      const a = sim.anomalies.find((x) => x.kind === kind);
      const c = truth.advertisers[0].campaigns.find((x) => x.campaignId === a?.campaignId);
      const i = c?.days.findIndex((d) => d.date === a?.date) ?? -1;
      return { today: c?.days[i], before: c?.days[i - 1] };
    };
    const ctr = day('ctr-collapse');
    expect(ctr.today && ctr.before).toBeTruthy();
    const ratio = (d: { clicks: number; impressions: number } | undefined) => (d ? d.clicks / d.impressions : NaN);
    expect(ratio(ctr.today) / ratio(ctr.before)).toBeLessThan(0.4);
    const spend = day('spend-spike');
    const hours = spend.today?.hours.length ?? 0;
    const sameHours = (d: typeof spend.before) =>
      (d?.hours.slice(0, hours) ?? []).reduce((s, h) => s + Number(h.cost), 0);
    expect(sameHours(spend.today) / sameHours(spend.before)).toBeGreaterThan(2);
    expect(anomalyDate('America/Los_Angeles', Date.parse('2025-06-04T09:00:00Z'))).toBe('2025-06-03'); // 02:00 local: the day before
    expect(anomalyDate('America/Los_Angeles', Date.parse('2025-06-04T19:00:00Z'))).toBe('2025-06-04');
  });

  it('campaign change events carry names and budgets; the latest version is in the ground truth', () => {
    const events = byDataset(sim, 'campaigns');
    expect(events.length).toBeGreaterThanOrEqual(15);
    for (const e of events) {
      const v = validateRecord(e);
      expect(v.ok && v.record.kind === 'entity' && v.record.name && v.record.budgetAmount).toBeTruthy();
    }
    const truth = buildGroundTruth(sim);
    expect(truth.advertisers.flatMap((a) => a.campaigns).some((c) => c.entity.version === 2)).toBe(true);
  });
});

describe('ground truth', () => {
  it('sums money exactly and prints it as the api does', () => {
    const truth = buildGroundTruth(small({ advertisers: 3, campaigns: 2 }));
    const jp = truth.advertisers[2];
    expect(jp.currency).toBe('JPY');
    for (const c of truth.advertisers.flatMap((a) => a.campaigns)) {
      for (const d of c.days) {
        expect(d.cost).toMatch(/^-?\d+\.\d{2,}$/);
        const hourSum = d.hours.reduce((s, h) => s + Math.round(Number(h.cost) * 100), 0);
        expect(Math.round(Number(d.cost) * 100)).toBe(hourSum);
        expect(d.impressions).toBe(d.hours.reduce((s, h) => s + h.impressions, 0));
      }
      expect(c.apiQuery).toMatch(
        new RegExp(
          `^/v1/performance\\?campaignId=${c.campaignId}&from=\\d{4}-\\d{2}-\\d{2}&to=\\d{4}-\\d{2}-\\d{2}&granularity=day$`,
        ),
      );
    }
  });

  it('cumulativeRound keeps running sums within one', () => {
    const values = [0.4, 0.4, 0.4, 2.7, 0.01, 0.99];
    const r = cumulativeRound(values, 0.5);
    let a = 0;
    let b = 0;
    values.forEach((v, i) => {
      a += v;
      b += r[i];
      expect(Math.abs(a + 0.5 - b)).toBeLessThanOrEqual(1);
    });
  });
});

describe('parseCli', () => {
  const now = Date.parse('2025-06-04T12:34:56Z');
  it('has the documented defaults (end = now, rounded down to the hour)', () => {
    expect(parseCli([], now)).toMatchObject({
      hours: 48,
      advertisers: 3,
      campaigns: 5,
      seed: 42,
      speed: null,
      endMs: Date.parse('2025-06-04T12:00:00Z'),
      anomalies: [],
    });
  });
  it('reads every flag', () => {
    expect(
      parseCli(
        [
          '--hours',
          '6',
          '--advertisers=2',
          '--campaigns',
          '3',
          '--seed',
          '9',
          '--speed',
          '500',
          '--end',
          '2025-06-01T10:30:00Z',
          '--out',
          'x.json',
          '--anomaly',
          'ctr-collapse',
          '--anomaly',
          'out-of-budget',
          '--verify',
          '--order',
          'reversed',
          '--repeat',
          '3',
        ],
        now,
      ),
    ).toMatchObject({
      order: 'reversed',
      repeat: 3,
      hours: 6,
      advertisers: 2,
      campaigns: 3,
      seed: 9,
      speed: 500,
      endMs: Date.parse('2025-06-01T10:00:00Z'),
      out: 'x.json',
      anomalies: ['ctr-collapse', 'out-of-budget'],
      verify: true,
    });
  });
  it('names the bad flag', () => {
    expect(parseCli(['--anomaly', 'fire'], now)).toEqual({
      error: expect.stringMatching(/--anomaly must be one of ctr-collapse/),
    });
    expect(parseCli(['--hours', '0'], now)).toEqual({ error: '--hours must be between 1 and 2160' });
    expect(parseCli(['--end', '2025-06-01'], now)).toEqual({ error: expect.stringMatching(/--end must be/) });
    expect(parseCli(['--speed', 'fast'], now)).toEqual({ error: expect.stringMatching(/--speed/) });
    expect(parseCli(['--order', 'random'], now)).toEqual({
      error: '--order must be one of arrival, reversed, shuffled',
    });
    expect(parseCli(['--repeat', '11'], now)).toEqual({ error: '--repeat must be between 1 and 10' });
    expect(parseCli(['--frobnicate'], now)).toEqual({ error: expect.stringMatching(/unknown flag --frobnicate/) });
  });
});

describe('deliveryPlan', () => {
  const sim = simulate({
    seed: 3,
    advertisers: 1,
    campaigns: 2,
    hours: 30,
    endMs: Date.parse('2025-06-04T00:00:00Z'),
    anomalies: [],
  });
  const bodies = sim.messages.map((m) => m.body);
  it('keeps the arrival order by default, and sends everything N times with --repeat', () => {
    expect(deliveryPlan(sim.messages, { order: 'arrival', repeat: 1, seed: 3 })).toEqual(bodies);
    expect(deliveryPlan(sim.messages, { order: 'arrival', repeat: 3, seed: 3 })).toEqual([
      ...bodies,
      ...bodies,
      ...bodies,
    ]);
  });
  it('reversed: every restatement arrives before the record it corrects', () => {
    const plan = deliveryPlan(sim.messages, { order: 'reversed', repeat: 1, seed: 3 });
    expect([...plan].reverse()).toEqual(bodies);
    const corrections = sim.messages.filter((m) => m.kind === 'correction');
    expect(corrections.length).toBeGreaterThan(0);
    const key = (body: string) => {
      const r = JSON.parse(body) as Record<string, unknown>;
      return `${String(r['dataset_id'])}/${String(r['campaign_id'])}/${String(r['ad_id'] ?? r['ad_group_id'])}/${String(r['time_window_start'])}`;
    };
    for (const c of corrections) {
      const originals = sim.messages.filter(
        (m) => (m.kind === 'traffic' || m.kind === 'conversion') && key(m.body) === key(c.body),
      );
      expect(originals.length).toBeGreaterThan(0);
      for (const o of originals) expect(plan.indexOf(o.body)).toBeGreaterThan(plan.indexOf(c.body));
    }
  });
  it('shuffled: the same messages, in another order, the same for the same seed', () => {
    const a = deliveryPlan(sim.messages, { order: 'shuffled', repeat: 2, seed: 3 });
    expect(a).toEqual(deliveryPlan(sim.messages, { order: 'shuffled', repeat: 2, seed: 3 }));
    expect(a).not.toEqual([...bodies, ...bodies]);
    expect([...a].sort()).toEqual([...bodies, ...bodies].sort());
  });
});
