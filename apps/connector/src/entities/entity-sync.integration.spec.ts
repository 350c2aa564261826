import { CONNECTOR_ENTITIES_SYNC, CONNECTOR_PROFILES_SYNC } from '@ams/contracts';
import { defaultSeed } from '@ams/ads-api-emulator';
import { ConnectorHarness, US_PROFILE } from '../testing/connector.harness';

/** The default seed's US profile with 7 ad groups × 40 keywords: 280 keywords, 12 pages of 25. */
function keywordSeed() {
  const seed = defaultSeed();
  const us = seed.profiles.find((p) => p.profileId === US_PROFILE);
  if (!us) throw new Error('no US profile in the seed');
  const sp = us.campaigns.find((c) => c.adProduct === 'sp');
  if (!sp) throw new Error('no SP campaign');
  for (let g = 0; g < 7; g++) {
    const adGroupId = String(7_000_000_000_000_000n + BigInt(g));
    us.adGroups.push({ adGroupId, campaignId: sp.campaignId, name: `Paging ${g}`, state: 'ENABLED', defaultBid: 0.5 });
    for (let k = 0; k < 40; k++)
      us.keywords.push({
        keywordId: String(7_100_000_000_000_000n + BigInt(g * 40 + k)),
        adGroupId,
        campaignId: sp.campaignId,
        keywordText: `paging keyword ${g}-${k}`,
        matchType: 'EXACT',
        state: 'ENABLED',
        bid: 0.25,
      });
  }
  return seed;
}

describe('entity sync', () => {
  let h: ConnectorHarness;
  let seedKeywords = 0;
  let seedTargets = 0;
  let seedAdGroups = 0;
  let seedCampaigns = 0;
  beforeAll(async () => {
    const seed = keywordSeed();
    const us = seed.profiles.find((p) => p.profileId === US_PROFILE);
    if (!us) throw new Error('no US profile');
    const sp = new Set(us.campaigns.filter((c) => c.adProduct === 'sp').map((c) => c.campaignId));
    seedKeywords = us.keywords.filter((k) => sp.has(k.campaignId)).length;
    seedTargets = us.targets.filter((t) => sp.has(t.campaignId)).length;
    seedAdGroups = us.adGroups.filter((g) => sp.has(g.campaignId)).length;
    seedCampaigns = us.campaigns.length;
    h = await ConnectorHarness.create('entities', { emulator: { seed }, env: { ADS_ENTITY_PAGE_SIZE: '25' } });
    await h.request(CONNECTOR_PROFILES_SYNC, {});
  });
  afterAll(() => h?.close());

  const count = async (where: string) =>
    Number((await h.query<{ n: string }>(`SELECT count(*) AS n FROM ads_entity WHERE ${where}`))[0].n);

  it('pages through every listing and stores each entity once, in AMS vocabulary', async () => {
    const reply = await h.request(CONNECTOR_ENTITIES_SYNC, { profileId: US_PROFILE });
    expect(reply.results).toHaveLength(1);
    expect(reply.results[0]).toMatchObject({ profileId: US_PROFILE, status: 'ok' });
    expect(reply.results[0].counts).toMatchObject({
      spKeywords: seedKeywords,
      spTargets: seedTargets,
      spAdGroups: seedAdGroups,
    });
    expect(seedKeywords).toBeGreaterThan(25 * 10);
    // every keyword page was requested: ceil(n / 25) SP keyword list calls
    const keywordCalls = h.emulator.control.requests.filter((r) => r.path === '/sp/keywords/list').length;
    expect(keywordCalls).toBe(Math.ceil(seedKeywords / 25));

    const sp = `profile_id = '${US_PROFILE}' AND ad_product = 'SPONSORED_PRODUCTS'`;
    expect(await count(`${sp} AND target_kind = 'keyword'`)).toBe(seedKeywords);
    expect(await count(`${sp} AND target_kind = 'target'`)).toBe(seedTargets);
    expect(await count(`${sp} AND entity_type = 'ad_group'`)).toBe(seedAdGroups);
    expect(await count(`profile_id = '${US_PROFILE}' AND entity_type = 'campaign'`)).toBe(seedCampaigns);
    const distinct = await h.query<{ n: string }>(
      `SELECT count(DISTINCT entity_id) AS n FROM ads_entity WHERE target_kind = 'keyword' AND ${sp}`,
    );
    expect(Number(distinct[0].n)).toBe(seedKeywords);

    const campaigns = await h.query<Record<string, string | null>>(
      `SELECT ad_product, state, budget_type, budget_currency, entity_id, campaign_id FROM ads_entity
       WHERE entity_type = 'campaign' ORDER BY entity_id`,
    );
    expect(new Set(campaigns.map((c) => c.ad_product))).toEqual(
      new Set(['SPONSORED_PRODUCTS', 'SPONSORED_BRANDS', 'SPONSORED_DISPLAY']),
    );
    const sd = campaigns.find((c) => c.ad_product === 'SPONSORED_DISPLAY');
    expect(sd).toMatchObject({ state: 'ENABLED', budget_type: 'DAILY', budget_currency: 'USD' });
    expect(campaigns.every((c) => c.campaign_id === c.entity_id && c.state === c.state?.toUpperCase())).toBe(true);
    const [kw] = await h.query<Record<string, unknown>>(
      `SELECT name, bid::text AS bid, match_type, raw->>'keywordId' AS raw_id, entity_id FROM ads_entity
       WHERE entity_id = '7100000000000007'`,
    );
    expect(kw).toEqual({
      name: 'paging keyword 0-7',
      bid: '0.25',
      match_type: 'EXACT',
      raw_id: '7100000000000007',
      entity_id: '7100000000000007',
    });
    const [state] = await h.query<{ status: string }>(
      `SELECT status FROM ads_sync_state WHERE kind = 'entities' AND scope = '${US_PROFILE}'`,
    );
    expect(state.status).toBe('ok');
  });

  it('lists every SB/SD ad group, keyword and target of each profile once, in AMS vocabulary', async () => {
    const started = new Date();
    const reply = await h.request(CONNECTOR_ENTITIES_SYNC, {});
    expect(reply.results.map((r) => [r.profileId, r.status]).sort()).toEqual(
      h.emulator.control.seed.profiles.map((p) => [p.profileId, 'ok']).sort(),
    );
    for (const p of h.emulator.control.seed.profiles) {
      const of = (product: 'sb' | 'sd') =>
        new Set(p.campaigns.filter((c) => c.adProduct === product).map((c) => c.campaignId));
      const [sb, sd] = [of('sb'), of('sd')];
      // [entity_type, target_kind, ad_product, entity_id, campaign_id, ad_group_id, name, state, match_type, bid]
      const adGroup = (adProduct: string, g: (typeof p.adGroups)[number], bid: number | null) => [
        'ad_group',
        null,
        adProduct,
        g.adGroupId,
        g.campaignId,
        g.adGroupId,
        g.name,
        g.state,
        null,
        bid,
      ];
      const want = [
        ...p.adGroups.filter((g) => sb.has(g.campaignId)).map((g) => adGroup('SPONSORED_BRANDS', g, null)),
        ...p.adGroups.filter((g) => sd.has(g.campaignId)).map((g) => adGroup('SPONSORED_DISPLAY', g, g.defaultBid)),
        ...p.keywords
          .filter((k) => sb.has(k.campaignId))
          .map((k) => [
            'target',
            'keyword',
            'SPONSORED_BRANDS',
            k.keywordId,
            k.campaignId,
            k.adGroupId,
            k.keywordText,
            k.state,
            k.matchType,
            k.bid,
          ]),
        ...p.targets
          .filter((t) => sb.has(t.campaignId) || sd.has(t.campaignId))
          .map((t) => [
            'target',
            'target',
            sb.has(t.campaignId) ? 'SPONSORED_BRANDS' : 'SPONSORED_DISPLAY',
            t.targetId,
            t.campaignId,
            t.adGroupId,
            sb.has(t.campaignId) ? `asinSameAs=${t.expression}` : t.expression,
            t.state,
            null,
            t.bid,
          ]),
      ];
      // the default seed: 2 + 2 ad groups, 6 SB keywords, 2 SB and 2 SD targets per profile
      expect(want).toHaveLength(14);
      const rows = await h.query<Record<string, string | null>>(
        `SELECT entity_type, target_kind, ad_product, entity_id, campaign_id, ad_group_id, name, state, match_type,
                bid::text AS bid, observed_at
         FROM ads_entity
         WHERE profile_id = $1 AND ad_product <> 'SPONSORED_PRODUCTS' AND entity_type <> 'campaign'`,
        [p.profileId],
      );
      const got = rows.map((r) => [
        r.entity_type,
        r.target_kind,
        r.ad_product,
        r.entity_id,
        r.campaign_id,
        r.ad_group_id,
        r.name,
        r.state,
        r.match_type,
        r.bid === null ? null : Number(r.bid),
      ]);
      const key = (x: unknown[]) => `${x[0]}/${x[3]}`;
      expect(got.sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
        want.sort((a, b) => key(a).localeCompare(key(b))),
      );
      expect(rows.every((r) => new Date(r.observed_at as unknown as Date) >= started)).toBe(true);
      const result = reply.results.find((r) => r.profileId === p.profileId);
      const counts = { sbAdGroups: 2, sbKeywords: 6, sbTargets: 2, sdAdGroups: 2, sdTargets: 2 };
      expect(result?.counts).toMatchObject(counts);
      const [state] = await h.query<{ status: string; counts: Record<string, number> }>(
        `SELECT status, counts FROM ads_sync_state WHERE kind = 'entities' AND scope = $1`,
        [p.profileId],
      );
      expect(state).toMatchObject({ status: 'ok', counts });
    }
    // DE ids exceed 2^53 and SB v3/SD send them as bare JSON numbers: stored exactly
    const [de] = await h.query<{ entity_id: string }>(
      `SELECT entity_id FROM ads_entity WHERE ad_product = 'SPONSORED_DISPLAY' AND entity_type = 'target'
       AND profile_id = '9007199254740993' ORDER BY entity_id LIMIT 1`,
    );
    expect(BigInt(de.entity_id)).toBeGreaterThan(2n ** 53n);
    expect(de.entity_id).toMatch(/^9007199254740993\d{3}$/);
  });

  it('a malformed SD targets page rolls the whole profile back (SB and SD pages written before it included)', async () => {
    const us = h.emulator.control.seed.profiles.find((p) => p.profileId === US_PROFILE);
    if (!us) throw new Error('no US profile');
    const before = await h.query<{ entity_id: string; name: string; observed_at: Date }>(
      `SELECT entity_id, name, observed_at FROM ads_entity WHERE profile_id = $1 ORDER BY 1, 2`,
      [US_PROFILE],
    );
    // rename SB keywords and SD ad groups at Amazon: a half-written sync would show the new names
    const sd = new Set(us.campaigns.filter((c) => c.adProduct === 'sd').map((c) => c.campaignId));
    const renamed = [...us.keywords, ...us.adGroups.filter((g) => sd.has(g.campaignId))];
    for (const k of us.keywords) k.keywordText += ' (renamed)';
    for (const g of us.adGroups) if (sd.has(g.campaignId)) g.name += ' (renamed)';
    const from = h.emulator.control.requests.length;
    h.emulator.control.clearFaults();
    // SD campaigns and SD ad groups (one page each) pass; the first SD targets page lacks a target id
    h.emulator.control.injectFault({ route: 'sd', times: 2, action: { kind: 'delay', ms: 0 } });
    h.emulator.control.injectFault({
      route: 'sd',
      action: { kind: 'malformed', body: 'missing-field', field: 'targetId' },
    });
    const reply = await h.request(CONNECTOR_ENTITIES_SYNC, { profileId: US_PROFILE });
    h.emulator.control.clearFaults();
    for (const k of us.keywords) k.keywordText = k.keywordText.replace(' (renamed)', '');
    for (const g of us.adGroups) g.name = g.name.replace(' (renamed)', '');
    expect(renamed.length).toBeGreaterThan(0);

    expect(reply.results[0].status).toBe('failed');
    expect(reply.results[0].error).toMatch(/malformed response.*\$\[0\]\.targetId: expected an int64 id/);
    const asked = h.emulator.control.requests.slice(from);
    const sdCalls = asked.filter((r) => r.route === 'sd').map((r) => r.path.split('?')[0]);
    expect(sdCalls).toEqual(['/sd/campaigns', '/sd/adGroups', '/sd/targets']);
    // every listing before it ran and was written in the transaction: every page asked for but the failed one
    const listed = asked.filter((r) => ['sp', 'sb', 'sd'].includes(r.route));
    expect(listed.every((r) => r.status === 200)).toBe(true);
    expect(reply.results[0].counts).toMatchObject({ pages: listed.length - 1, sbKeywords: 6, sdAdGroups: 2 });
    const [state] = await h.query<{ status: string; error: string }>(
      `SELECT status, error FROM ads_sync_state WHERE kind = 'entities' AND scope = $1`,
      [US_PROFILE],
    );
    expect(state.status).toBe('failed');
    expect(state.error).toMatch(/targetId/);
    const after = await h.query<{ entity_id: string; name: string; observed_at: Date }>(
      `SELECT entity_id, name, observed_at FROM ads_entity WHERE profile_id = $1 ORDER BY 1, 2`,
      [US_PROFILE],
    );
    expect(after).toEqual(before);
    expect(after.some((r) => r.name.includes('(renamed)'))).toBe(false);
  });

  it.each([
    [
      'a malformed page (missing field)',
      { kind: 'malformed', body: 'missing-field', field: 'keywordText' },
      /malformed response/,
    ],
    ['an HTML page', { kind: 'malformed', body: 'html' }, /malformed response/],
    ['truncated JSON', { kind: 'malformed', body: 'truncated' }, /malformed response/],
    ['a 400 answer', { kind: 'status', status: 400 }, /HTTP 400/],
    ['503s until the retries are exhausted', { kind: 'status', status: 503 }, /gave up after 3 attempts/],
  ] as const)(
    '%s fails the profile: nothing written, the reason stored, the old rows intact',
    async (_, action, reason) => {
      const before = await h.query<{ entity_id: string; name: string; observed_at: Date }>(
        `SELECT entity_id, name, observed_at FROM ads_entity ORDER BY 1`,
      );
      expect(before.length).toBeGreaterThan(seedKeywords);
      // rename everything at Amazon: a half-written sync would show new names
      const us = h.emulator.control.seed.profiles.find((p) => p.profileId === US_PROFILE);
      for (const c of us?.campaigns ?? []) c.name = `${c.name} (renamed)`;
      // SP campaigns, ad groups and two keyword pages pass (written in the transaction), the third keyword page fails
      h.emulator.control.injectFault({ route: 'sp', times: 4, action: { kind: 'delay', ms: 0 } });
      h.emulator.control.injectFault({ route: 'sp', times: 3, action: action as never });
      const reply = await h.request(CONNECTOR_ENTITIES_SYNC, { profileId: US_PROFILE });
      h.emulator.control.clearFaults();
      for (const c of us?.campaigns ?? []) c.name = c.name.replace(' (renamed)', '');
      expect(reply.results[0].status).toBe('failed');
      expect(reply.results[0].error).toMatch(reason);
      // it failed on the 5th page, with 4 pages (renamed campaigns among them) already written in its transaction
      expect(reply.results[0].counts['pages']).toBe(4);
      const [state] = await h.query<{ status: string; error: string }>(
        `SELECT status, error FROM ads_sync_state WHERE kind = 'entities' AND scope = '${US_PROFILE}'`,
      );
      expect(state.status).toBe('failed');
      expect(state.error).toMatch(reason);
      const after = await h.query<{ entity_id: string; name: string; observed_at: Date }>(
        `SELECT entity_id, name, observed_at FROM ads_entity ORDER BY 1`,
      );
      expect(after).toEqual(before);
    },
  );

  it('entity_latest takes the AMS row when it changed after the sync observed, the sync row otherwise', async () => {
    const reply = await h.request(CONNECTOR_ENTITIES_SYNC, { profileId: US_PROFILE });
    expect(reply.results[0].status).toBe('ok');
    const [a, b] = await h.query<{
      advertiser_id: string;
      entity_id: string;
      marketplace_id: string;
      observed_at: Date;
    }>(
      `SELECT advertiser_id, entity_id, marketplace_id, observed_at FROM ads_entity
       WHERE entity_type = 'campaign' AND ad_product = 'SPONSORED_PRODUCTS' ORDER BY entity_id LIMIT 2`,
    );
    const ams = (id: string, name: string, changedAt: Date) =>
      h.pg.query(
        `INSERT INTO ams_entity (advertiser_id, entity_type, entity_id, version, marketplace_id, campaign_id, name,
                                 state, ad_product, raw, changed_at)
         VALUES ($1, 'campaign', $2, 1, $3, $2, $4, 'PAUSED', 'SPONSORED_PRODUCTS', '{}'::jsonb, $5)`,
        [a.advertiser_id, id, a.marketplace_id, name, changedAt],
      );
    await ams(a.entity_id, 'renamed in AMS after the sync', new Date(a.observed_at.getTime() + 60_000));
    await ams(b.entity_id, 'an older AMS name', new Date(b.observed_at.getTime() - 60_000));
    const latest = await h.query<{ entity_id: string; name: string; source: string; state: string }>(
      `SELECT entity_id, name, source, state FROM entity_latest WHERE entity_id = ANY($1) ORDER BY entity_id`,
      [[a.entity_id, b.entity_id]],
    );
    expect(latest).toEqual([
      { entity_id: a.entity_id, name: 'renamed in AMS after the sync', source: 'ams', state: 'PAUSED' },
      { entity_id: b.entity_id, name: expect.not.stringMatching(/AMS/), source: 'ads_api', state: 'ENABLED' },
    ]);
    // a later sync (observed after the AMS change) takes over again
    await h.pg.query(`UPDATE ams_entity SET changed_at = now() - interval '1 second' WHERE entity_id = $1`, [
      a.entity_id,
    ]);
    await h.request(CONNECTOR_ENTITIES_SYNC, { profileId: US_PROFILE });
    const [again] = await h.query<{ source: string }>(`SELECT source FROM entity_latest WHERE entity_id = $1`, [
      a.entity_id,
    ]);
    expect(again.source).toBe('ads_api');
  });
});
