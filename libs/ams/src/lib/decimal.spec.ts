import fc from 'fast-check';
import {
  addDecimal,
  compareDecimal,
  divideDecimal,
  isDecimalString,
  isZeroDecimal,
  multiplyDecimal,
  subtractDecimal,
  toDecimalString,
} from './decimal';

/** Reference: a decimal string as BigInt scaled by 10^scale (exact). */
function scaled(s: string, scale: number): bigint {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  const v = BigInt((i ?? '0') + f.padEnd(scale, '0'));
  return neg ? -v : v;
}

const CANONICAL = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;

/** Decimal strings with up to 6 fraction digits, built from integers so the reference is exact. */
const decimalArb = fc
  .tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.integer({ min: 0, max: 6 }))
  .map(([coef, scale]) => {
    const neg = coef < 0n;
    const digits = (neg ? -coef : coef).toString().padStart(scale + 1, '0');
    const s = scale === 0 ? digits : `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    return neg ? `-${s}` : s;
  });

describe('toDecimalString', () => {
  it('canonicalizes numbers', () => {
    expect(toDecimalString(6.93)).toBe('6.93');
    expect(toDecimalString(-0.99)).toBe('-0.99');
    expect(toDecimalString(0)).toBe('0');
    expect(toDecimalString(-0)).toBe('0');
    expect(toDecimalString(50.0)).toBe('50');
    expect(toDecimalString(1e-7)).toBe('0.0000001');
    expect(toDecimalString(-1.5e-7)).toBe('-0.00000015');
    expect(toDecimalString(1e21)).toBe('1000000000000000000000');
    expect(toDecimalString(1.25e22)).toBe('12500000000000000000000');
  });

  it('canonicalizes numeric strings', () => {
    expect(toDecimalString('6.930')).toBe('6.93');
    expect(toDecimalString('007')).toBe('7');
    expect(toDecimalString('-0.000')).toBe('0');
    expect(toDecimalString('+1.50')).toBe('1.5');
    expect(toDecimalString('.5')).toBe('0.5');
    expect(toDecimalString('5.')).toBe('5');
    expect(toDecimalString('1e-7')).toBe('0.0000001');
    expect(toDecimalString('1.5E3')).toBe('1500');
    expect(toDecimalString('-12.5e-1')).toBe('-1.25');
  });

  it('throws on NaN, Infinity and non-numeric input', () => {
    for (const bad of [NaN, Infinity, -Infinity]) expect(() => toDecimalString(bad)).toThrow();
    for (const bad of ['', ' ', 'abc', '1,5', '0x10', '1_000', 'NaN', 'Infinity', '.', '-', '1e', '1e99999', ' 1']) {
      expect(() => toDecimalString(bad)).toThrow();
    }
    expect(() => toDecimalString(null as unknown as string)).toThrow();
  });

  it('round-trips doubles with at most 6 decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), fc.integer({ min: 0, max: 6 }), (n, places) => {
        const text = (n / 10 ** places).toFixed(places);
        const v = Number(text);
        const s = toDecimalString(v);
        expect(s).toMatch(CANONICAL);
        expect(Number(s)).toBe(v);
        expect(compareDecimal(s, text)).toBe(0);
      }),
    );
  });

  it('gives a canonical string that parses back to the same double for any finite double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (v) => {
        const s = toDecimalString(v);
        expect(s).toMatch(CANONICAL);
        expect(Number(s)).toBe(v === 0 ? 0 : v);
      }),
    );
  });
});

describe('addDecimal', () => {
  it('sums 0.1 ten times to exactly 1', () => {
    let sum = '0';
    for (let i = 0; i < 10; i++) sum = addDecimal(sum, toDecimalString(0.1));
    expect(sum).toBe('1');
    let js = 0;
    for (let i = 0; i < 10; i++) js += 0.1;
    expect(js).not.toBe(1); // the reason money is never summed as JS numbers
  });

  it('handles signs and scales', () => {
    expect(addDecimal('6.93', '-0.99')).toBe('5.94');
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('-1', '1')).toBe('0');
    expect(addDecimal('1.005', '2')).toBe('3.005');
    expect(addDecimal('99999999999999999999.99', '0.01')).toBe('100000000000000000000');
  });

  it('is exact against a BigInt-scaled reference', () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        const sum = addDecimal(a, b);
        expect(sum).toMatch(CANONICAL);
        expect(scaled(sum, 12)).toBe(scaled(a, 12) + scaled(b, 12));
      }),
    );
  });

  it('is commutative and associative', () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, decimalArb, (a, b, c) => {
        expect(addDecimal(a, b)).toBe(addDecimal(b, a));
        expect(addDecimal(addDecimal(a, b), c)).toBe(addDecimal(a, addDecimal(b, c)));
      }),
    );
  });

  it('subtract and multiply are exact', () => {
    expect(subtractDecimal('6.93', '0.99')).toBe('5.94');
    expect(multiplyDecimal('50', '95.12')).toBe('4756');
    expect(multiplyDecimal('-0.5', '0.5')).toBe('-0.25');
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        expect(addDecimal(subtractDecimal(a, b), b)).toBe(toDecimalString(a));
        expect(scaled(multiplyDecimal(a, b), 12)).toBe(scaled(a, 6) * scaled(b, 6));
      }),
    );
  });
});

describe('compareDecimal / isZeroDecimal', () => {
  it('compares', () => {
    expect(compareDecimal('1.10', '1.1')).toBe(0);
    expect(compareDecimal('-2', '1')).toBe(-1);
    expect(compareDecimal('0.0001', '0')).toBe(1);
    fc.assert(
      fc.property(decimalArb, decimalArb, (a, b) => {
        const ref = scaled(a, 6) - scaled(b, 6);
        expect(compareDecimal(a, b)).toBe(ref < 0n ? -1 : ref > 0n ? 1 : 0);
      }),
    );
  });

  it('isZeroDecimal', () => {
    expect(isZeroDecimal('0')).toBe(true);
    expect(isZeroDecimal('-0.000')).toBe(true);
    expect(isZeroDecimal('0.0001')).toBe(false);
    expect(() => isZeroDecimal('x')).toThrow();
  });

  it('isDecimalString', () => {
    expect(isDecimalString('1.5')).toBe(true);
    expect(isDecimalString('x')).toBe(false);
    expect(isDecimalString(1)).toBe(false);
  });
});

describe('divideDecimal', () => {
  it('rounds half-up (away from zero) to the scale, with exactly scale places', () => {
    expect(divideDecimal('6.93', '7', 2)).toBe('0.99');
    expect(divideDecimal('1', '3', 2)).toBe('0.33');
    expect(divideDecimal('2', '3', 2)).toBe('0.67');
    expect(divideDecimal('0.125', '1', 2)).toBe('0.13');
    expect(divideDecimal('-0.125', '1', 2)).toBe('-0.13');
    expect(divideDecimal('0.124', '1', 2)).toBe('0.12');
    expect(divideDecimal('10', '4', 0)).toBe('3');
    expect(divideDecimal('7', '7', 2)).toBe('1.00');
    expect(divideDecimal('-0.001', '1', 2)).toBe('0.00');
    expect(divideDecimal('1', '-8', 3)).toBe('-0.125');
  });

  it('returns null for a zero divisor', () => {
    expect(divideDecimal('1', '0', 2)).toBeNull();
    expect(divideDecimal('0', '-0.00', 6)).toBeNull();
  });

  it('rejects bad scales', () => {
    expect(() => divideDecimal('1', '2', -1)).toThrow();
    expect(() => divideDecimal('1', '2', 1.5)).toThrow();
  });

  it('matches a BigInt reference', () => {
    fc.assert(
      fc.property(decimalArb, decimalArb, fc.integer({ min: 0, max: 8 }), (a, b, scale) => {
        const q = divideDecimal(a, b, scale);
        const A = scaled(a, 6);
        const B = scaled(b, 6);
        if (B === 0n) return expect(q).toBeNull();
        // |q - a/b| <= 0.5 ulp at `scale`
        const Q = scaled(q as string, scale);
        const diff = Q * B - A * 10n ** BigInt(scale); // (Q - a/b*10^s) * B
        const absB = B < 0n ? -B : B;
        const absDiff = diff < 0n ? -diff : diff;
        expect(2n * absDiff <= absB).toBe(true);
      }),
    );
  });
});
