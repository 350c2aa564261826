import { campaignLockKey, localDateOf, planForDay, planForScopes, planFromTouched, sweepDays } from './rollup.scope';

describe('rollup scope', () => {
  it("gives an hour the advertiser's local date, on both sides of a DST change", () => {
    expect(localDateOf('2025-03-09T07:00:00.000Z', -480)).toBe('2025-03-08'); // 23:00 PST
    expect(localDateOf('2025-03-09T08:00:00.000Z', -480)).toBe('2025-03-09'); // 00:00 PST
    expect(localDateOf('2025-03-10T06:00:00.000Z', -420)).toBe('2025-03-09'); // 23:00 PDT, the 23rd hour
    expect(localDateOf('2025-06-01T15:00:00.000Z', 540)).toBe('2025-06-02'); // 00:00 JST
    expect(localDateOf('2025-06-01T18:30:00.000Z', 330)).toBe('2025-06-02'); // 00:00 IST
  });

  it('merges a batch: each campaign-hour and campaign-day once, in campaign order, chunked', () => {
    const t = (advertiserId: string, campaignId: string, hourStart: string, utcOffsetMinutes = -420) => ({
      advertiserId,
      campaignId,
      hourStart,
      utcOffsetMinutes,
    });
    const chunks = planFromTouched(
      [
        t('A2', 'c1', '2025-03-09T10:00:00Z'),
        t('A1', 'c2', '2025-03-09T10:00:00.000Z'),
        t('A1', 'c1', '2025-03-09T11:00:00Z'),
        t('A1', 'c1', '2025-03-09T11:00:00.000Z'), // duplicate
        t('A1', 'c1', '2025-03-10T06:00:00Z'), // still 2025-03-09 locally
        t('A1', 'c1', '2025-03-10T07:00:00Z'), // 2025-03-10
      ],
      2,
    );
    expect(chunks).toHaveLength(2);
    expect(chunks[0].campaigns).toBe(2);
    expect(chunks[0].hours).toEqual([
      { advertiserId: 'A1', campaignId: 'c1', hourStart: '2025-03-09T11:00:00.000Z' },
      { advertiserId: 'A1', campaignId: 'c1', hourStart: '2025-03-10T06:00:00.000Z' },
      { advertiserId: 'A1', campaignId: 'c1', hourStart: '2025-03-10T07:00:00.000Z' },
      { advertiserId: 'A1', campaignId: 'c2', hourStart: '2025-03-09T10:00:00.000Z' },
    ]);
    expect(chunks[0].days).toEqual([
      { advertiserId: 'A1', campaignId: 'c1', localDate: '2025-03-09' },
      { advertiserId: 'A1', campaignId: 'c1', localDate: '2025-03-10' },
      { advertiserId: 'A1', campaignId: 'c2', localDate: '2025-03-09' },
    ]);
    expect(chunks[1].days).toEqual([{ advertiserId: 'A2', campaignId: 'c1', localDate: '2025-03-09' }]);
  });

  it('plans the drain: whole days, each campaign-day once, days of a campaign in one chunk, in campaign order', () => {
    const d = (advertiserId: string, campaignId: string, localDate: string) => ({
      advertiserId,
      campaignId,
      localDate,
    });
    const chunks = planForScopes(
      [
        d('A', 'c2', '2025-06-02'),
        d('A', 'c1', '2025-06-03'),
        d('A', 'c2', '2025-05-01'),
        d('A', 'c1', '2025-06-03'),
        d('B', 'c1', '2025-06-03'),
      ],
      2,
    );
    expect(chunks.map((c) => ({ campaigns: c.campaigns, hours: c.hours, days: c.days }))).toEqual([
      {
        campaigns: 2,
        hours: 'whole-days',
        days: [d('A', 'c1', '2025-06-03'), d('A', 'c2', '2025-05-01'), d('A', 'c2', '2025-06-02')],
      },
      { campaigns: 1, hours: 'whole-days', days: [d('B', 'c1', '2025-06-03')] },
    ]);
    expect(chunks[0].lockKeys).toEqual([campaignLockKey('A', 'c1'), campaignLockKey('A', 'c2')].sort((a, b) => a - b));
  });

  it('takes locks in one global order, whatever the arrival order', () => {
    const campaigns = Array.from({ length: 50 }, (_, i) => ({ advertiserId: `A${i % 3}`, campaignId: `c${i}` }));
    const [chunk] = planForDay('2025-03-09', campaigns, 100);
    const [reversed] = planForDay('2025-03-09', [...campaigns].reverse(), 100);
    expect(chunk.lockKeys).toEqual(reversed.lockKeys);
    expect(chunk.lockKeys).toEqual([...chunk.lockKeys].sort((a, b) => a - b));
    expect(chunk.hours).toBe('whole-days');
    expect(campaignLockKey('A1', 'c1')).toBe(campaignLockKey('A1', 'c1'));
    expect(campaignLockKey('A1', 'c1')).not.toBe(campaignLockKey('A1c', '1'));
    expect(Number.isInteger(campaignLockKey('A1', 'c1')) && Math.abs(campaignLockKey('A1', 'c1')) < 2 ** 31).toBe(true);
  });

  it('sweeps the local days overlapping the window for every offset, newest first', () => {
    const now = new Date('2025-11-03T05:10:00Z');
    expect(sweepDays('traffic', now, { trafficHours: 72, conversionDays: 60 })).toEqual([
      '2025-11-04',
      '2025-11-03',
      '2025-11-02',
      '2025-11-01',
      '2025-10-31',
      '2025-10-30',
    ]);
    const conversion = sweepDays('conversion', now, { trafficHours: 72, conversionDays: 60 });
    expect(conversion[0]).toBe('2025-11-04');
    expect(conversion[conversion.length - 1]).toBe('2025-09-03');
    expect(conversion).toHaveLength(63);
  });
});
