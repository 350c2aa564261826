import { pacingStart, projectionHour } from './pacing-start';

describe('the hour a projection is as of', () => {
  const rows = (...hours: number[]) => hours.map((hour) => ({ local_date: '2026-12-07', hour }));
  const usage = { date: '2026-12-07', hour: 8.5 };
  it('is the usage time when no later facts landed', () => {
    expect(projectionHour(usage, rows(6, 7), { date: '2026-12-07', hour: 13.2 })).toBe(8.5);
  });
  it('is the end of the latest hour with facts when later, never after now (its hour is partial)', () => {
    expect(projectionHour(usage, rows(6, 11), { date: '2026-12-07', hour: 13.2 })).toBe(12);
    expect(projectionHour(usage, rows(13), { date: '2026-12-07', hour: 13.2 })).toBe(13.2);
  });
  it('takes the whole day once the local day is over, and ignores facts of another day', () => {
    expect(projectionHour(usage, rows(22), { date: '2026-12-08', hour: 1 })).toBe(23);
    expect(projectionHour(usage, [{ local_date: '2026-12-06', hour: 20 }], { date: '2026-12-07', hour: 13 })).toBe(8.5);
  });
  it('keeps the usage time for a usage ahead of now (a clock behind the data)', () => {
    expect(projectionHour(usage, rows(11), { date: '2026-12-06', hour: 23 })).toBe(8.5);
  });
});

describe('where a pacing projection starts', () => {
  // Etc/GMT-9 (Tokyo): local = UTC + 9 h
  const offset = 540;
  const at = (date: string, hour: number) => Date.parse(`${date}T00:00:00Z`) - offset * 60_000 + hour * 3_600_000;
  const rows = (date: string, ...hours: number[]) => hours.map((hour) => ({ local_date: date, hour }));
  const now = at('2026-12-07', 2 + 20 / 60);
  it('projects from the usage of today: budget × usage, as of the later of its time and the facts', () => {
    const usage = { at: at('2026-12-07', 1.5), budget: '200', percentage: '5' };
    expect(pacingStart({ now, utcOffsetMinutes: offset, usage, todayRows: rows('2026-12-07', 0) })).toEqual({
      localDate: '2026-12-07',
      nowHour: 1.5,
      source: 'usage',
      spentSoFar: '10.000000',
    });
    expect(pacingStart({ now, utcOffsetMinutes: offset, usage, todayRows: rows('2026-12-07', 0, 1) })?.nowHour).toBe(2);
  });
  it('projects from today’s facts when the latest usage is of yesterday (02:20 local, no usage yet)', () => {
    const usage = { at: at('2026-12-06', 23.9), budget: '200', percentage: '100' };
    const todayRows = [...rows('2026-12-06', 22, 23), ...rows('2026-12-07', 0, 1)];
    expect(pacingStart({ now, utcOffsetMinutes: offset, usage, todayRows })).toEqual({
      localDate: '2026-12-07',
      nowHour: 2,
      source: 'facts',
    });
    // the current hour's facts are partial: as of now, not of its end
    expect(
      pacingStart({ now, utcOffsetMinutes: offset, usage: null, todayRows: rows('2026-12-07', 2) })?.nowHour,
    ).toBeCloseTo(2 + 20 / 60, 9);
  });
  it('has nothing to project from without a usage or facts of today', () => {
    const usage = { at: at('2026-12-06', 20), budget: '200', percentage: '40' };
    expect(pacingStart({ now, utcOffsetMinutes: offset, usage, todayRows: rows('2026-12-06', 20) })).toBeNull();
    expect(pacingStart({ now, utcOffsetMinutes: offset, usage: null, todayRows: [] })).toBeNull();
  });
});
