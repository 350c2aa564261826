import fc from 'fast-check';
import { parseIsoTimestamp, parseTimeWindowStart } from './time';

describe('parseTimeWindowStart', () => {
  it('parses a PDT hour (-07:00)', () => {
    expect(parseTimeWindowStart('2025-06-03T10:00:00-07:00')).toEqual({
      hourStartUtc: '2025-06-03T17:00:00.000Z',
      utcOffsetMinutes: -420,
      localDate: '2025-06-03',
      localHour: 10,
    });
  });

  it('gives the right UTC on both sides of a DST change (-07:00 vs -08:00)', () => {
    // US DST ended 2025-11-02 02:00 local: 01:00 happens twice.
    const pdt = parseTimeWindowStart('2025-11-02T01:00:00-07:00');
    const pst = parseTimeWindowStart('2025-11-02T01:00:00-08:00');
    expect(pdt.hourStartUtc).toBe('2025-11-02T08:00:00.000Z');
    expect(pst.hourStartUtc).toBe('2025-11-02T09:00:00.000Z');
    expect(pdt.localHour).toBe(1);
    expect(pst.localHour).toBe(1);
    expect(pst.utcOffsetMinutes).toBe(-480);
    // winter hour
    expect(parseTimeWindowStart('2025-01-15T10:00:00-08:00').hourStartUtc).toBe('2025-01-15T18:00:00.000Z');
  });

  it('handles half-hour and positive offsets (+05:30, +09:00) and Z', () => {
    expect(parseTimeWindowStart('2025-06-03T10:00:00+05:30')).toEqual({
      hourStartUtc: '2025-06-03T04:30:00.000Z',
      utcOffsetMinutes: 330,
      localDate: '2025-06-03',
      localHour: 10,
    });
    expect(parseTimeWindowStart('2025-06-03T05:00:00+09:00')).toEqual({
      hourStartUtc: '2025-06-02T20:00:00.000Z',
      utcOffsetMinutes: 540,
      localDate: '2025-06-03',
      localHour: 5,
    });
    expect(parseTimeWindowStart('2025-06-03T00:00:00Z')).toMatchObject({
      hourStartUtc: '2025-06-03T00:00:00.000Z',
      utcOffsetMinutes: 0,
    });
    expect(parseTimeWindowStart('2025-06-03T00:00:00.000-00:00').utcOffsetMinutes).toBe(0);
    expect(Object.is(parseTimeWindowStart('2025-06-03T00:00:00-00:00').utcOffsetMinutes, -0)).toBe(false);
  });

  it('crosses date boundaries in UTC but keeps the local date', () => {
    expect(parseTimeWindowStart('2024-12-31T23:00:00-05:00')).toMatchObject({
      hourStartUtc: '2025-01-01T04:00:00.000Z',
      localDate: '2024-12-31',
      localHour: 23,
    });
  });

  it('accepts a real leap day, rejects impossible dates', () => {
    expect(parseTimeWindowStart('2024-02-29T00:00:00Z').localDate).toBe('2024-02-29');
    expect(() => parseTimeWindowStart('2025-02-29T00:00:00Z')).toThrow('is not a real calendar date');
    expect(() => parseTimeWindowStart('1900-02-29T00:00:00Z')).toThrow();
    expect(() => parseTimeWindowStart('2025-04-31T00:00:00Z')).toThrow('is not a real calendar date');
    expect(() => parseTimeWindowStart('2025-13-01T00:00:00Z')).toThrow('is not a real calendar date');
    expect(() => parseTimeWindowStart('2025-06-03T24:00:00Z')).toThrow('hour must be 0..23');
  });

  it('requires an explicit offset', () => {
    expect(() => parseTimeWindowStart('2025-06-03T10:00:00')).toThrow('must have an explicit UTC offset');
  });

  it('requires the start of an hour', () => {
    expect(() => parseTimeWindowStart('2025-06-03T10:30:00-07:00')).toThrow('local minute must be 0');
    expect(() => parseTimeWindowStart('2025-06-03T10:00:15-07:00')).toThrow('local second must be 0');
    expect(() => parseTimeWindowStart('2025-06-03T10:00:00.500-07:00')).toThrow('local second must be 0');
  });

  it('rejects malformed strings and offsets', () => {
    for (const bad of [
      '',
      '2025-06-03',
      '2025-06-03 10:00:00-07:00',
      '2025-6-3T10:00:00-07:00',
      '2025-06-03T10:00:00-7:00',
      '2025-06-03T10:00:00+15:00',
      '2025-06-03T10:00:00+05:75',
      'x2025-06-03T10:00:00Z',
      '0099-06-03T10:00:00Z',
    ]) {
      expect(() => parseTimeWindowStart(bad)).toThrow();
    }
    expect(() => parseTimeWindowStart(1 as unknown as string)).toThrow('must be a string');
  });

  it('agrees with Date for any valid hour and offset', () => {
    fc.assert(
      fc.property(
        fc.date({
          min: new Date('2000-01-01T00:00:00Z'),
          max: new Date('2099-12-31T00:00:00Z'),
          noInvalidDate: true,
        }),
        fc.integer({ min: -12 * 4, max: 14 * 4 }),
        (d, quarterHours) => {
          const offset = quarterHours * 15;
          const sign = offset < 0 ? '-' : '+';
          const abs = Math.abs(offset);
          const off = `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
          const local = `${d.toISOString().slice(0, 13)}:00:00${off}`;
          const w = parseTimeWindowStart(local);
          expect(w.hourStartUtc).toBe(new Date(local).toISOString());
          expect(w.utcOffsetMinutes).toBe(offset);
          expect(w.localDate).toBe(local.slice(0, 10));
        },
      ),
    );
  });
});

describe('parseIsoTimestamp', () => {
  it('normalizes to ISO UTC with milliseconds', () => {
    expect(parseIsoTimestamp('2025-06-03T21:47:21Z')).toBe('2025-06-03T21:47:21.000Z');
    expect(parseIsoTimestamp('2025-06-03T14:47:21.123456-07:00')).toBe('2025-06-03T21:47:21.123Z');
    expect(parseIsoTimestamp('2025-06-03T21:47:21.5Z')).toBe('2025-06-03T21:47:21.500Z');
  });
  it('requires an offset and a real date', () => {
    expect(() => parseIsoTimestamp('2025-06-03T21:47:21')).toThrow('must have an explicit UTC offset');
    expect(() => parseIsoTimestamp('2025-02-30T21:47:21Z')).toThrow('is not a real calendar date');
    expect(() => parseIsoTimestamp('yesterday')).toThrow('must be an ISO-8601 date-time');
  });
});
