import {
  fitCampaign,
  hourSumsFromRows,
  portfolioPacingFromModels,
  seriesFromRows,
  windowBand,
  windowSumBand,
  type HourlyRow,
} from '../index';

/** 28 days of a steady campaign: 10 clicks at 0.50 from 08:00 to 20:00, 1 order of 25.00 every other hour. */
function steady(days: number): HourlyRow[] {
  const out: HourlyRow[] = [];
  for (let d = 0; d < days; d++)
    for (let h = 0; h < 24; h++) {
      const date = new Date(Date.parse('2026-11-01T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10);
      const on = h >= 8 && h < 20;
      const clicks = on ? 10 : 0;
      out.push({
        date,
        hour: h,
        spend: (clicks * 0.5).toFixed(2),
        clicks,
        orders: on ? h % 2 : 0,
        sales: on && h % 2 ? '25' : '0',
      });
    }
  return out;
}

describe('the expected band of a window', () => {
  const rows = steady(28);
  const series = seriesFromRows(rows, '2026-11-01', 29, { date: '2026-11-29', hour: 0 });
  const model = fitCampaign(series, { asOfDay: 28, weeks: 4 });

  it('holds the usual day and is ordered, for every sum metric', () => {
    for (const m of ['spend', 'clicks', 'orders', 'sales'] as const) {
      const b = windowSumBand(model, series, m, 0, 24);
      expect(b.p10).toBeLessThanOrEqual(b.p50);
      expect(b.p50).toBeLessThanOrEqual(b.p90);
    }
    const clicks = windowSumBand(model, series, 'clicks', 0, 24);
    expect(clicks.p10).toBeLessThan(120);
    expect(clicks.p90).toBeGreaterThan(120);
    expect(clicks.p50).toBeGreaterThan(100);
    // a doubled day is outside, a third of a day too
    expect(clicks.p90).toBeLessThan(240);
    expect(clicks.p10).toBeGreaterThan(40);
  });

  it('expects next to nothing of the night hours', () => {
    const night = windowSumBand(model, series, 'spend', 0, 6);
    expect(night.p10).toBe(0);
    expect(night.p90).toBeLessThan(0.1 * windowSumBand(model, series, 'spend', 0, 24).p50);
  });

  it('gives CTR a band around the history’s CTR of those hours, narrower with more impressions', () => {
    const withImpressions = rows.map((r) => ({ ...r, impressions: r.clicks * 50 }));
    const hourSums = hourSumsFromRows(withImpressions);
    const small = windowBand(model, series, { metric: 'ctr', fromHour: 8, toHour: 12, hourSums, impressions: 400 });
    const large = windowBand(model, series, { metric: 'ctr', fromHour: 8, toHour: 12, hourSums, impressions: 40_000 });
    if (!small || !large) throw new Error('no band');
    expect(small.p10).toBeLessThanOrEqual(2);
    expect(small.p90).toBeGreaterThanOrEqual(2);
    expect(large.p90 - large.p10).toBeLessThan(small.p90 - small.p10);
    expect(windowBand(model, series, { metric: 'ctr', fromHour: 8, toHour: 12, hourSums, impressions: 0 })).toBeNull();
  });

  it('gives CPC a band around the history’s CPC, none without clicks', () => {
    const hourSums = hourSumsFromRows(rows);
    const b = windowBand(model, series, { metric: 'cpc', fromHour: 0, toHour: 24, hourSums, clicks: 120 });
    if (!b) throw new Error('no band');
    expect(b.p10).toBeLessThan(0.5);
    expect(b.p90).toBeGreaterThan(0.5);
    expect(b.p90).toBeLessThan(1);
    expect(windowBand(model, series, { metric: 'cpc', fromHour: 0, toHour: 24, hourSums, clicks: 0 })).toBeNull();
  });

  it('moves with a hot morning: the afternoon expects more', () => {
    const hot = seriesFromRows(
      [
        ...rows,
        ...steady(1).map((r) => ({
          ...r,
          date: '2026-11-29',
          clicks: r.clicks * 3,
          spend: (r.clicks * 1.5).toFixed(2),
        })),
      ].filter((r) => r.date < '2026-11-29' || r.hour < 14),
      '2026-11-01',
      29,
      { date: '2026-11-29', hour: 14 },
    );
    expect(windowSumBand(model, hot, 'clicks', 14, 20).p50).toBeGreaterThan(
      windowSumBand(model, series, 'clicks', 14, 20).p50 * 1.3,
    );
  });
});

describe('portfolio pacing from its campaigns', () => {
  // two steady campaigns of 60.00 a day (10 clicks at 0.50, 08:00–20:00); the portfolio's budget 150
  const rows = steady(28);
  const today = (factor: number) =>
    steady(1)
      .map((r) => ({
        ...r,
        date: '2026-11-29',
        clicks: r.clicks * factor,
        spend: (r.clicks * factor * 0.5).toFixed(2),
      }))
      .filter((r) => r.hour < 12);
  const part = (factor: number) => {
    const series = seriesFromRows([...rows, ...today(factor)], '2026-11-01', 29, { date: '2026-11-29', hour: 12 });
    return { model: fitCampaign(series, { asOfDay: 28, weeks: 4 }), series };
  };

  it('is on track when both campaigns spend their usual, and overpacing when one spends three times its pace', () => {
    const usual = portfolioPacingFromModels([part(1), part(1)], { budget: '150', nowHour: 12 });
    expect(usual.label).toBe('on_track');
    expect(usual.spentSoFar).toBe('40.00');
    expect(Number(usual.daySpend.p50)).toBeGreaterThan(100);
    const hot = portfolioPacingFromModels([part(1), part(3)], { budget: '150', nowHour: 12 });
    expect(hot.label).toBe('overpacing');
    expect(hot.spentSoFar).toBe('80.00');
    expect(hot.exhaustion.p50 as number).toBeGreaterThan(12);
    expect(hot.exhaustion.p50 as number).toBeLessThan(20);
  });

  it('paces on what it spent without campaigns', () => {
    const p = portfolioPacingFromModels([], { budget: '100', nowHour: 12, spentSoFar: '80' });
    expect(p.label).toBe('overpacing');
  });
});
