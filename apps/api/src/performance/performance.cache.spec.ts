import { createHash } from 'node:crypto';
import { type CachedResponse, PerformanceCache, weakEtag } from './performance.cache';

const response = (text: string, over: Partial<CachedResponse> = {}): CachedResponse => ({
  body: Buffer.from(text),
  etag: weakEtag(Buffer.from(text)),
  campaignId: 'C1',
  settingsAdvertisers: null,
  settingsStamp: '',
  ...over,
});

function liveCache(limits: Partial<{ maxEntries: number; maxBytes: number; ttlMs: number }> = {}, now = () => 0) {
  const cache = new PerformanceCache({ maxEntries: 100, maxBytes: 1 << 20, ttlMs: 60_000, ...limits }, now);
  cache.setLive(true);
  return cache;
}

describe('PerformanceCache', () => {
  it('stores nothing and hands out no ticket until live, or when maxEntries is 0', () => {
    const idle = new PerformanceCache({ maxEntries: 10, maxBytes: 1000, ttlMs: 1000 });
    expect(idle.ticket()).toBeUndefined();
    expect(idle.set('k', response('x'), 0)).toBe('off');
    const off = new PerformanceCache({ maxEntries: 0, maxBytes: 1000, ttlMs: 1000 });
    off.setLive(true);
    expect(off.enabled).toBe(false);
    expect(off.ticket()).toBeUndefined();
  });

  it('stores an answer read from a replica only if the replica had every update heard for it', () => {
    let now = 1_000;
    const cache = liveCache({}, () => now); // live at 1,000: answers read from a replica must include a sample after it
    const fromReplica = (lsn: bigint, caughtUpAt: number) =>
      response('r', { advertiserId: 'A1', readFrom: { lsn, caughtUpAt } });
    expect(cache.set('k', fromReplica(0n, 999), cache.ticket())).toBe('behind');
    expect(cache.set('k', fromReplica(0n, 1_000), cache.ticket())).toBe('stored');
    // an event with the WAL position after its commit: the campaign's and the advertiser's answers need it
    cache.invalidate([{ advertiserId: 'A1', campaignId: 'C1' }], 500n);
    expect(cache.need('C1')).toEqual({ lsn: 500n, at: 1_000 });
    expect(cache.need(undefined, 'A1')).toEqual({ lsn: 500n, at: 1_000 });
    expect(cache.need('C2')).toEqual({ lsn: 0n, at: 1_000 });
    expect(cache.set('k', fromReplica(499n, 5_000), cache.ticket())).toBe('behind');
    expect(cache.set('k', fromReplica(500n, 1_000), cache.ticket())).toBe('stored');
    expect(cache.set('p', response('primary'), cache.ticket())).toBe('stored'); // read from the primary: always current
    // an event without a position (an older processor): a primary position sampled after it was heard
    now = 2_000;
    cache.invalidate([{ advertiserId: 'A1', campaignId: 'C1' }]);
    expect(cache.need('C1')).toEqual({ lsn: 500n, at: 2_000 });
    expect(cache.set('k', fromReplica(900n, 1_999), cache.ticket())).toBe('behind');
    expect(cache.set('k', fromReplica(900n, 2_000), cache.ticket())).toBe('stored');
    // the feed lost (events may be missed): every replica answer needs a sample after that, whatever its campaign
    now = 3_000;
    cache.setLive(false);
    cache.setLive(true);
    expect(cache.need('C7')).toEqual({ lsn: 500n, at: 3_000 });
  });

  it('refuses a store when its campaign or advertiser was invalidated after the ticket, accepts one taken after', () => {
    const cache = liveCache();
    const t = cache.ticket();
    cache.invalidate([{ advertiserId: 'A9', campaignId: 'C1' }]);
    expect(cache.set('k', response('old'), t)).toBe('raced');
    expect(cache.set('a', response('old', { campaignId: undefined, advertiserId: 'A9' }), t)).toBe('raced');
    expect(cache.set('other', response('x', { campaignId: 'C2', advertiserId: 'A1' }), t)).toBe('stored');
    expect(cache.set('k', response('new'), cache.ticket())).toBe('stored');
    expect(cache.get('k')?.body.toString()).toBe('new');
  });

  it('drops entries by campaign and by advertiser', () => {
    const cache = liveCache();
    cache.set('c1', response('1'), cache.ticket());
    cache.set('c2', response('2', { campaignId: 'C2' }), cache.ticket());
    cache.set('a1', response('3', { campaignId: undefined, advertiserId: 'A1' }), cache.ticket());
    expect(cache.invalidate([{ advertiserId: 'A1', campaignId: 'C1' }])).toBe(2);
    expect([cache.get('c1'), cache.get('a1')]).toEqual([undefined, undefined]);
    expect(cache.get('c2')?.body.toString()).toBe('2');
  });

  it('voids every ticket when emptied or when it stops being live', () => {
    const cache = liveCache();
    const t = cache.ticket();
    cache.setLive(false);
    cache.setLive(true);
    expect(cache.set('k', response('x'), t)).toBe('raced');
    const t2 = cache.ticket();
    cache.clear();
    expect(cache.set('k', response('x'), t2)).toBe('raced');
  });

  it('evicts the least recently used entry beyond maxEntries and beyond maxBytes', () => {
    const byCount = liveCache({ maxEntries: 2 });
    byCount.set('a', response('a'), byCount.ticket());
    byCount.set('b', response('b'), byCount.ticket());
    byCount.get('a');
    byCount.set('c', response('c'), byCount.ticket());
    expect([byCount.get('a')?.body.toString(), byCount.get('b'), byCount.get('c')?.body.toString()]).toEqual([
      'a',
      undefined,
      'c',
    ]);

    const body = 'x'.repeat(2000); // 2,000 bytes, plus the key (UTF-16, 2 bytes a character)
    const byBytes = liveCache({ maxBytes: 5000 });
    byBytes.set('k1', response(body), byBytes.ticket());
    byBytes.set('k2', response(body), byBytes.ticket());
    expect(byBytes.bytes).toBe(2 * (2000 + 4));
    byBytes.set('k3', response(body), byBytes.ticket());
    expect(byBytes.size).toBe(2);
    expect(byBytes.bytes).toBeLessThanOrEqual(5000);
    expect(byBytes.get('k1')).toBeUndefined();
    expect(byBytes.set('huge', response('y'.repeat(6000)), byBytes.ticket())).toBe('too-large');
  });

  it('forgets an entry after its TTL', () => {
    let now = 1000;
    const cache = liveCache({ ttlMs: 500 }, () => now);
    cache.set('k', response('x'), cache.ticket());
    now = 1499;
    expect(cache.get('k')?.body.toString()).toBe('x');
    now = 1500;
    expect(cache.get('k')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('computes the ETag Express would (weak, byte length and sha1)', () => {
    const body = '{"a":"é"}';
    const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
    expect(weakEtag(Buffer.from(body))).toBe(`W/"${Buffer.byteLength(body).toString(16)}-${hash}"`);
  });
});
