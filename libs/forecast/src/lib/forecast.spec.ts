import {
  HOURS,
  addDays,
  buildProfile,
  countQuantiles,
  emptySeries,
  estimateCapCost,
  fitCampaign,
  fitProfiles,
  forecastHours,
  formatMoney,
  gammaCdf,
  gammaQuantile,
  METRICS,
  projectPacing,
  seasonalNaive,
  seriesFromRows,
  sumSeries,
  type HourlySeries,
  type PacingInput,
} from '../index';

/** mulberry32: a tiny seeded PRNG, so every property run is the same run */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function poisson(rnd: () => number, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = rnd();
  while (p > limit) {
    k++;
    p *= rnd();
  }
  return k;
}
const RHYTHM = [
  0.3, 0.22, 0.18, 0.16, 0.16, 0.2, 0.32, 0.5, 0.7, 0.85, 0.95, 1.0, 1.05, 1.05, 1.0, 1.0, 1.05, 1.15, 1.3, 1.45, 1.5,
  1.35, 0.95, 0.55,
];
/** `days` days of Poisson clicks with the rhythm above, spend = clicks × cpc, an order per 10 clicks */
function randomSeries(rnd: () => number, days: number, clicksPerDay: number, cpc = 0.8): HourlySeries {
  const s = emptySeries('2026-01-05', days);
  const sum = RHYTHM.reduce((a, b) => a + b, 0);
  for (let i = 0; i < days * HOURS; i++) {
    const c = poisson(rnd, (clicksPerDay * RHYTHM[i % HOURS]) / sum);
    s.clicks[i] = c;
    s.spend[i] = c * cpc;
    s.orders[i] = poisson(rnd, c / 10);
    s.sales[i] = s.orders[i] * 30;
  }
  return s;
}
function flatSeries(days: number, perHour: number): HourlySeries {
  const s = emptySeries('2026-01-05', days);
  for (const m of METRICS) s[m].fill(perHour);
  return s;
}
const sumTo1 = (shares: Float64Array, dow: number) =>
  shares.subarray(dow * HOURS, dow * HOURS + HOURS).reduce((a, b) => a + b, 0);

describe('hour-of-week profiles', () => {
  it('sum to 1 for every weekday, whatever the history (property, 60 random histories)', () => {
    const rnd = prng(1);
    for (let run = 0; run < 60; run++) {
      const s = randomSeries(rnd, 35, Math.exp(rnd() * 8));
      // missing hours, capped days, negative restatements
      for (let k = 0; k < 20; k++) s.clicks[Math.floor(rnd() * s.clicks.length)] = NaN;
      (s.cappedAt as Float64Array)[Math.floor(rnd() * 35)] = 10 + rnd() * 10;
      const p = buildProfile(s, 'clicks', { asOfDay: 28 + Math.floor(rnd() * 7) });
      for (let d = 0; d < 7; d++) expect(sumTo1(p.shares, d)).toBeCloseTo(1, 9);
      for (const x of p.shares) expect(x).toBeGreaterThanOrEqual(0);
    }
  });

  it('learns the rhythm of a large campaign, and is not moved by one promotion day', () => {
    const s = randomSeries(prng(2), 28, 5000);
    const before = buildProfile(s, 'clicks', { asOfDay: 28 });
    // a promotion Monday: ten times the traffic, all of it in the morning
    for (let h = 6; h < 12; h++) s.clicks[7 * HOURS + h] *= 10;
    const after = buildProfile(s, 'clicks', { asOfDay: 28 });
    const sum = RHYTHM.reduce((a, b) => a + b, 0);
    for (let h = 0; h < HOURS; h++) {
      expect(before.shares[1 * HOURS + h]).toBeCloseTo(RHYTHM[h] / sum, 2);
      expect(Math.abs(after.shares[1 * HOURS + h] - before.shares[1 * HOURS + h])).toBeLessThan(0.006);
    }
  });

  it('leaves out days with missing hours (not zero days), and falls back to the parent when young', () => {
    const s = randomSeries(prng(3), 28, 2000);
    const full = buildProfile(s, 'clicks', { asOfDay: 28 });
    // every day loses its evening hours: no complete day is left, so the young rule applies
    for (let d = 0; d < 28; d++) for (let h = 18; h < 24; h++) s.clicks[d * HOURS + h] = NaN;
    const parent = fitProfiles(randomSeries(prng(4), 28, 1000), { asOfDay: 28, level: 'advertiser' });
    const partial = buildProfile(s, 'clicks', { asOfDay: 28, parent: parent.clicks });
    expect(partial.source).toBe('advertiser');
    expect(partial.shares).toBe(parent.clicks.shares);
    // half of the days intact: still its own profile, the evening not zero
    const half = randomSeries(prng(3), 28, 2000);
    for (let d = 0; d < 28; d += 2) for (let h = 18; h < 24; h++) half.clicks[d * HOURS + h] = NaN;
    const p = buildProfile(half, 'clicks', { asOfDay: 28 });
    expect(p.source).toBe('campaign');
    for (let h = 18; h < 24; h++) expect(p.shares[2 * HOURS + h]).toBeCloseTo(full.shares[2 * HOURS + h], 2);
  });

  it('uses the parent for a young campaign: campaign → advertiser → global → flat', () => {
    const young = randomSeries(prng(5), 5, 500);
    const global = fitProfiles(randomSeries(prng(6), 28, 900), { asOfDay: 28, level: 'global' });
    const advertiser = fitProfiles(randomSeries(prng(7), 3, 900), { asOfDay: 3, parent: global, level: 'advertiser' });
    expect(advertiser.spend.source).toBe('global');
    const campaign = fitProfiles(young, { asOfDay: 5, parent: advertiser });
    expect(campaign.spend.source).toBe('global');
    expect(fitProfiles(young, { asOfDay: 5 }).clicks.source).toBe('flat');
  });
});

describe('expected performance', () => {
  it('forecasts a flat history flat', () => {
    const s = flatSeries(35, 50);
    const model = fitCampaign(s, { asOfDay: 28 });
    const f = forecastHours(model, s, { fromHour: 9, horizon: 24 });
    expect(f).toHaveLength(24);
    for (const h of f)
      for (const m of METRICS) {
        expect(h.metrics[m].mean).toBeCloseTo(50, 6);
        expect(Math.abs(h.metrics[m].p50 - 50)).toBeLessThanOrEqual(1);
      }
    expect(new Set(f.map((h) => h.metrics.clicks.mean.toFixed(6))).size).toBe(1);
    expect(f[0]).toMatchObject({ day: 28, date: addDays('2026-01-05', 28), hour: 9 });
    expect(f[23]).toMatchObject({ day: 29, hour: 8 });
  });

  it('gives P10 ≤ P50 ≤ P90, an interval holding the P50, for every hour and metric (property, 40 campaigns)', () => {
    const rnd = prng(8);
    for (let run = 0; run < 40; run++) {
      const s = randomSeries(rnd, 35, Math.exp(rnd() * 9));
      const day = 28 + Math.floor(rnd() * 6);
      const model = fitCampaign(s, { asOfDay: day });
      const budget = rnd() < 0.5 ? undefined : 1 + rnd() * 200;
      for (const h of forecastHours(model, s, { fromHour: Math.floor(rnd() * 24), budget })) {
        expect(h.serving).toBeGreaterThanOrEqual(0);
        expect(h.serving).toBeLessThanOrEqual(1);
        for (const m of METRICS) {
          const q = h.metrics[m];
          expect(q.p10).toBeLessThanOrEqual(q.p50);
          expect(q.p50).toBeLessThanOrEqual(q.p90);
          expect(q.p10).toBeGreaterThanOrEqual(0);
        }
      }
    }
  });

  it('covers about 80 % of a steady Poisson campaign with P10–P90, and follows a day running hot', () => {
    const s = randomSeries(prng(9), 42, 2400);
    let covered = 0;
    let n = 0;
    for (let day = 28; day < 41; day++) {
      const model = fitCampaign(s, { asOfDay: day });
      for (const h of forecastHours(model, s, { fromHour: 0 })) {
        const y = s.clicks[h.day * HOURS + h.hour];
        covered += y >= h.metrics.clicks.p10 && y <= h.metrics.clicks.p90 ? 1 : 0;
        n++;
      }
    }
    expect(covered / n).toBeGreaterThan(0.75);
    expect(covered / n).toBeLessThan(0.97);
    // today's first 12 hours ran at twice the usual: the rest of today is expected higher than from midnight
    const hot = randomSeries(prng(9), 42, 2400);
    for (let h = 0; h < 12; h++) hot.clicks[35 * HOURS + h] *= 2;
    const model = fitCampaign(hot, { asOfDay: 35 });
    const fromNoon = forecastHours(model, hot, { fromHour: 12, horizon: 1 })[0].metrics.clicks.mean;
    const fromMidnight = forecastHours(model, hot, { fromHour: 0 })[12].metrics.clicks.mean;
    expect(fromNoon / fromMidnight).toBeGreaterThan(1.5);
  });

  it('expects nothing once the budget is spent today', () => {
    const s = randomSeries(prng(10), 35, 1000);
    const model = fitCampaign(s, { asOfDay: 30 });
    const f = forecastHours(model, s, { fromHour: 12, budget: 1 });
    expect(f[0].serving).toBe(0);
    expect(f[0].metrics.spend).toEqual({ mean: 0, p10: 0, p50: 0, p90: 0 });
    expect(f[12]).toMatchObject({ day: 31, hour: 0, serving: 1 }); // tomorrow starts with the budget again
    expect(f[23].serving).toBeLessThan(0.01); // …which, at $1, is gone by 11:00
  });

  it('seasonal naive is the same local hour a week before', () => {
    const s = randomSeries(prng(11), 21, 300);
    const naive = seasonalNaive(s, 'clicks', 14, 5, 24);
    for (let k = 0; k < 24; k++) expect(naive[k]).toBe(s.clicks[7 * HOURS + 5 + k]);
    expect(seasonalNaive(s, 'clicks', 3, 0, 2)).toEqual([NaN, NaN]);
  });
});

describe('budget pacing', () => {
  const profile = RHYTHM.map((x) => x / RHYTHM.reduce((a, b) => a + b, 0));
  const base = (over: Partial<PacingInput> = {}): PacingInput => ({
    budget: '100.00',
    nowHour: 10,
    spentByHour: Array.from({ length: 10 }, (_, h) => (profile[h] * 80).toFixed(2)),
    profile,
    expectedDaySpend: 80,
    dayUncertainty: 0.2,
    spendPerClick: 0.8,
    ...over,
  });

  it('on track: a usual day under its budget runs out never (P50), with money in cents', () => {
    const p = projectPacing(base());
    expect(p.label).toBe('on_track');
    expect(p.exhaustion.p50).toBeNull();
    expect(p.projected.map((x) => x.hour)).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    expect(p.daySpend.p50).toMatch(/^\d+\.\d{2}$/);
    expect(Number(p.daySpend.p50)).toBeGreaterThan(70);
  });

  it('overpacing: a day spending at twice the usual rate runs out before the day ends, with an interval', () => {
    const p = projectPacing(base({ spentByHour: Array.from({ length: 10 }, (_, h) => (profile[h] * 160).toFixed(2)) }));
    expect(p.label).toBe('overpacing');
    const { p10, p50, p90 } = p.exhaustion;
    expect(p50).not.toBeNull();
    expect(p10 as number).toBeLessThanOrEqual(p50 as number);
    expect(p50 as number).toBeLessThanOrEqual(p90 ?? 24);
    expect(p50 as number).toBeGreaterThan(10);
    expect(p50 as number).toBeLessThan(24);
  });

  it('underpacing: a budget three times the usual day leaves more than 30 % unspent', () => {
    expect(projectPacing(base({ budget: '300' })).label).toBe('underpacing');
    expect(projectPacing(base({ budget: '300', underpacePct: 80 })).label).toBe('on_track');
  });

  it('the calibrated spread widens the exhaustion interval and keeps its P50', () => {
    const hot = { spentByHour: Array.from({ length: 10 }, (_, h) => (profile[h] * 160).toFixed(2)) };
    const measured = projectPacing(base({ ...hot, spread: 1 })).exhaustion;
    const wide = projectPacing(base(hot)).exhaustion;
    expect(wide.p50).toBe(measured.p50);
    expect(wide.p10 as number).toBeLessThan(measured.p10 as number);
    expect(wide.p90 ?? 24).toBeGreaterThan(measured.p90 ?? 24);
  });

  it('already spent: the time it ran out, from the hours', () => {
    const p = projectPacing(base({ budget: '10', spentByHour: ['4', '4', '4', '0', '0', '0', '0', '0', '0', '0'] }));
    expect(p.exhausted).toBe(true);
    expect(p.exhaustion.p50).toBeCloseTo(2.5, 9);
    expect(p.label).toBe('overpacing');
  });

  it('more spend so far never moves the exhaustion time later (property, 500 random days)', () => {
    const rnd = prng(12);
    const t = (x: number | null) => x ?? Infinity;
    for (let run = 0; run < 500; run++) {
      const now = rnd() * 24;
      const hours = Math.ceil(now);
      const spent = Array.from({ length: hours }, () => rnd() * 10);
      const more = spent.map((x) => x + (rnd() < 0.5 ? rnd() * 5 : 0));
      const input = {
        budget: (20 + rnd() * 150).toFixed(2),
        nowHour: now,
        profile,
        expectedDaySpend: rnd() * 120,
        dayUncertainty: 0.05 + rnd() * 0.5,
        spendPerClick: 0.1 + rnd() * 2,
        hourDispersion: rnd() * 0.3,
      };
      const a = projectPacing({ ...input, spentByHour: spent.map((x) => x.toFixed(2)) });
      const b = projectPacing({ ...input, spentByHour: more.map((x) => x.toFixed(2)) });
      for (const k of ['p10', 'p50', 'p90'] as const)
        expect(t(b.exhaustion[k])).toBeLessThanOrEqual(t(a.exhaustion[k]) + 1e-9);
      for (const p of [a, b]) {
        expect(t(p.exhaustion.p10)).toBeLessThanOrEqual(t(p.exhaustion.p50));
        expect(t(p.exhaustion.p50)).toBeLessThanOrEqual(t(p.exhaustion.p90));
        for (const x of p.projected) {
          expect(Number(x.p10)).toBeLessThanOrEqual(Number(x.p50));
          expect(Number(x.p50)).toBeLessThanOrEqual(Number(x.p90));
        }
      }
    }
  });
});

describe('what running out cost', () => {
  it('estimates the rest of the day after the cap, more for an earlier cap, with an interval', () => {
    const s = randomSeries(prng(13), 35, 1500);
    const model = fitCampaign(s, { asOfDay: 30 });
    const date = addDays(s.firstDate, 30);
    const early = estimateCapCost(model, { date, cappedAt: 11, spentAtCap: 300 });
    const late = estimateCapCost(model, { date, cappedAt: 20, spentAtCap: 800 });
    for (const c of [early, late]) {
      expect(Number(c.spend.p10)).toBeLessThanOrEqual(Number(c.spend.p50));
      expect(Number(c.spend.p50)).toBeLessThanOrEqual(Number(c.spend.p90));
      expect(Number(c.sales.p10)).toBeLessThanOrEqual(Number(c.sales.p50));
      expect(Number(c.sales.p50)).toBeLessThanOrEqual(Number(c.sales.p90));
      expect(c.spend.p50).toMatch(/^\d+\.\d{2}$/);
    }
    expect(Number(early.spend.p50)).toBeGreaterThan(Number(late.spend.p50));
    expect(early.shareAfterCap).toBeGreaterThan(late.shareAfterCap);
    expect(early.clicks).toBeGreaterThan(late.clicks);
  });
});

describe('boundary and numerics', () => {
  it('reads decimal strings, leaves absent hours missing, and rounds money to cents', () => {
    const s = seriesFromRows(
      [
        { date: '2026-01-05', hour: 3, spend: '1.25', clicks: 2, orders: 1, sales: '19.99' },
        { date: '2026-01-05', hour: 3, spend: '0.10', clicks: 1, orders: 0, sales: '0' },
        { date: '2026-01-06', hour: 0, spend: '-0.50', clicks: -1, orders: 0, sales: '0' },
      ],
      '2026-01-05',
      2,
      { date: '2026-01-05', hour: 10 },
    );
    expect(s.spend[3]).toBeCloseTo(1.35, 12);
    expect(s.clicks[3]).toBe(3);
    expect(s.spend[4]).toBe(0);
    expect(s.spend[11]).toBeNaN();
    expect(s.spend[24]).toBe(0);
    expect(() =>
      seriesFromRows(
        [{ date: '2026-01-05', hour: 1, spend: '1e3', clicks: 0, orders: 0, sales: '0' }],
        '2026-01-05',
        1,
      ),
    ).toThrow(/decimal/);
    expect([formatMoney(1.005), formatMoney(2.675), formatMoney(-0.001), formatMoney(12, 0)]).toEqual([
      '1.01',
      '2.68',
      '0.00',
      '12',
    ]);
    const sum = sumSeries([s, s]);
    expect(sum.clicks[3]).toBe(6);
    expect(sum.spend[11]).toBeNaN();
  });

  it('quantiles are ordered and match known values', () => {
    expect(countQuantiles([0.1, 0.5, 0.9], 3, 3)).toEqual([1, 3, 5]); // Poisson(3)
    expect(countQuantiles([0.1, 0.5, 0.9], 0, 0)).toEqual([0, 0, 0]);
    // interpolated (bands): a 0.2-click hour's P90 inside [0, 1], so its band holds about 90 %, not 98 %
    const [, , p90] = countQuantiles([0.1, 0.5, 0.9], 0.2, 0.2, { interpolate: true });
    expect(p90).toBeCloseTo((0.9 - Math.exp(-0.2)) / (0.2 * Math.exp(-0.2)), 9);
    const [a, b, c] = countQuantiles([0.1, 0.5, 0.9], 500, 500 + 500 * 500 * 0.04);
    expect(a).toBeLessThan(b);
    expect(b).toBeLessThan(c);
    expect(gammaCdf(gammaQuantile(0.9, 1, 0.04) / 0.04, 25)).toBeCloseTo(0.9, 2);
    expect(gammaCdf(1, 1)).toBeCloseTo(1 - Math.exp(-1), 10);
  });
});
