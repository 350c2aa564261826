import { isBoundedDecimal, isCalendarDate, isInstantWithOffset } from './validators';

describe('isCalendarDate', () => {
  it.each(['2025-06-03', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31'])('accepts %s', (d) => {
    expect(isCalendarDate(d)).toBe(true);
  });
  it.each([
    '2025-02-30',
    '2025-02-29',
    '1900-02-29',
    '0000-01-01',
    '2025-13-01',
    '2025-00-10',
    '2025-06-31',
    '2025-6-3',
    '12025-01-01',
    '',
    20250603,
  ])('refuses %s', (d) => {
    expect(isCalendarDate(d)).toBe(false);
  });
});

describe('isInstantWithOffset', () => {
  it.each([
    '2025-06-03T10:00:00Z',
    '2025-06-03T10:00Z',
    '2025-06-03T23:59:59.999999+14:00',
    '2025-06-03T00:00:00-12:00',
  ])('accepts %s', (d) => {
    expect(isInstantWithOffset(d)).toBe(true);
  });
  it.each([
    '2025-02-30T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '2025-06-03T24:00:00Z',
    '2025-06-03T10:60:00Z',
    '2025-06-03T10:00:60Z',
    '2025-06-03T10:00:00+15:00',
    '2025-06-03T10:00:00',
    '2025-06-03',
  ])('refuses %s', (d) => {
    expect(isInstantWithOffset(d)).toBe(false);
  });
});

describe('isBoundedDecimal', () => {
  it.each(['30', '0.5', '.5', '-2', '+2', '999999999999999.9999999999', '000000000000000000001'])('accepts %s', (d) => {
    expect(isBoundedDecimal(d)).toBe(true);
  });
  it.each(['1e21', '1'.repeat(16), '0.12345678901', '', '.', '-', '1.', 'NaN', 'Infinity', 30])('refuses %s', (d) => {
    expect(isBoundedDecimal(d)).toBe(false);
  });
});
