import fc from 'fast-check';
import { computeRatios } from '@ams/ams';
import { countJson, fastRatios, formatPeriod, metricsJson, money, scaledText } from './performance.format';

/** numeric text as PostgreSQL prints a sum: optional sign, digits, optional point and scale (trailing zeros kept) */
const decimalText = (maxDigits: number) =>
  fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** BigInt(maxDigits) - 1n }), fc.integer({ min: 0, max: 8 }))
    .map(([neg, coef, scale]) => {
      let digits = coef.toString().padStart(scale + 1, '0');
      if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
      return neg && coef !== 0n ? `-${digits}` : digits;
    });
const count = (maxDigits: number) =>
  fc.bigInt({ min: -(10n ** BigInt(maxDigits)), max: 10n ** BigInt(maxDigits) }).map(String);

describe('fastRatios', () => {
  it('equals computeRatios for sums of every size, sign and scale (fast path and fallback)', () => {
    for (const digits of [3, 9, 15, 22]) {
      fc.assert(
        fc.property(
          count(digits),
          count(digits),
          decimalText(digits),
          count(digits),
          decimalText(digits),
          (impressions, clicks, cost, orders, sales) => {
            const parts = { impressions, clicks, cost, orders, sales };
            expect(fastRatios(parts)).toEqual(computeRatios(parts));
          },
        ),
        { numRuns: 2000 },
      );
    }
  });

  it('rounds ties away from zero, exactly at the half', () => {
    expect(fastRatios({ impressions: '8', clicks: '1', cost: '0.125', orders: '0', sales: '0' }).cpc).toBe('0.13');
    expect(fastRatios({ impressions: '8', clicks: '-1', cost: '0.125', orders: '0', sales: '0' }).cpc).toBe('-0.13');
    expect(fastRatios({ impressions: '2000000', clicks: '1', cost: '0', orders: '0', sales: '0' }).ctr).toBe(0.000001); // 0.0000005 → up
    expect(fastRatios({ impressions: '2000001', clicks: '1', cost: '0', orders: '0', sales: '0' }).ctr).toBe(0); // just below the half
    expect(fastRatios({ impressions: '3', clicks: '2', cost: '0.005', orders: '0', sales: '0' })).toEqual({
      ctr: 0.666667,
      cpc: '0.00',
      cvr: 0,
      acos: null,
      roas: 0,
    });
  });

  it('gives null for zero denominators and never a negative zero', () => {
    expect(fastRatios({ impressions: '0', clicks: '0', cost: '0', orders: '0', sales: '0' })).toEqual({
      ctr: null,
      cpc: null,
      cvr: null,
      acos: null,
      roas: null,
    });
    const r = fastRatios({ impressions: '-3000000', clicks: '1', cost: '-0.001', orders: '0', sales: '5' });
    expect(Object.is(r.ctr, -0)).toBe(false);
    expect(r.cpc).toBe('0.00');
  });

  it('falls back to exact BigInt division for sums beyond 2^50', () => {
    const parts = {
      impressions: '123456789012345678901',
      clicks: '98765432109876543',
      cost: '1234567890123.4567',
      orders: '3',
      sales: '0.01',
    };
    expect(fastRatios(parts)).toEqual(computeRatios(parts));
  });
});

/** The metric members as the answer wrote them before metricsJson: numbers through Number, ratios of computeRatios. */
function definitionJson(
  impressions: string,
  clicks: string,
  cost: string,
  orders: string,
  sales: string,
  units: string,
) {
  const r = computeRatios({ impressions, clicks, cost, orders, sales });
  const body = JSON.stringify({
    impressions: Number(impressions),
    clicks: Number(clicks),
    cost: money(cost),
    orders: Number(orders),
    sales: money(sales),
    units: Number(units),
    ...r,
  });
  return body.slice(1, -1);
}

describe('metricsJson', () => {
  it('writes the same text as Number, money and computeRatios, for sums of every size, sign and scale', () => {
    for (const digits of [3, 9, 15, 16, 22]) {
      fc.assert(
        fc.property(
          count(digits),
          count(digits),
          decimalText(digits),
          count(digits),
          decimalText(digits),
          count(digits),
          (impressions, clicks, cost, orders, sales, units) => {
            const row = ['x', impressions, clicks, cost, orders, sales, units];
            expect(metricsJson(row, 1)).toBe(definitionJson(impressions, clicks, cost, orders, sales, units));
          },
        ),
        { numRuns: 2000 },
      );
    }
  });

  it('reads a missing sum as zero, and numeric text that is not canonical through Number', () => {
    expect(metricsJson([null, null, null, null, null, null], 0)).toBe(definitionJson('0', '0', '0', '0', '0', '0'));
    for (const s of ['007', '12.000', '-0', '+5', '1e3', '123456789012345678', '0.5', ''])
      expect(countJson(s)).toBe(String(Number(s)));
    for (const s of ['0', '7', '120', '999999999999999']) expect(countJson(s)).toBe(s);
  });

  it('prints a scaled quotient as JavaScript prints the double, up to 2^50', () => {
    const edges = [0, 1, 9, 10, 999_999, 1_000_000, 1_000_001, 2 ** 50 - 1, 2 ** 50 - 1_000_000, 123_456_789_000_000];
    for (const q of edges) {
      expect(scaledText(false, q)).toBe(String(q / 1_000_000));
      if (q !== 0) expect(scaledText(true, q)).toBe(String(-q / 1_000_000));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 - 1 }), fc.boolean(), (q, neg) => {
        expect(scaledText(neg && q !== 0, q)).toBe(String((neg && q !== 0 ? -q : q) / 1_000_000));
      }),
      { numRuns: 5000 },
    );
  });
});

describe('money and periods', () => {
  it('writes money with at least two places, never rounding', () => {
    expect([money('5'), money('5.9'), money('5.9400'), money('-0.123'), money(null), money('12.000')]).toEqual([
      '5.00',
      '5.90',
      '5.94',
      '-0.123',
      '0.00',
      '12.00',
    ]);
  });

  it("writes an hour in the advertiser's offset and a day as it is", () => {
    const hour = (epoch: number, offset: number) => [String(epoch), String(offset), '0', '0', '0', '0', '0', '0'];
    const tenUtc = Date.parse('2025-06-03T10:00:00Z') / 1000;
    expect(formatPeriod(hour(tenUtc, -420), 'hour')).toBe('2025-06-03T03:00:00-07:00');
    expect(formatPeriod(hour(tenUtc, 330), 'hour')).toBe('2025-06-03T15:30:00+05:30');
    expect(formatPeriod(hour(tenUtc - 11 * 3600, 0), 'hour')).toBe('2025-06-02T23:00:00+00:00');
    expect(formatPeriod(['2025-06-03', 'c1', null, '0', '0', '0', '0', '0', '0'], 'day')).toBe('2025-06-03');
  });
});
