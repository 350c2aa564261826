import fc from 'fast-check';
import { computeRatios } from '@ams/ams';
import { fastRatios } from './performance.format';

/** numeric text as PostgreSQL prints a sum: optional sign, digits, optional point and scale (trailing zeros kept) */
const decimalText = (maxDigits: number) =>
  fc
    .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** BigInt(maxDigits) - 1n }), fc.integer({ min: 0, max: 8 }))
    .map(([neg, coef, scale]) => {
      let digits = coef.toString().padStart(scale + 1, '0');
      if (scale > 0) digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
      return neg && coef !== 0n ? `-${digits}` : digits;
    });
const count = (maxDigits: number) => fc.bigInt({ min: -(10n ** BigInt(maxDigits)), max: 10n ** BigInt(maxDigits) }).map(String);

describe('fastRatios', () => {
  it('equals computeRatios for sums of every size, sign and scale (fast path and fallback)', () => {
    for (const digits of [3, 9, 15, 22]) {
      fc.assert(
        fc.property(count(digits), count(digits), decimalText(digits), count(digits), decimalText(digits), (impressions, clicks, cost, orders, sales) => {
          const parts = { impressions, clicks, cost, orders, sales };
          expect(fastRatios(parts)).toEqual(computeRatios(parts));
        }),
        { numRuns: 2000 },
      );
    }
  });

  it('rounds ties away from zero, exactly at the half', () => {
    expect(fastRatios({ impressions: '8', clicks: '1', cost: '0.125', orders: '0', sales: '0' }).cpc).toBe('0.13');
    expect(fastRatios({ impressions: '8', clicks: '-1', cost: '0.125', orders: '0', sales: '0' }).cpc).toBe('-0.13');
    expect(fastRatios({ impressions: '2000000', clicks: '1', cost: '0', orders: '0', sales: '0' }).ctr).toBe(0.000001); // 0.0000005 → up
    expect(fastRatios({ impressions: '2000001', clicks: '1', cost: '0', orders: '0', sales: '0' }).ctr).toBe(0); // just below the half
    expect(fastRatios({ impressions: '3', clicks: '2', cost: '0.005', orders: '0', sales: '0' })).toEqual({ ctr: 0.666667, cpc: '0.00', cvr: 0, acos: null, roas: 0 });
  });

  it('gives null for zero denominators and never a negative zero', () => {
    expect(fastRatios({ impressions: '0', clicks: '0', cost: '0', orders: '0', sales: '0' })).toEqual({ ctr: null, cpc: null, cvr: null, acos: null, roas: null });
    const r = fastRatios({ impressions: '-3000000', clicks: '1', cost: '-0.001', orders: '0', sales: '5' });
    expect(Object.is(r.ctr, -0)).toBe(false);
    expect(r.cpc).toBe('0.00');
  });

  it('falls back to exact BigInt division for sums beyond 2^50', () => {
    const parts = { impressions: '123456789012345678901', clicks: '98765432109876543', cost: '1234567890123.4567', orders: '3', sales: '0.01' };
    expect(fastRatios(parts)).toEqual(computeRatios(parts));
  });
});
