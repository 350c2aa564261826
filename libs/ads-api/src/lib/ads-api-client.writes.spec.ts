import {
  AdsEmulator,
  DEFAULT_PROFILE_IDS,
  SeedProfile,
  defaultSeed,
  keywordHeavySeed,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import { AdsApiClientOptions } from './ads-api-client';
import { emulatorClient } from './emulator-client.spec-env';
import { AdsWriteInDoubtError } from './errors';
import { AdsEntityWriter, EntityChange, EntityChangeResult, WRITE_BATCH_LIMITS } from './entity-writer';

/** The write side over HTTP against the emulator: per-product updates, chunking, 207s, no blind retries. */
describe('AdsApiClient: writes', () => {
  let emu: AdsEmulator;
  // 125 campaigns per profile: 25 SB campaigns each (SP, SP, SB, SD, SP, …)
  const seed = defaultSeed({ campaigns: 125 });
  const [us, de] = DEFAULT_PROFILE_IDS;
  const client = (o: Partial<AdsApiClientOptions> = {}) => emulatorClient(emu, { retry: { baseDelayMs: 10 }, ...o });
  const writer = (o: Partial<AdsApiClientOptions> = {}) => new AdsEntityWriter(client(o));
  const profile = (id: string) => seed.profiles.find((p) => p.profileId === id) as SeedProfile;
  const campaigns = (id: string, product: 'sp' | 'sb' | 'sd') =>
    profile(id).campaigns.filter((c) => c.adProduct === product);
  const ofProduct = <T extends { campaignId: string }>(id: string, product: 'sp' | 'sb' | 'sd', xs: T[]) => {
    const ids = new Set(campaigns(id, product).map((c) => c.campaignId));
    return xs.filter((x) => ids.has(x.campaignId));
  };
  const puts = () => emu.control.requests.filter((r) => r.method === 'PUT');

  beforeAll(async () => {
    emu = await startAdsEmulator({ seed });
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('every product and entity type: updates, answers per item, and reads back (int64 ids exact on DE)', async () => {
    const p = profile(de); // DE ids are beyond 2^53, e.g. 9007199254740993001
    const kw = (product: 'sp' | 'sb') => ofProduct(de, product, p.keywords)[0];
    const tg = (product: 'sp' | 'sb' | 'sd') => ofProduct(de, product, p.targets)[0];
    const ag = (product: 'sp' | 'sb' | 'sd') => ofProduct(de, product, p.adGroups)[0];
    const changes: EntityChange[] = [
      { adProduct: 'SP', entityType: 'campaign', entityId: campaigns(de, 'sp')[0].campaignId, budget: '12.50' },
      { adProduct: 'SP', entityType: 'campaign', entityId: campaigns(de, 'sp')[1].campaignId, state: 'PAUSED' },
      { adProduct: 'SP', entityType: 'ad_group', entityId: ag('sp').adGroupId, bid: '0.66' },
      { adProduct: 'SP', entityType: 'keyword', entityId: kw('sp').keywordId, bid: '0.41', state: 'PAUSED' },
      { adProduct: 'SP', entityType: 'target', entityId: tg('sp').targetId, bid: '1.23' },
      { adProduct: 'SB', entityType: 'campaign', entityId: campaigns(de, 'sb')[0].campaignId, budget: '77.70' },
      { adProduct: 'SB', entityType: 'ad_group', entityId: ag('sb').adGroupId, state: 'PAUSED' },
      {
        adProduct: 'SB',
        entityType: 'keyword',
        entityId: kw('sb').keywordId,
        campaignId: kw('sb').campaignId,
        adGroupId: kw('sb').adGroupId,
        bid: '0.93',
      },
      {
        adProduct: 'SB',
        entityType: 'target',
        entityId: tg('sb').targetId,
        campaignId: tg('sb').campaignId,
        adGroupId: tg('sb').adGroupId,
        state: 'PAUSED',
      },
      { adProduct: 'SD', entityType: 'campaign', entityId: campaigns(de, 'sd')[0].campaignId, budget: '31.05' },
      { adProduct: 'SD', entityType: 'ad_group', entityId: ag('sd').adGroupId, bid: '0.88', state: 'PAUSED' },
      { adProduct: 'SD', entityType: 'target', entityId: tg('sd').targetId, bid: '2.50' },
    ];
    const w = writer();
    const results = await w.apply(de, changes);
    expect(results.map((r) => [r.change.entityId, r.ok, r.code])).toEqual(
      changes.map((c) => [c.entityId, true, 'SUCCESS']),
    );
    expect(results.every((r) => typeof r.requestId === 'string')).toBe(true);
    // SP and SB v4 return the entity (Prefer: return=representation)
    expect(results[0].after).toMatchObject({ budget: '12.5', state: 'ENABLED' });
    expect(results[5].after).toMatchObject({ budget: '77.7' });
    expect(results[9].after).toBeNull(); // SD answers carry no entity
    for (const c of changes) {
      const [snap] = await w.read(de, c.adProduct, c.entityType, [c.entityId]);
      expect(snap).toMatchObject({ entityId: c.entityId, found: true });
      if (c.state) expect(snap.state).toBe(c.state);
      if (c.budget) expect(Number(snap.budget)).toBe(Number(c.budget));
      if (c.bid) expect(Number(snap.bid)).toBe(Number(c.bid));
    }
    // one PUT per product and type, int64 ids as bare numbers, amounts with their exact digits
    expect(puts().map((r) => r.path)).toEqual([
      '/sp/campaigns',
      '/sp/adGroups',
      '/sp/keywords',
      '/sp/targets',
      '/sb/v4/campaigns',
      '/sb/v4/adGroups',
      '/sb/keywords',
      '/sb/targets',
      '/sd/campaigns',
      '/sd/adGroups',
      '/sd/targets',
    ]);
    const body = (path: string) => puts().find((r) => r.path === path)?.body ?? '';
    expect(body('/sp/campaigns')).toContain('"budget":{"budget":12.50,"budgetType":"DAILY"}');
    expect(body('/sb/v4/campaigns')).toContain('"budget":77.70');
    expect(body('/sd/targets')).toBe(`[{"targetId":${tg('sd').targetId},"bid":2.50}]`);
    expect(body('/sb/keywords')).toBe(
      `[{"keywordId":${kw('sb').keywordId},"adGroupId":${kw('sb').adGroupId},"campaignId":${kw('sb').campaignId},"bid":0.93}]`,
    );
    expect(BigInt(tg('sd').targetId)).toBeGreaterThan(2n ** 53n);
    expect(puts()[0].accept).toBe('application/vnd.spCampaign.v3+json');
    expect(puts().find((r) => r.path === '/sb/keywords')?.accept).toBe('application/vnd.sbkeywordresponse.v3+json');
    // the emulator's change log: one effective change per field sent
    expect(emu.control.changes().filter((c) => c.from !== c.to)).toHaveLength(14);
  });

  it('read: unknown ids come back found:false, in the order asked; effective budgets from Amazon rules', async () => {
    const sp = campaigns(us, 'sp')[0].campaignId;
    const sb = campaigns(us, 'sb')[0].campaignId;
    emu.control.setEntity('SP', 'campaign', sp, { effectiveBudget: 30 });
    emu.control.setEntity('SB', 'campaign', sb, { effectiveBudget: 66 });
    const w = writer();
    const snaps = await w.read(us, 'SP', 'campaign', ['999', sp]);
    expect(snaps.map((s) => [s.entityId, s.found, s.effectiveBudget])).toEqual([
      ['999', false, null],
      [sp, true, '30'],
    ]);
    expect((await w.read(us, 'SB', 'campaign', [sb]))[0].effectiveBudget).toBe('66');
    expect(emu.control.changes().map((c) => [c.field, c.source])).toEqual([
      ['effectiveBudget', 'outside'],
      ['effectiveBudget', 'outside'],
    ]);
  });

  it('chunks: 25 SB campaign changes are 3 PUTs of at most 10', async () => {
    const sb = campaigns(us, 'sb');
    expect(sb).toHaveLength(25);
    const results = await writer().apply(
      us,
      sb.map((c, i) => ({ adProduct: 'SB', entityType: 'campaign', entityId: c.campaignId, budget: `${50 + i}` })),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(results.map((r) => r.change.entityId)).toEqual(sb.map((c) => c.campaignId));
    expect(puts().map((r) => JSON.parse(r.body ?? '{}').campaigns.length)).toEqual([10, 10, 5]);
    expect(WRITE_BATCH_LIMITS.SB.campaign).toBe(10);
  });

  it('chunks: 2,500 SP keywords are 3 PUTs (1000, 1000, 500), one result each in order', async () => {
    const heavy = keywordHeavySeed(2500);
    const big = await startAdsEmulator({ seed: heavy });
    try {
      const c = emulatorClient(big, { retry: { baseDelayMs: 10 } });
      const kws = heavy.profiles[0].keywords;
      const results = await c.updateSpKeywords(
        us,
        kws.map((k) => ({ keywordId: k.keywordId, bid: '0.55' })),
      );
      expect(results).toHaveLength(2500);
      expect(results.every((r, i) => r.ok && r.index === i && r.id === kws[i].keywordId)).toBe(true);
      const sent = big.control.requests.filter((r) => r.method === 'PUT');
      expect(sent.map((r) => JSON.parse(r.body ?? '{}').keywords.length)).toEqual([1000, 1000, 500]);
    } finally {
      await big.stop();
    }
  });

  it('a 207 with one failed item: that item ok:false with its code and message, the others applied', async () => {
    const sp = campaigns(us, 'sp').slice(0, 3);
    const w = writer();
    const results = await w.apply(us, [
      { adProduct: 'SP', entityType: 'campaign', entityId: sp[0].campaignId, budget: '40' },
      { adProduct: 'SP', entityType: 'campaign', entityId: sp[1].campaignId, budget: '0.50' },
      { adProduct: 'SP', entityType: 'campaign', entityId: sp[2].campaignId, budget: '41' },
    ]);
    expect(results.map((r) => [r.ok, r.code, r.retryable])).toEqual([
      [true, 'SUCCESS', false],
      [false, 'BUDGET_TOO_LOW', false],
      [true, 'SUCCESS', false],
    ]);
    expect(results[1].message).toMatch(/budget/);
    expect(results[1].raw).toMatchObject({ index: 1, errors: [{ errorType: 'budgetError' }] });
    const snaps = await w.read(
      us,
      'SP',
      'campaign',
      sp.map((c) => c.campaignId),
    );
    expect(snaps.map((s) => s.budget)).toEqual(['40', String(sp[1].budget), '41']);
    // SD: an unknown id is NOT_FOUND, a bid out of range is refused, the rest applied
    const sdT = ofProduct(de, 'sd', profile(de).targets);
    const sd = await w.apply(de, [
      { adProduct: 'SD', entityType: 'target', entityId: sdT[0].targetId, bid: '1.10' },
      { adProduct: 'SD', entityType: 'target', entityId: '9007199254740993999', bid: '1.10' },
      { adProduct: 'SD', entityType: 'target', entityId: sdT[1].targetId, bid: '1000.01' },
    ]);
    expect(sd.map((r) => [r.ok, r.code])).toEqual([
      [true, 'SUCCESS'],
      [false, 'NOT_FOUND'],
      [false, 'INVALID_ARGUMENT'],
    ]);
  });

  it('a throttled item (throttledError / THROTTLED) is retryable and not applied', async () => {
    const kws = ofProduct(us, 'sp', profile(us).keywords).slice(0, 3);
    emu.control.injectFault({ route: 'sp', method: 'PUT', action: { kind: 'item-throttled', index: 1 } });
    const results = await writer().apply(
      us,
      kws.map((k) => ({ adProduct: 'SP', entityType: 'keyword', entityId: k.keywordId, bid: '0.99' })),
    );
    expect(results.map((r) => [r.ok, r.code, r.retryable])).toEqual([
      [true, 'SUCCESS', false],
      [false, 'THROTTLED', true],
      [true, 'SUCCESS', false],
    ]);
    const sbK = ofProduct(de, 'sb', profile(de).keywords)[0];
    emu.control.injectFault({ route: 'sb', method: 'PUT', action: { kind: 'item-throttled', index: 0 } });
    const [sb] = await writer().apply(de, [
      {
        adProduct: 'SB',
        entityType: 'keyword',
        entityId: sbK.keywordId,
        campaignId: sbK.campaignId,
        adGroupId: sbK.adGroupId,
        bid: '0.99',
      },
    ]);
    expect([sb.ok, sb.code, sb.retryable]).toEqual([false, 'THROTTLED', true]);
    expect(emu.control.changes().map((c) => c.entityId)).toEqual([kws[0].keywordId, kws[2].keywordId]);
  });

  it('a PUT that times out is not sent again: AdsWriteInDoubtError, one PUT, and Amazon did apply it', async () => {
    const sb = campaigns(us, 'sb');
    const changes: EntityChange[] = sb.map((c) => ({
      adProduct: 'SB',
      entityType: 'campaign',
      entityId: c.campaignId,
      budget: '99',
    }));
    const w = writer({ requestTimeoutMs: 400 });
    emu.control.injectFault({ route: 'sb', method: 'PUT', action: { kind: 'delay', ms: 1_500 } });
    const err = (await w.apply(us, changes).catch((e: unknown) => e)) as AdsWriteInDoubtError<EntityChangeResult>;
    expect(err).toBeInstanceOf(AdsWriteInDoubtError);
    expect(err.profileId).toBe(us);
    expect(err.itemIds).toEqual(sb.slice(0, 10).map((c) => c.campaignId));
    expect(err.notSent).toEqual(sb.slice(10).map((c) => c.campaignId));
    expect(err.settled).toEqual([]);
    expect(puts()).toHaveLength(1);
    const snaps = await w.read(us, 'SB', 'campaign', err.itemIds);
    expect(snaps.every((s) => s.budget === '99')).toBe(true);
  });

  it('a 5xx on a later chunk: in doubt, earlier chunk results settled, no retry', async () => {
    const sb = campaigns(us, 'sb').slice(0, 15);
    // the first PUT passes (a fault that does nothing visible: a 0 ms delay), the second gets a 503
    emu.control.injectFault({ route: 'sb', method: 'PUT', action: { kind: 'delay', ms: 0 } });
    emu.control.injectFault({ route: 'sb', method: 'PUT', action: { kind: 'status', status: 503 } });
    const err = (await writer()
      .apply(
        us,
        sb.map((c) => ({ adProduct: 'SB', entityType: 'campaign', entityId: c.campaignId, state: 'PAUSED' })),
      )
      .catch((e: unknown) => e)) as AdsWriteInDoubtError<EntityChangeResult>;
    expect(err).toBeInstanceOf(AdsWriteInDoubtError);
    expect(err.settled.map((r) => [r.change.entityId, r.ok])).toEqual(sb.slice(0, 10).map((c) => [c.campaignId, true]));
    expect(err.itemIds).toEqual(sb.slice(10).map((c) => c.campaignId));
    expect(puts().map((r) => r.status)).toEqual([207, 503]);
  });

  it('a 429 on a PUT is retried (Amazon did not apply it) and applied once', async () => {
    const k = ofProduct(us, 'sp', profile(us).keywords)[0];
    emu.control.injectFault({
      route: 'sp',
      method: 'PUT',
      action: { kind: 'status', status: 429, body: '{"code":"THROTTLED","message":"Too Many Requests"}' },
    });
    const [r] = await writer().apply(us, [
      { adProduct: 'SP', entityType: 'keyword', entityId: k.keywordId, bid: '0.77' },
    ]);
    expect(r.ok).toBe(true);
    expect(puts().map((x) => x.status)).toEqual([429, 207]);
    expect(emu.control.changes().map((c) => [c.entityId, c.field, c.from, c.to, c.source])).toEqual([
      [k.keywordId, 'bid', k.bid, 0.77, 'api'],
    ]);
  });

  it('refuses changes a product cannot take before sending anything', async () => {
    const w = writer();
    await expect(w.apply(us, [{ adProduct: 'SB', entityType: 'keyword', entityId: '1', bid: '1' }])).rejects.toThrow(
      /campaignId and adGroupId/,
    );
    await expect(w.apply(us, [{ adProduct: 'SD', entityType: 'keyword', entityId: '1', bid: '1' }])).rejects.toThrow(
      /not writable/,
    );
    await expect(w.apply(us, [{ adProduct: 'SP', entityType: 'keyword', entityId: '1', bid: '1,5' }])).rejects.toThrow(
      RangeError,
    );
    expect(puts()).toHaveLength(0);
  });
});
