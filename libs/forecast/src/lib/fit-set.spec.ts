import { clockText, fitAdvertiser, localClock, localIso, LruCache, seriesFromRows, type HourlyRow } from '../index';

function rows(days: number, perHour: (d: number, h: number) => number): HourlyRow[] {
  const out: HourlyRow[] = [];
  for (let d = 0; d < days; d++)
    for (let h = 0; h < 24; h++) {
      const clicks = perHour(d, h);
      const date = new Date(Date.parse('2026-11-01T00:00:00Z') + d * 86_400_000).toISOString().slice(0, 10);
      out.push({ date, hour: h, spend: (clicks * 0.5).toFixed(2), clicks, orders: 0, sales: '0' });
    }
  return out;
}

describe('fitting an advertiser with fallback', () => {
  it('gives a young campaign the advertiser profile and an old one its own', () => {
    const old = seriesFromRows(
      rows(28, (_d, h) => (h >= 8 && h < 20 ? 10 : 1)),
      '2026-11-01',
      29,
    );
    const young = seriesFromRows(
      rows(28, (d, h) => (d >= 25 ? (h === 3 ? 5 : 0) : 0)).filter((r) => r.date >= '2026-11-26'),
      '2026-11-01',
      29,
    );
    const fit = fitAdvertiser(
      new Map([
        ['OLD', old],
        ['YOUNG', young],
      ]),
      { asOfDay: 28, weeks: 4 },
    );
    expect(fit.models.get('OLD')?.metrics.spend.profile.source).toBe('campaign');
    expect(fit.models.get('YOUNG')?.metrics.spend.profile.source).toBe('advertiser');
    expect(fit.profiles.spend.source).not.toBe('flat');
  });

  it('fits only the campaigns asked for', () => {
    const s = seriesFromRows(
      rows(14, () => 2),
      '2026-11-01',
      15,
    );
    const fit = fitAdvertiser(
      new Map([
        ['A', s],
        ['B', s],
      ]),
      { asOfDay: 14, fit: ['B'] },
    );
    expect([...fit.models.keys()]).toEqual(['B']);
  });
});

describe('local clock and times', () => {
  it('reads the local date and hour of an instant at an offset', () => {
    expect(localClock(Date.parse('2026-12-08T03:30:00Z'), -300)).toEqual({ date: '2026-12-07', hour: 22.5 });
    expect(localClock(Date.parse('2026-12-08T03:30:00Z'), 540)).toEqual({ date: '2026-12-08', hour: 12.5 });
  });
  it('writes a local time with the offset, 24:00 as the next midnight', () => {
    expect(localIso('2026-12-07', 13.3333, -300)).toBe('2026-12-07T13:20:00-05:00');
    expect(localIso('2026-12-07', 24, 330)).toBe('2026-12-08T00:00:00+05:30');
    expect(clockText(9.75)).toBe('09:45');
  });
});

describe('LRU', () => {
  it('keeps at most maxEntries, dropping the least recently used', () => {
    const c = new LruCache<number>(2);
    c.set('a', 1);
    c.set('b', 2);
    expect(c.get('a')).toBe(1);
    c.set('c', 3);
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBe(1);
    expect(c.size).toBe(2);
    expect([c.hits, c.misses]).toEqual([2, 1]);
  });
});
