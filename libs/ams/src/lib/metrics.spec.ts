import { ATTRIBUTION_WINDOWS, computeRatios, conversionMetricNames, defaultAttributionWindow } from './metrics';

describe('computeRatios', () => {
  it('applies Amazon formulas', () => {
    const r = computeRatios({
      impressions: 412,
      clicks: 7,
      cost: '6.93',
      orders: 2,
      sales: '54.98',
    });
    expect(r).toEqual({
      ctr: 0.01699, // 7 / 412 = 0.0169902…
      cpc: '0.99',
      cvr: 0.285714, // 2 / 7
      acos: 0.126046, // 6.93 / 54.98 = 0.12604583…
      roas: 7.933622, // 54.98 / 6.93 = 7.9336219…
    });
  });

  it('accepts bigint and string counts', () => {
    const r = computeRatios({
      impressions: 1000n,
      clicks: '10',
      cost: '5',
      orders: 1n,
      sales: '20',
    });
    expect(r).toEqual({
      ctr: 0.01,
      cpc: '0.50',
      cvr: 0.1,
      acos: 0.25,
      roas: 4,
    });
  });

  it('returns null for zero denominators', () => {
    expect(
      computeRatios({
        impressions: 0,
        clicks: 0,
        cost: '0',
        orders: 0,
        sales: '0',
      }),
    ).toEqual({
      ctr: null,
      cpc: null,
      cvr: null,
      acos: null,
      roas: null,
    });
    const noSales = computeRatios({
      impressions: 100,
      clicks: 3,
      cost: '1.50',
      orders: 0,
      sales: '0',
    });
    expect(noSales.acos).toBeNull();
    expect(noSales.roas).toBe(0);
    expect(noSales.cvr).toBe(0);
    expect(noSales.cpc).toBe('0.50');
    const noSpend = computeRatios({
      impressions: 100,
      clicks: 0,
      cost: '0.00',
      orders: 0,
      sales: '10',
    });
    expect(noSpend.roas).toBeNull();
    expect(noSpend.acos).toBe(0);
    expect(noSpend.cpc).toBeNull();
  });

  it('is the ratio of sums, not the average of ratios', () => {
    // hour A: 1 click / 10 impressions (CTR 10 %), hour B: 1 click / 1000 impressions (CTR 0.1 %)
    const hours = [
      { impressions: 10, clicks: 1, cost: '1.00', orders: 1, sales: '10.00' },
      { impressions: 1000, clicks: 1, cost: '3.00', orders: 0, sales: '0' },
    ];
    const averageOfRatios = (0.1 + 0.001) / 2; // 0.0505 — wrong
    const summed = computeRatios({
      impressions: 1010,
      clicks: 2,
      cost: '4.00',
      orders: 1,
      sales: '10.00',
    });
    expect(summed.ctr).toBe(0.00198); // 2 / 1010 = 0.0019802 → 6 places
    expect(summed.ctr).not.toBeCloseTo(averageOfRatios, 3);
    expect(summed.cpc).toBe('2.00');
    expect(summed.acos).toBe(0.4); // 4 / 10, while per-hour ACOS would be 0.1 and null
    expect(computeRatios(hours[1] as (typeof hours)[number]).acos).toBeNull();
  });

  it('rounds ratios to 6 decimals half-up and CPC to 2', () => {
    expect(
      computeRatios({
        impressions: 3,
        clicks: 2,
        cost: '0.005',
        orders: 0,
        sales: '0',
      }),
    ).toMatchObject({
      ctr: 0.666667,
      cpc: '0.00', // 0.0025 → 0.00
    });
    expect(
      computeRatios({
        impressions: 8,
        clicks: 1,
        cost: '0.125',
        orders: 0,
        sales: '0',
      }).cpc,
    ).toBe('0.13');
  });

  it('handles negative (restated) sums without throwing', () => {
    expect(
      computeRatios({
        impressions: -15,
        clicks: -1,
        cost: '-0.99',
        orders: 0,
        sales: '0',
      }),
    ).toMatchObject({
      ctr: 0.066667,
      cpc: '0.99',
    });
  });

  it('throws on non-numeric parts', () => {
    expect(() =>
      computeRatios({
        impressions: 'x',
        clicks: 1,
        cost: '1',
        orders: 0,
        sales: '0',
      }),
    ).toThrow();
  });
});

describe('attribution windows', () => {
  it('lists the windows and defaults', () => {
    expect(ATTRIBUTION_WINDOWS).toEqual(['1d', '7d', '14d', '30d']);
    expect(defaultAttributionWindow('sp')).toBe('7d');
    expect(defaultAttributionWindow('sb')).toBe('14d');
    expect(defaultAttributionWindow('sd')).toBe('14d');
    expect(conversionMetricNames('7d')).toEqual({
      orders: 'orders_7d',
      sales: 'sales_7d',
      units: 'units_7d',
    });
  });
});
