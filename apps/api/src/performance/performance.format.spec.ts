import fc from 'fast-check';
import { computeRatios } from '@ams/ams';
import { fastRatios, formatPeriod, money } from './performance.format';

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
