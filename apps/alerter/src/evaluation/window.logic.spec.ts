import {
  baselineBounds,
  describeWindow,
  HOUR_MS,
  isSettled,
  latestSettledWindow,
  windowOf,
  windowsToJudge,
} from './window.logic';

const at = (iso: string) => Date.parse(iso);

describe('evaluation windows (advertiser-local time)', () => {
  it('puts an hour in the local day of its offset', () => {
    // 2025-06-04T02:00Z is 19:00 on June 3 in UTC-7
    const w = windowOf(at('2025-06-04T02:00:00Z'), -420, 24);
    expect(w.key).toBe('2025-06-03T00:00/24h');
    expect(new Date(w.startUtcMs).toISOString()).toBe('2025-06-03T07:00:00.000Z');
    expect(new Date(w.endUtcMs).toISOString()).toBe('2025-06-04T07:00:00.000Z');
  });

  it('aligns shorter windows to the local day and weekly windows to Monday', () => {
    expect(windowOf(at('2025-06-03T10:00:00Z'), 0, 1).key).toBe('2025-06-03T10:00/1h');
    expect(windowOf(at('2025-06-03T10:00:00Z'), 330, 6).key).toBe('2025-06-03T12:00/6h'); // 15:30 local
    expect(windowOf(at('2025-06-05T10:00:00Z'), 0, 168).key).toBe('2025-06-02T00:00/168h'); // Thursday → Monday
  });

  it('finds the latest window that has settled', () => {
    const now = at('2025-06-05T10:30:00Z');
    expect(latestSettledWindow(now, 0, 24, 24).key).toBe('2025-06-03T00:00/24h');
    expect(latestSettledWindow(now, 0, 1, 2).key).toBe('2025-06-05T07:00/1h');
    expect(isSettled(windowOf(at('2025-06-03T10:00:00Z'), 0, 24), 24, now)).toBe(true);
    expect(isSettled(windowOf(at('2025-06-04T10:00:00Z'), 0, 24), 24, now)).toBe(false);
  });

  it('judges the touched window, plus the latest settled one for conversion rules, never too old ones', () => {
    const now = at('2025-06-05T10:30:00Z');
    const plain = windowsToJudge(at('2025-06-05T09:00:00Z'), 0, { hours: 24, settlingHours: 0, maxAgeHours: 96 }, now);
    expect(plain.map((w) => w.key)).toEqual(['2025-06-05T00:00/24h']);
    const settling = windowsToJudge(
      at('2025-06-05T09:00:00Z'),
      0,
      { hours: 24, settlingHours: 24, maxAgeHours: 96 },
      now,
    );
    expect(settling.map((w) => w.key)).toEqual(['2025-06-03T00:00/24h']); // today is not settled
    const old = windowsToJudge(at('2025-05-20T09:00:00Z'), 0, { hours: 24, settlingHours: 0, maxAgeHours: 96 }, now);
    expect(old).toEqual([]);
  });

  it('compares a filling window with the same hours of its baseline', () => {
    const w = windowOf(at('2025-06-05T09:00:00Z'), 0, 24);
    const last = at('2025-06-05T09:00:00Z');
    const prev = baselineBounds(w, 'previous', last);
    expect([prev.localStartMs, prev.localEndMs].map((m) => new Date(m).toISOString())).toEqual([
      '2025-06-04T00:00:00.000Z',
      '2025-06-04T10:00:00.000Z',
    ]);
    const week = baselineBounds(w, 'week_ago', w.localEndMs - HOUR_MS);
    expect(new Date(week.localStartMs).toISOString()).toBe('2025-05-29T00:00:00.000Z');
    expect(week.localEndMs - week.localStartMs).toBe(24 * HOUR_MS);
  });

  it('describes windows for people', () => {
    expect(describeWindow('2025-06-03T00:00/24h')).toBe('2025-06-03 (local day)');
    expect(describeWindow('2025-06-03T10:00/1h')).toBe('2025-06-03 10:00–11:00 local');
  });
});
