import { validateRecord, type AmsRecord } from '@ams/ams';
import { loadFixture } from '@ams/testing';
import { addFreshness, entityChangedAt, type FreshnessRow, mergeFreshness, receivedAtOf } from './freshness';

function valid(body: Record<string, unknown>): AmsRecord {
  const v = validateRecord(body);
  if (!v.ok) throw new Error(v.reason);
  return v.record;
}

describe('entityChangedAt: audit.lastUpdatedDateTime of a change record', () => {
  it('reads an instant with an explicit offset as ISO UTC', () => {
    expect(entityChangedAt({ audit: { lastUpdatedDateTime: '2025-06-03T17:37:30.913Z' } })).toBe(
      '2025-06-03T17:37:30.913Z',
    );
    expect(entityChangedAt({ audit: { lastUpdatedDateTime: '2025-06-03T10:00:00-07:00' } })).toBe(
      '2025-06-03T17:00:00.000Z',
    );
  });

  it('is kept by the validated campaign record (libs/ams keeps the whole body in raw)', () => {
    const r = valid(loadFixture('08'));
    expect(r.kind).toBe('entity');
    expect(r.kind === 'entity' && entityChangedAt(r.raw)).toBe('2025-06-03T16:41:09.000Z');
  });

  it('gives null, never an error, when it is absent or not an instant', () => {
    for (const raw of [
      {},
      { audit: null },
      { audit: 'x' },
      { audit: [] },
      { audit: {} },
      { audit: { lastUpdatedDateTime: null } },
      { audit: { lastUpdatedDateTime: 1717430400000 } },
      { audit: { lastUpdatedDateTime: '2025-06-03T17:00:00' } }, // no offset: not an instant
      { audit: { lastUpdatedDateTime: '2025-02-30T00:00:00Z' } }, // not a real date
      { audit: { lastUpdatedDateTime: 'yesterday' } },
      { audit: { lastUpdatedDateTime: '0001-01-01T00:00:00Z' } },
    ]) {
      expect({ raw, at: entityChangedAt(raw as Record<string, unknown>) }).toEqual({ raw, at: null });
    }
  });
});

describe('dataset freshness rows', () => {
  const perf = (hour: string, advertiser = 'A1EXAMPLEADV01') =>
    valid({ ...loadFixture('02'), advertiser_id: advertiser, time_window_start: hour });

  it('keeps one row per advertiser and dataset with the latest receive time and hour, in any order', () => {
    const a = perf('2025-06-03T09:00:00-07:00');
    const b = perf('2025-06-03T11:00:00-07:00');
    const other = perf('2025-06-03T08:00:00-07:00', 'A2OTHER');
    const one = new Map<string, FreshnessRow>();
    addFreshness(one, [a], '2025-06-03T19:00:00.000Z');
    addFreshness(one, [b, other], '2025-06-03T18:00:00.000Z');
    const two = new Map<string, FreshnessRow>();
    addFreshness(two, [b, other], '2025-06-03T18:00:00.000Z');
    addFreshness(two, [a], '2025-06-03T19:00:00.000Z');
    const expected = [
      {
        advertiserId: 'A1EXAMPLEADV01',
        datasetId: 'sp-traffic',
        receivedAt: '2025-06-03T19:00:00.000Z',
        latestHourStart: '2025-06-03T18:00:00.000Z',
      },
      {
        advertiserId: 'A2OTHER',
        datasetId: 'sp-traffic',
        receivedAt: '2025-06-03T18:00:00.000Z',
        latestHourStart: '2025-06-03T15:00:00.000Z',
      },
    ];
    expect([...one.values()]).toEqual(expected);
    expect([...two.values()].sort((x, y) => x.advertiserId.localeCompare(y.advertiserId))).toEqual(expected);
  });

  it('has no hour for datasets that are not hourly, and "now" (null) wins over any receive time', () => {
    const rows = new Map<string, FreshnessRow>();
    mergeFreshness(rows, {
      advertiserId: 'A',
      datasetId: 'campaigns',
      receivedAt: '2025-06-03T19:00:00.000Z',
      latestHourStart: null,
    });
    mergeFreshness(rows, { advertiserId: 'A', datasetId: 'campaigns', receivedAt: null, latestHourStart: null });
    expect([...rows.values()]).toEqual([
      { advertiserId: 'A', datasetId: 'campaigns', receivedAt: null, latestHourStart: null },
    ]);
  });

  it('reads the receive-time header only when it is an instant', () => {
    expect(receivedAtOf('2025-06-03T19:00:00.123Z')).toBe('2025-06-03T19:00:00.123Z');
    expect(receivedAtOf('garbage')).toBeNull();
    expect(receivedAtOf(undefined)).toBeNull();
  });
});
