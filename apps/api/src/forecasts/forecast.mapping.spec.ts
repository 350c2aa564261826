import { emptySeries, type HourForecast, type PacingProjection } from '@ams/forecast';
import { amazonEstimateOf, budgetForecastOf, performanceHoursOf } from './forecast.mapping';

const pacing: PacingProjection = {
  label: 'overpacing',
  budget: '120.00',
  spentSoFar: '80.00',
  projected: [{ hour: 10, p10: '84.00', p50: '88.00', p90: '92.50' }],
  daySpend: { p10: '110.00', p50: '120.00', p90: '120.00' },
  exhaustion: { p10: 13.5, p50: 15.25, p90: null },
  exhausted: false,
};

describe('forecast mapping', () => {
  it('writes local times with the advertiser offset, keeps money as cents, null beyond the day', () => {
    const out = budgetForecastOf({
      advertiserId: 'A',
      marketplaceId: 'M',
      campaignId: 'C',
      name: 'Shoes',
      localDate: '2026-12-08',
      nowHour: 10.0833334,
      source: 'usage',
      utcOffsetMinutes: -300,
      usageUpdatedAt: new Date('2026-12-08T15:05:00Z'),
      pacing,
      capCost: null,
      model: { name: 'hour-of-week-profile-nb', fitDate: '2026-12-08', fittedAt: 'x', profileSource: 'campaign' },
    });
    expect(out).toMatchObject({
      asOf: '2026-12-08T10:05:00-05:00',
      source: 'usage',
      exhaustion: { p10: '2026-12-08T13:30:00-05:00', p50: '2026-12-08T15:15:00-05:00', p90: null },
      projected: [{ hour: 10, endsAt: '2026-12-08T11:00:00-05:00', p50: '88.00' }],
      estimatedLoss: null,
      amazonEstimate: null,
      budget: '120.00',
    });
  });

  it('puts the actual beside the expected hour, null where not reported', () => {
    const actual = emptySeries('2026-12-07', 2);
    actual.spend[5] = 3.456;
    actual.clicks[5] = 7;
    const q = { mean: 2.5, p10: 1, p50: 2.345, p90: 12.79968930616795 };
    const hour = (date: string, h: number): HourForecast => ({
      day: 0,
      date,
      hour: h,
      serving: 1,
      metrics: { spend: q, clicks: q, orders: q, sales: q },
    });
    const [a, b] = performanceHoursOf([hour('2026-12-07', 5), hour('2026-12-08', 5)], actual, 60, (d) => d);
    expect(a).toMatchObject({
      hourStart: '2026-12-07T05:00:00+01:00',
      // counts' quantiles to two decimals, like their mean (not a double's 16 digits)
      expected: { spend: { p50: '2.35', mean: '2.50', p90: '12.80' }, clicks: { p50: 2.35, mean: 2.5, p90: 12.8 } },
      actual: { spend: '3.46', clicks: 7 },
    });
    expect(b.actual).toEqual({ spend: null, clicks: null, orders: null, sales: null });
  });

  it("maps Amazon's recommendation: numbers as stored, -1 (unknown) in budget as null, the window and time", () => {
    const row = {
      campaign_id: 'C',
      recommendation_time: new Date('2026-12-08T14:00:00Z'),
      suggested_budget: '72.5',
      reason_for_suggestion: null,
      missed_sales_lower: '120.4',
      missed_sales_upper: '245.9',
      missed_clicks_lower: '38',
      missed_clicks_upper: '71',
      missed_impressions_lower: null,
      missed_impressions_upper: null,
      start_date: '2026-12-02',
      end_date: '2026-12-08',
      percent_time_in_budget: '0.62',
    };
    expect(amazonEstimateOf(row)).toEqual({
      recommendationTime: '2026-12-08T14:00:00.000Z',
      window: { startDate: '2026-12-02', endDate: '2026-12-08' },
      suggestedBudget: '72.5',
      missedSales: { lower: '120.4', upper: '245.9' },
      missedClicks: { lower: '38', upper: '71' },
      missedImpressions: { lower: null, upper: null },
      percentTimeInBudget: '0.62',
      reason: null,
    });
    expect(amazonEstimateOf({ ...row, percent_time_in_budget: '-1' }).percentTimeInBudget).toBeNull();
    expect(amazonEstimateOf({ ...row, percent_time_in_budget: null }).percentTimeInBudget).toBeNull();
    expect(amazonEstimateOf({ ...row, percent_time_in_budget: '0' }).percentTimeInBudget).toBe('0');
  });
});
