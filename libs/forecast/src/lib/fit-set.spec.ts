import {
  clockText,
  expectedDayTotal,
  fitAdvertiser,
  localClock,
  localIso,
  LruCache,
  seriesByCampaign,
  seriesFromRows,
  type CampaignHourRow,
  type HourlyRow,
} from '../index';

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

describe('series of a campaign younger than the history', () => {
  // a week of 10 clicks an hour at 0.50 at the end of 28 days; the facts leave out hours without traffic
  const week: CampaignHourRow[] = rows(28, () => 10)
    .filter((r) => r.date >= '2026-11-22')
    .map((r) => ({
      campaign_id: 'NEW',
      local_date: r.date,
      hour: r.hour,
      spend: r.spend,
      clicks: String(r.clicks),
      orders: '0',
      sales: '0',
    }));
  const today = { date: '2026-11-29', hour: 0 };

  it('leaves the days before its first fact missing, not zero, so its level is that of the week it has', () => {
    const zeros = seriesByCampaign(week, '2026-11-01', 29, today).get('NEW');
    const since = seriesByCampaign(week, '2026-11-01', 29, today, { sinceFirstRow: true }).get('NEW');
    if (!zeros || !since) throw new Error('no series');
    expect(zeros.clicks[0]).toBe(0);
    expect(Number.isNaN(since.clicks[0])).toBe(true);
    expect(Number.isNaN(since.clicks[21 * 24 - 1])).toBe(true);
    expect(since.clicks[21 * 24]).toBe(10);
    const level = (s: typeof since) => {
      const model = fitAdvertiser(new Map([['NEW', s]]), { asOfDay: 28 }).models.get('NEW');
      return model ? expectedDayTotal(model.metrics.clicks, 0, 0) : NaN;
    };
    expect(level(since)).toBeCloseTo(240, 0);
    // the three weeks of zeros drag it far below what it sells
    expect(level(zeros)).toBeLessThan(120);
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
