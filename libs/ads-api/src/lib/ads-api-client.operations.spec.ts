import { AdsEmulator, DEFAULT_PROFILE_IDS, FaultSpec, defaultSeed, startAdsEmulator } from '@ams/ads-api-emulator';
import { AdsApiClientOptions } from './ads-api-client';
import { emulatorClient } from './emulator-client.spec-env';
import { AdsHttpError, AdsMalformedResponseError } from './errors';
import { deriveClientRequestToken } from './client-request-token';

/** The typed operations, paging, lossless ids and malformed answers, over HTTP against the emulator. */
describe('AdsApiClient: operations', () => {
  let emu: AdsEmulator;
  const seed = defaultSeed();
  const [us, de, jp] = DEFAULT_PROFILE_IDS;
  const warnings: string[] = [];
  const client = (o: Partial<AdsApiClientOptions> = {}) =>
    emulatorClient(emu, {
      retry: { baseDelayMs: 10 },
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: (m, f) => warnings.push(`${m} ${JSON.stringify(f)}`),
        error: () => undefined,
      },
      ...o,
    });
  const seeded = (profileId: string) => {
    const p = seed.profiles.find((x) => x.profileId === profileId);
    if (!p) throw new Error(`no seeded profile ${profileId}`);
    return p;
  };
  const spCampaignIds = (profileId: string) =>
    new Set(
      seeded(profileId)
        .campaigns.filter((c) => c.adProduct === 'sp')
        .map((c) => c.campaignId),
    );

  beforeAll(async () => {
    emu = await startAdsEmulator({ seed });
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  it('lists profiles with ids exact beyond 2^53, time zones and account info', async () => {
    const profiles = await client().listProfiles();
    expect(
      profiles.map((p) => [
        p.profileId,
        p.countryCode,
        p.currencyCode,
        p.timezone,
        p.accountInfo.marketplaceStringId,
        p.accountInfo.type,
      ]),
    ).toEqual([
      ['1111111111111111', 'US', 'USD', 'America/Los_Angeles', 'ATVPDKIKX0DER', 'seller'],
      ['9007199254740993', 'DE', 'EUR', 'Europe/Berlin', 'A1PA6795UKMFR9', 'vendor'],
      ['3333333333333333', 'JP', 'JPY', 'Asia/Tokyo', 'A1VC38T7YXB528', 'seller'],
    ]);
    expect(profiles[1].accountInfo.id).toBe(seeded(de).accountId);
  });

  it('subscriptions: create, list, get, statuses Amazon sets, archive', async () => {
    const c = client();
    const destinationArn = 'arn:aws:sqs:eu-west-1:123456789012:ams-stream';
    const a = await c.createStreamSubscription(de, {
      clientRequestToken: deriveClientRequestToken(de, 'sp-traffic', destinationArn),
      dataSetId: 'sp-traffic',
      destinationArn,
      notes: 'ams-sentinel',
    });
    const b = await c.createStreamSubscription(de, {
      clientRequestToken: deriveClientRequestToken(de, 'budget-usage', destinationArn),
      dataSetId: 'budget-usage',
      destination: { sqsDestination: { queueArn: destinationArn } },
    });
    expect(a.subscriptionId).toMatch(/^amzn1\.fead\.cs1\./);

    let listed = await c.listStreamSubscriptions(de);
    expect(listed.map((s) => [s.subscriptionId, s.dataSetId, s.status])).toEqual([
      [a.subscriptionId, 'sp-traffic', 'PENDING_CONFIRMATION'],
      [b.subscriptionId, 'budget-usage', 'PENDING_CONFIRMATION'],
    ]);
    expect(listed[0]).toMatchObject({ destinationArn, notes: 'ams-sentinel' });
    expect(listed[1].destination).toEqual({ sqsDestination: { queueArn: destinationArn } });
    expect(await c.listStreamSubscriptions(us)).toEqual([]); // scoped to the profile

    for (const status of ['ACTIVE', 'SUSPENDED', 'FAILED_CONFIRMATION'] as const) {
      emu.control.setSubscriptionStatus(a.subscriptionId, status);
      expect((await c.getStreamSubscription(de, a.subscriptionId)).status).toBe(status);
    }
    await c.archiveStreamSubscription(de, a.subscriptionId);
    expect((await c.getStreamSubscription(de, a.subscriptionId)).status).toBe('ARCHIVED');
    expect(emu.control.requestsTo('streams', 'PUT').map((r) => r.body)).toEqual(['{"status":"ARCHIVED"}']);
    listed = await c.listStreamSubscriptions(de);
    expect(listed.map((s) => s.status)).toEqual(['ARCHIVED', 'PENDING_CONFIRMATION']);
  });

  it('lists subscriptions across pages', async () => {
    const c = client({ pageSizes: { subscriptions: 2 } });
    for (const ds of ['sp-traffic', 'sp-conversion', 'budget-usage', 'sb-traffic', 'sd-traffic']) {
      await c.createStreamSubscription(us, {
        clientRequestToken: deriveClientRequestToken(us, ds),
        dataSetId: ds,
        destinationArn: 'arn:aws:sqs:us-east-1:123456789012:q',
      });
    }
    expect((await c.listStreamSubscriptions(us)).map((s) => s.dataSetId)).toEqual([
      'sp-traffic',
      'sp-conversion',
      'budget-usage',
      'sb-traffic',
      'sd-traffic',
    ]);
    expect(emu.control.requestsTo('streams', 'GET')).toHaveLength(3);
  });

  it('pages SP keywords to the end, every keyword once', async () => {
    const expected = seeded(us).keywords.filter((k) => spCampaignIds(us).has(k.campaignId));
    const keywords = await client().listSpKeywords(us, { pageSize: 4 });
    expect(keywords.map((k) => k.keywordId).sort()).toEqual(expected.map((k) => k.keywordId).sort());
    expect(new Set(keywords.map((k) => k.keywordId)).size).toBe(keywords.length);
    expect(emu.control.requestsTo('sp')).toHaveLength(Math.ceil(expected.length / 4));
    expect(keywords[0]).toEqual({
      ...pick(expected[0], ['keywordId', 'adGroupId', 'campaignId', 'keywordText', 'matchType', 'state', 'bid']),
    });
    const bodies = emu.control
      .requestsTo('sp')
      .map((r) => JSON.parse(r.body ?? '{}') as { maxResults: number; nextToken?: string });
    expect(bodies[0]).toEqual({ maxResults: 4 });
    expect(bodies.slice(1).every((b) => typeof b.nextToken === 'string')).toBe(true);
  });

  it('SP campaigns, ad groups and targets, with filters', async () => {
    const c = client();
    const campaigns = await c.listSpCampaigns(us);
    expect(campaigns.map((x) => x.campaignId)).toEqual([...spCampaignIds(us)]);
    expect(campaigns[0]).toMatchObject({
      name: seeded(us).campaigns[0].name,
      state: 'ENABLED',
      budget: { budget: 20, budgetType: 'DAILY' },
    });
    const enabled = await c.listSpCampaigns(us, { stateFilter: ['ENABLED'] });
    expect(enabled.length).toBe(campaigns.filter((x) => x.state === 'ENABLED').length);
    expect(enabled.length).toBeLessThan(campaigns.length);
    const adGroups = await c.listSpAdGroups(us, { campaignIdFilter: [campaigns[0].campaignId] });
    expect(adGroups.map((g) => g.campaignId)).toEqual([campaigns[0].campaignId, campaigns[0].campaignId]);
    const targets = await c.listSpTargets(us);
    expect(targets.map((t) => [t.campaignId, t.expression[0].type])).toEqual([
      [campaigns[0].campaignId, 'ASIN_SAME_AS'],
      [campaigns[0].campaignId, 'ASIN_SAME_AS'],
    ]);
  });

  it('SB v4 campaigns (token paging) and SD campaigns (offset paging, int64 number ids exact)', async () => {
    const c = client({ pageSizes: { sb: 1, sd: 1 } });
    const sb = await c.listSbCampaigns(jp);
    expect(sb.map((x) => [x.campaignId, x.name, x.budget, x.budgetType])).toEqual(
      seeded(jp)
        .campaigns.filter((x) => x.adProduct === 'sb')
        .map((x) => [x.campaignId, x.name, x.budget, 'DAILY']),
    );
    // DE ids are 9007199254740993xxx: far beyond 2^53, sent by SD as bare JSON numbers
    const sd = await c.listSdCampaigns(de);
    const want = seeded(de).campaigns.filter((x) => x.adProduct === 'sd');
    expect(sd.map((x) => [x.campaignId, x.state, x.portfolioId])).toEqual(
      want.map((x) => [x.campaignId, x.state.toLowerCase(), x.portfolioId]),
    );
    expect(BigInt(sd[0].campaignId)).toBeGreaterThan(2n ** 53n);
    // one page per campaign, and one short (empty) page that ends the listing
    expect(emu.control.requestsTo('sd')).toHaveLength(want.length + 1);
  });

  describe('SB ad groups, keywords, targets; SD ad groups, targets', () => {
    const of = (profileId: string, product: 'sb' | 'sd') =>
      new Set(
        seeded(profileId)
          .campaigns.filter((c) => c.adProduct === product)
          .map((c) => c.campaignId),
      );

    it('SB v4 ad groups: string ids, token paging, the media type, campaign filter', async () => {
      const want = seeded(jp).adGroups.filter((g) => of(jp, 'sb').has(g.campaignId));
      const groups = await client({ pageSizes: { sb: 1 } }).listSbAdGroups(jp, { stateFilter: ['ENABLED', 'PAUSED'] });
      expect(groups).toEqual(
        want.map((g) => ({ adGroupId: g.adGroupId, campaignId: g.campaignId, name: g.name, state: 'ENABLED' })),
      );
      const calls = emu.control.requestsTo('sb');
      expect(calls.map((r) => [r.path, r.contentType, r.accept])).toEqual(
        want.map(() => [
          '/sb/v4/adGroups/list',
          'application/vnd.sbadgroupresource.v4+json',
          'application/vnd.sbadgroupresource.v4+json',
        ]),
      );
      expect(JSON.parse(calls[0].body ?? '')).toEqual({
        stateFilter: { include: ['ENABLED', 'PAUSED'] },
        maxResults: 1,
      });
      expect(await client().listSbAdGroups(jp, { campaignIdFilter: ['42'] })).toEqual([]);
    });

    it('SB v3 keywords: int64 ids beyond 2^53 read exactly, offset paging ends at the first short page', async () => {
      const want = seeded(de).keywords.filter((k) => of(de, 'sb').has(k.campaignId));
      expect(want).toHaveLength(6);
      const keywords = await client().listSbKeywords(de, { pageSize: 4 });
      expect(keywords).toEqual(
        want.map((k) => ({
          keywordId: k.keywordId,
          adGroupId: k.adGroupId,
          campaignId: k.campaignId,
          keywordText: k.keywordText,
          matchType: k.matchType.toLowerCase(),
          state: 'enabled',
          bid: k.bid,
        })),
      );
      expect(BigInt(keywords[0].keywordId)).toBeGreaterThan(2n ** 53n);
      // 4 + 2: the short second page ends it
      expect(emu.control.requestsTo('sb').map((r) => r.path)).toEqual([
        '/sb/keywords?startIndex=0&count=4',
        '/sb/keywords?startIndex=4&count=4',
      ]);
      expect(emu.control.requestsTo('sb')[0].accept).toBe('application/vnd.sbkeyword.v3.2+json');
      emu.control.reset();
      // 3 + 3 + an empty page
      expect(await client().listSbKeywords(de, { pageSize: 3 })).toHaveLength(6);
      expect(emu.control.requestsTo('sb')).toHaveLength(3);
    });

    it('SB v3 targets: number ids, expressions, nextToken paging', async () => {
      const want = seeded(de).targets.filter((x) => of(de, 'sb').has(x.campaignId));
      expect(want).toHaveLength(2);
      const targets = await client({ pageSizes: { sbV3: 1 } }).listSbTargets(de);
      expect(targets).toEqual(
        want.map((x) => ({
          targetId: x.targetId,
          adGroupId: x.adGroupId,
          campaignId: x.campaignId,
          expressions: [{ type: 'asinSameAs', value: x.expression }],
          state: 'enabled',
          bid: x.bid,
        })),
      );
      const calls = emu.control.requestsTo('sb');
      expect(calls.map((r) => JSON.parse(r.body ?? '') as { maxResults: number; nextToken?: string })).toEqual([
        { maxResults: 1 },
        { maxResults: 1, nextToken: expect.any(String) },
      ]);
      expect(calls[0].contentType).toBe('application/json');
      const filtered = await client().listSbTargets(de, {
        filters: [{ filterType: 'AD_GROUP_ID', values: [want[1].adGroupId] }],
      });
      expect(filtered.map((x) => x.targetId)).toEqual([want[1].targetId]);
    });

    it('SD ad groups and targets: exact int64 ids, default bids, expressions, offset paging', async () => {
      const groups = seeded(de).adGroups.filter((g) => of(de, 'sd').has(g.campaignId));
      const targets = seeded(de).targets.filter((x) => of(de, 'sd').has(x.campaignId));
      const c = client({ pageSizes: { sd: 1 } });
      expect(await c.listSdAdGroups(de)).toEqual(
        groups.map((g) => ({
          adGroupId: g.adGroupId,
          campaignId: g.campaignId,
          name: g.name,
          state: 'enabled',
          defaultBid: g.defaultBid,
          bidOptimization: 'clicks',
          tactic: 'T00030',
        })),
      );
      const sd = await c.listSdTargets(de, { stateFilter: ['enabled', 'paused', 'archived'] });
      expect(sd.map((x) => [x.targetId, x.adGroupId, x.campaignId, x.state, x.bid, x.expressionType])).toEqual(
        targets.map((x) => [x.targetId, x.adGroupId, x.campaignId, 'enabled', x.bid, 'manual']),
      );
      expect(sd[0].expression).toEqual([{ type: 'views', value: '(exact-product lookback=30)' }]);
      // one page per item, then an empty page: 3 ad group calls and 3 target calls
      const paths = emu.control.requestsTo('sd').map((r) => r.path);
      expect(paths.filter((x) => x.startsWith('/sd/adGroups'))).toHaveLength(groups.length + 1);
      expect(paths.filter((x) => x.startsWith('/sd/targets'))).toEqual([
        '/sd/targets?startIndex=0&count=1&stateFilter=enabled%2Cpaused%2Carchived',
        '/sd/targets?startIndex=1&count=1&stateFilter=enabled%2Cpaused%2Carchived',
        '/sd/targets?startIndex=2&count=1&stateFilter=enabled%2Cpaused%2Carchived',
      ]);
    });

    it('an int64 id beyond 2^53 sent as a JSON number comes back as its exact digits', async () => {
      emu.control.injectFault({
        route: 'sd',
        action: {
          kind: 'status',
          status: 200,
          body: '[{"targetId":9223372036854775807,"adGroupId":9007199254740993,"campaignId":18014398509481985,"expression":[{"type":"audienceSameAs","value":[{"type":"lookback","value":"30"}]}],"state":"enabled"}]',
        },
      });
      const [t] = await client().listSdTargets(us);
      expect([t.targetId, t.adGroupId, t.campaignId]).toEqual([
        '9223372036854775807',
        '9007199254740993',
        '18014398509481985',
      ]);
      expect(t.expression).toEqual([{ type: 'audienceSameAs', value: [{ type: 'lookback', value: '30' }] }]);
      expect(t.bid).toBeUndefined();
    });

    it('states Amazon adds (pending, draft, ENABLING) are accepted; an unknown one or a non-id is malformed', async () => {
      const kw = (over: string) =>
        `[{"keywordId":1,"adGroupId":2,"campaignId":3,"keywordText":"k","matchType":"exact","state":"enabled",${over}}]`;
      const answer = (body: string) =>
        emu.control.injectFault({ route: 'sb', action: { kind: 'status', status: 200, body } });
      answer(kw('"state":"pending"'));
      expect((await client().listSbKeywords(us))[0].state).toBe('pending');
      emu.control.injectFault({
        route: 'sd',
        action: { kind: 'status', status: 200, body: '[{"adGroupId":2,"campaignId":3,"name":"g","state":"draft"}]' },
      });
      expect((await client().listSdAdGroups(us))[0]).toEqual({
        adGroupId: '2',
        campaignId: '3',
        name: 'g',
        state: 'draft',
      });
      answer('{"adGroups":[{"adGroupId":"2","campaignId":"3","name":"g","state":"ENABLING"}]}');
      expect((await client().listSbAdGroups(us))[0].state).toBe('ENABLING');
      const cases: Array<[string, RegExp]> = [
        [kw('"state":"deleted"'), /\$\[0\]\.state: expected one of enabled\|paused\|archived\|pending\|draft/],
        [kw('"matchType":"negativeExact"'), /\$\[0\]\.matchType: expected one of broad\|exact\|phrase/],
        [kw('"keywordId":"abc"'), /\$\[0\]\.keywordId: expected an int64 id \(a JSON integer\), got "abc"/],
        [kw('"adGroupId":1.5'), /\$\[0\]\.adGroupId: expected an int64 id/],
        ['[{"adGroupId":2,"campaignId":3,"keywordText":"k","matchType":"exact","state":"enabled"}]', /keywordId/],
      ];
      for (const [body, message] of cases) {
        answer(body);
        await expect(client().listSbKeywords(us)).rejects.toThrow(message);
      }
    });

    it('a malformed SD targets page fails the whole listing; the iterator yields page 1 only', async () => {
      const c = client({ pageSizes: { sd: 1 } });
      emu.control.injectFault({ route: 'sd', times: 1, action: { kind: 'delay', ms: 0 } });
      emu.control.injectFault({ route: 'sd', action: { kind: 'malformed', body: 'missing-field', field: 'targetId' } });
      await expect(c.listSdTargets(de)).rejects.toThrow(/\$\[0\]\.targetId: expected an int64 id/);
      expect(emu.control.requestsTo('sd')).toHaveLength(2);
      const pages: number[] = [];
      const it = c.sdTargetPages(de);
      pages.push((await it.next()).value.items.length);
      emu.control.injectFault({ route: 'sd', action: { kind: 'malformed', body: 'html' } });
      await expect(it.next()).rejects.toBeInstanceOf(AdsMalformedResponseError);
      expect(pages).toEqual([1]);
    });

    it('each media type can be overridden: the override is what goes out', async () => {
      const vnd = 'application/vnd.sblisttargetsresponse.v3.2+json';
      const err = await client({ mediaTypes: { sbTargets: vnd } })
        .listSbTargets(us)
        .catch((e: unknown) => e);
      // the emulator takes the documented application/json only: 415 names what it wants
      expect(err).toBeInstanceOf(AdsHttpError);
      expect((err as AdsHttpError).status).toBe(415);
      expect(emu.control.requestsTo('sb').map((r) => [r.contentType, r.accept])).toEqual([[vnd, vnd]]);
      emu.control.reset();
      await client({ mediaTypes: { sdAdGroups: 'application/vnd.sdadgroup.v3+json' } })
        .listSdAdGroups(us)
        .catch(() => undefined);
      expect(emu.control.requestsTo('sd').map((r) => [r.accept, r.status])).toEqual([
        ['application/vnd.sdadgroup.v3+json', 406],
      ]);
    });
  });

  describe('malformed answers: a typed error, never a crash, never part of an answer', () => {
    const cases: Array<[string, FaultSpec['action'], RegExp]> = [
      ['an HTML error page with 200', { kind: 'malformed', body: 'html' }, /an HTML page, not JSON/],
      ['truncated JSON', { kind: 'malformed', body: 'truncated' }, /not valid JSON/],
      [
        'a missing required field',
        { kind: 'malformed', body: 'missing-field', field: 'profileId' },
        /\$\[0\]\.profileId: expected an id/,
      ],
      [
        'a wrong type',
        {
          kind: 'status',
          status: 200,
          body: '[{"profileId":1,"countryCode":"US","currencyCode":"USD","timezone":42,"accountInfo":{"marketplaceStringId":"A","id":"E","type":"seller","name":"n"}}]',
        },
        /\$\[0\]\.timezone: expected a non-empty string, got number/,
      ],
      [
        'an unknown account type',
        {
          kind: 'status',
          status: 200,
          body: '[{"profileId":1,"countryCode":"US","currencyCode":"USD","timezone":"UTC","accountInfo":{"marketplaceStringId":"A","id":"E","type":"robot","name":"n"}}]',
        },
        /\$\[0\]\.accountInfo\.type: expected one of seller\|vendor\|agency/,
      ],
      ['not an array', { kind: 'status', status: 200, body: '{"profiles":[]}' }, /\$: expected an array, got object/],
      ['an empty 200', { kind: 'status', status: 200, body: '' }, /empty body/],
    ];
    it.each(cases)('%s', async (_name, action, message) => {
      emu.control.injectFault({ route: 'profiles', action });
      const err = await client()
        .listProfiles()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AdsMalformedResponseError);
      expect((err as Error).message).toMatch(message);
      expect((err as AdsMalformedResponseError).requestId).toBe(emu.control.requestsTo('profiles')[0].requestId);
      expect(emu.control.requestsTo('profiles')).toHaveLength(1); // not retried: the same answer would come again
    });

    it('an unknown field: dropped with a warning by default, an error with unknownFields: reject', async () => {
      warnings.length = 0;
      emu.control.injectFault({ route: 'streams', action: { kind: 'malformed', body: 'unknown-field' } });
      await client().createStreamSubscription(us, {
        clientRequestToken: deriveClientRequestToken('u1'),
        dataSetId: 'sp-traffic',
        destinationArn: 'arn:aws:sqs:us-east-1:1:q-u1',
      });
      emu.control.injectFault({ route: 'profiles', action: { kind: 'malformed', body: 'unknown-field' } });
      const profiles = await client().listProfiles();
      expect(profiles).toHaveLength(3);
      expect(profiles[0]).not.toHaveProperty('surpriseField');
      expect(warnings.join('\n')).toMatch(/ads_api.unknown_fields_ignored.*\$\.surpriseField/);

      emu.control.injectFault({ route: 'profiles', action: { kind: 'malformed', body: 'unknown-field' } });
      const err = await client({ unknownFields: 'reject' })
        .listProfiles()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AdsMalformedResponseError);
      expect((err as Error).message).toMatch(/\$\[0\]\.surpriseField: unknown field/);
    });

    it('an unknown subscription status is malformed, not guessed', async () => {
      const c = client();
      const { subscriptionId } = await c.createStreamSubscription(us, {
        clientRequestToken: deriveClientRequestToken('s1'),
        dataSetId: 'sp-traffic',
        destinationArn: 'arn:aws:sqs:us-east-1:1:q-s1',
      });
      emu.control.setSubscriptionStatus(subscriptionId, 'PAUSED' as never);
      await expect(c.getStreamSubscription(us, subscriptionId)).rejects.toThrow(
        /\$\.subscription\.status: expected one of PROVISIONING\|PENDING_CONFIRMATION/,
      );
    });

    it('a malformed second page fails the whole listing: no partial list', async () => {
      const c = client();
      const pages: number[] = [];
      emu.control.injectFault({
        route: 'sp',
        times: 1,
        action: { kind: 'status', status: 200, body: '{"keywords":[],"nextToken":"' },
      });
      await expect(c.listSpKeywords(us, { pageSize: 2 })).rejects.toBeInstanceOf(AdsMalformedResponseError);
      emu.control.reset();
      // page 1 fine, page 2 truncated: the iterator yields page 1, then throws; listSpKeywords returns nothing
      const it = c.spKeywordPages(us, { pageSize: 2 });
      pages.push((await it.next()).value.items.length);
      emu.control.injectFault({ route: 'sp', action: { kind: 'malformed', body: 'truncated' } });
      await expect(it.next()).rejects.toBeInstanceOf(AdsMalformedResponseError);
      expect(pages).toEqual([2]);
      emu.control.injectFault({
        route: 'sp',
        times: 1,
        action: { kind: 'malformed', body: 'missing-field', field: 'keywordText' },
      });
      await expect(c.listSpKeywords(us, { pageSize: 2 })).rejects.toThrow(
        /\$\.keywords\[0\]\.keywordText: expected a string/,
      );
    });
  });
});

function pick<T extends object>(o: T, keys: Array<keyof T>): Partial<T> {
  return Object.fromEntries(keys.map((k) => [k, o[k]])) as Partial<T>;
}
