// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { addDecimal } from './decimal';
import {
  addDays,
  formatAgo,
  formatMoney,
  formatPercent,
  hourOfPeriod,
  localDate,
  localHour,
  localHourStart,
  yesterdayUntilThisHour,
} from './format';

describe('formatMoney', () => {
  it("keeps every place the API gave (at least two), in the advertiser's currency", () => {
    expect(formatMoney('1234.5678', 'USD')).toBe('$1,234.5678');
    expect(formatMoney('5.90', 'EUR')).toBe('€5.90');
    expect(formatMoney('7', 'GBP')).toBe('£7.00');
    expect(formatMoney('-0.01', 'USD')).toBe('-$0.01');
    // beyond a double's precision: formatted from the string, not through a number
    expect(formatMoney('90071992547409.93', 'USD')).toBe('$90,071,992,547,409.93');
  });

  it('without a currency shows the decimal as given, null as a dash', () => {
    expect(formatMoney('12.30', null)).toBe('12.30');
    expect(formatMoney(null, 'USD')).toBe('—');
  });
});

describe('dates in the advertiser’s zone', () => {
  it('gives the local date of an instant and calendar arithmetic', () => {
    const t = Date.parse('2026-12-07T05:00:00Z');
    expect(localDate(t, 'America/Los_Angeles')).toBe('2026-12-06');
    expect(localDate(t, 'Asia/Tokyo')).toBe('2026-12-07');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(hourOfPeriod('2026-03-08T03:00:00-07:00')).toBe(3);
  });

  it('compares today so far with yesterday up to the same local hour, across a DST change', () => {
    const la = 'America/Los_Angeles';
    // 07:20 PST: yesterday from its local midnight up to 08:00 local
    expect(localHour(Date.parse('2026-12-07T15:20:00Z'), la)).toBe(7);
    expect(yesterdayUntilThisHour(Date.parse('2026-12-07T15:20:00Z'), la)).toEqual({
      from: '2026-12-06T08:00:00.000Z',
      to: '2026-12-06T16:00:00.000Z',
    });
    // in the day's last local hour: the whole of yesterday
    expect(yesterdayUntilThisHour(Date.parse('2026-12-08T07:30:00Z'), la)).toEqual({
      from: '2026-12-06',
      to: '2026-12-06',
    });
    // 10:20 PDT on the day clocks went forward: yesterday (PST) up to 11:00 local, not 10:00
    expect(yesterdayUntilThisHour(Date.parse('2026-03-08T17:20:00Z'), la)).toEqual({
      from: '2026-03-07T08:00:00.000Z',
      to: '2026-03-07T19:00:00.000Z',
    });
    // the day after: yesterday (23 hours) from midnight PST to 08:00 PDT
    expect(yesterdayUntilThisHour(Date.parse('2026-03-09T14:20:00Z'), la)).toEqual({
      from: '2026-03-08T08:00:00.000Z',
      to: '2026-03-08T15:00:00.000Z',
    });
  });

  it('finds local hours in half-hour zones and says when an hour does not exist', () => {
    // India is UTC+05:30: 00:00 local is 18:30 UTC the day before
    expect(localHourStart('2026-12-06', 0, 'Asia/Kolkata')).toBe(Date.parse('2026-12-05T18:30:00Z'));
    expect(yesterdayUntilThisHour(Date.parse('2026-12-07T04:00:00Z'), 'Asia/Kolkata')).toEqual({
      from: '2026-12-05T18:30:00.000Z',
      to: '2026-12-06T04:30:00.000Z',
    });
    // 02:00 did not exist in Los Angeles on 2026-03-08
    expect(localHourStart('2026-03-08', 2, 'America/Los_Angeles')).toBeNull();
  });

  it('says how long ago', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    expect(formatAgo('2026-12-07T09:56:00Z', now)).toBe('4 min ago');
    expect(formatAgo('2026-12-07T07:00:00Z', now)).toBe('3 h ago');
    expect(formatAgo(null, now)).toBe('never');
  });

  it('writes ratios as percentages, null as a dash', () => {
    expect(formatPercent(0.108039)).toBe('10.80 %');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('addDecimal', () => {
  it('adds decimal strings exactly', () => {
    expect(addDecimal('0.1', '0.2')).toBe('0.3');
    expect(addDecimal('0.10', '0.2')).toBe('0.30');
    expect(addDecimal('-1.005', '1')).toBe('-0.005');
    expect(addDecimal('90071992547409.93', '0.01')).toBe('90071992547409.94');
    expect(() => addDecimal('1e3', '1')).toThrow(RangeError);
  });
});
