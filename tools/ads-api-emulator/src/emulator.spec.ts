import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { AdsEmulator, startAdsEmulator } from './server';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  DEFAULT_PROFILE_IDS,
  ScenarioAdvertiser,
  defaultSeed,
  keywordHeavySeed,
  seedFromScenario,
} from './seed';
import { parseCli } from './main';

/** The emulator on its own, over raw HTTP: it answers as ADS-API documents Amazon does. */
describe('Ads API emulator', () => {
  let emu: AdsEmulator;
  const [us, de] = DEFAULT_PROFILE_IDS;

  const tokenFor = async (form: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(emu.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(form).toString(),
    });
  const refreshForm = {
    grant_type: 'refresh_token',
    refresh_token: DEFAULT_REFRESH_TOKEN,
    client_id: DEFAULT_CLIENT_ID,
    client_secret: DEFAULT_CLIENT_SECRET,
  };
  const accessToken = async () =>
    ((await (await tokenFor(refreshForm)).json()) as { access_token: string }).access_token;
  const api = async (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
    const res = await fetch(emu.url + path, { method: init.method ?? 'GET', headers: init.headers, body: init.body });
    return {
      status: res.status,
      requestId: res.headers.get('x-amzn-requestid'),
      text: await res.text(),
      contentType: res.headers.get('content-type'),
    };
  };
  const authed = async (scope?: string, extra: Record<string, string> = {}) => ({
    'Amazon-Advertising-API-ClientId': DEFAULT_CLIENT_ID,
    Authorization: `Bearer ${await accessToken()}`,
    ...(scope ? { 'Amazon-Advertising-API-Scope': scope } : {}),
    ...extra,
  });

  beforeAll(async () => {
    emu = await startAdsEmulator({ accessTokenLifetimeSeconds: 3600 });
  });
  afterAll(() => emu.stop());
  beforeEach(() => emu.control.reset());

  describe('Login with Amazon', () => {
    it('issues expiring bearer tokens for the refresh grant and returns the same refresh token', async () => {
      const res = await tokenFor(refreshForm);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual({
        access_token: expect.stringMatching(/^Atza\|/),
        refresh_token: DEFAULT_REFRESH_TOKEN,
        token_type: 'bearer',
        expires_in: 3600,
      });
      expect(emu.control.tokenGrants).toBe(1);
    });

    it('refuses a wrong client (invalid_client) and an unknown or revoked refresh token (invalid_grant)', async () => {
      expect(await (await tokenFor({ ...refreshForm, client_secret: 'nope' })).json()).toEqual({
        error: 'invalid_client',
        error_description: expect.any(String),
      });
      const unknown = await tokenFor({ ...refreshForm, refresh_token: 'Atzr|other' });
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as { error: string }).error).toBe('invalid_grant');
      emu.control.revokeRefreshToken(DEFAULT_REFRESH_TOKEN);
      const revoked = await tokenFor(refreshForm);
      expect(revoked.status).toBe(400);
      expect(await revoked.json()).toMatchObject({
        error: 'invalid_grant',
        error_description: expect.stringContaining('refresh_token'),
      });
      expect(emu.control.tokenGrants).toBe(0);
    });

    it('accepts client credentials as HTTP Basic', async () => {
      const basic = Buffer.from(`${DEFAULT_CLIENT_ID}:${DEFAULT_CLIENT_SECRET}`).toString('base64');
      const res = await tokenFor(
        { grant_type: 'refresh_token', refresh_token: DEFAULT_REFRESH_TOKEN },
        { authorization: `Basic ${basic}` },
      );
      expect(res.status).toBe(200);
    });

    it('a token past its lifetime is refused with 401', async () => {
      emu.control.setAccessTokenLifetime(0);
      const headers = await authed();
      emu.control.setAccessTokenLifetime(3600);
      expect((await api('/v2/profiles', { headers })).status).toBe(401);
    });
  });

  describe('the headers Amazon requires', () => {
    it('every answer carries x-amzn-RequestId', async () => {
      const answers = [
        await api('/v2/profiles'),
        await api('/nowhere'),
        await api('/v2/profiles', { headers: await authed() }),
      ];
      for (const a of answers) expect(a.requestId).toMatch(/^[0-9A-F-]{36}$/);
      expect(emu.control.requests.map((r) => r.requestId)).toEqual(
        expect.arrayContaining(answers.map((a) => a.requestId)),
      );
    });

    it('no client id → 400; no or bad bearer → 401; scope missing or unknown → 401 naming it', async () => {
      const good = await authed(us);
      const without = (name: string) => Object.fromEntries(Object.entries(good).filter(([k]) => k !== name));
      const list = (headers: Record<string, string>) =>
        api('/sp/campaigns/list', {
          method: 'POST',
          headers: {
            ...headers,
            'Content-Type': 'application/vnd.spCampaign.v3+json',
            Accept: 'application/vnd.spCampaign.v3+json',
          },
          body: '{}',
        });
      expect((await list(without('Amazon-Advertising-API-ClientId'))).status).toBe(400);
      expect(
        (await list({ ...good, 'Amazon-Advertising-API-ClientId': 'amzn1.application-oa2-client.other' })).status,
      ).toBe(400);
      expect((await list(without('Authorization'))).status).toBe(401);
      expect((await list({ ...good, Authorization: 'Bearer Atza|forged' })).status).toBe(401);
      const noScope = await list(without('Amazon-Advertising-API-Scope'));
      expect([noScope.status, JSON.parse(noScope.text)]).toEqual([
        401,
        { code: 'UNAUTHORIZED', details: 'Scope header is missing' },
      ]);
      const badScope = await list({ ...good, 'Amazon-Advertising-API-Scope': '42' });
      expect([badScope.status, JSON.parse(badScope.text).details]).toEqual([
        401,
        'No matching advertiser found for scope',
      ]);
      expect((await list(good)).status).toBe(200);
    });

    it('GET /v2/profiles needs no scope and sends int64 ids as bare JSON numbers', async () => {
      const res = await api('/v2/profiles', { headers: await authed() });
      expect(res.status).toBe(200);
      expect(res.text).toContain(`"profileId":${de}`);
      expect(res.text).not.toContain(`"profileId":"${de}"`);
    });

    it('a wrong media type is 415 (Content-Type) or 406 (Accept)', async () => {
      const headers = await authed(us);
      const post = (ct: string, accept: string) =>
        api('/sp/keywords/list', {
          method: 'POST',
          headers: { ...headers, 'Content-Type': ct, Accept: accept },
          body: '{}',
        });
      expect((await post('application/json', 'application/vnd.spKeyword.v3+json')).status).toBe(415);
      expect((await post('application/vnd.spKeyword.v3+json', 'application/json')).status).toBe(406);
      expect((await post('application/vnd.spKeyword.v3+json', 'application/vnd.spKeyword.v3+json')).status).toBe(200);
    });
  });

  describe('stream subscriptions', () => {
    const ct = 'application/vnd.amazonmarketingstreamsubscriptions.v1+json';
    const create = async (body: object, scope = us) =>
      api('/streams/subscriptions', {
        method: 'POST',
        headers: await authed(scope, { 'Content-Type': ct, Accept: ct }),
        body: JSON.stringify(body),
      });
    const arn = 'arn:aws:sqs:us-east-1:123456789012:ams-stream';

    it('is idempotent on clientRequestToken; the same token for another request is a 409', async () => {
      const body = { clientRequestToken: 'token-0000000000000000000001', dataSetId: 'sp-traffic', destinationArn: arn };
      const a = JSON.parse((await create(body)).text);
      const b = JSON.parse((await create(body)).text);
      expect(b).toEqual(a);
      expect(emu.control.subscriptions()).toHaveLength(1);
      const conflict = await create({ ...body, dataSetId: 'sp-conversion' });
      expect([conflict.status, JSON.parse(conflict.text).code]).toEqual([409, 'OperationConflict']);
      // a second subscription for the same dataset and destination under another token: also refused
      expect((await create({ ...body, clientRequestToken: 'token-0000000000000000000002' })).status).toBe(409);
    });

    it('serves the subscriptions of its seed, ACTIVE unless said, and seeds them again on reset', async () => {
      const seeded = await startAdsEmulator({
        seed: {
          ...defaultSeed(),
          subscriptions: [
            { profileId: us, dataSetId: 'sp-traffic', destinationArn: arn },
            { profileId: de, dataSetId: 'budget-usage', destinationArn: arn, status: 'SUSPENDED' },
          ],
        },
      });
      try {
        const token = (
          (await (
            await fetch(seeded.tokenUrl, {
              method: 'POST',
              headers: { 'content-type': 'application/x-www-form-urlencoded' },
              body: new URLSearchParams(refreshForm).toString(),
            })
          ).json()) as { access_token: string }
        ).access_token;
        const list = async (scope: string) =>
          (
            (await (
              await fetch(`${seeded.url}/streams/subscriptions`, {
                headers: {
                  'Amazon-Advertising-API-ClientId': DEFAULT_CLIENT_ID,
                  Authorization: `Bearer ${token}`,
                  'Amazon-Advertising-API-Scope': scope,
                  Accept: ct,
                },
              })
            ).json()) as { subscriptions: Array<{ dataSetId: string; status: string; destinationArn: string }> }
          ).subscriptions.map((x) => [x.dataSetId, x.status, x.destinationArn]);
        expect(await list(us)).toEqual([['sp-traffic', 'ACTIVE', arn]]);
        expect(await list(de)).toEqual([['budget-usage', 'SUSPENDED', arn]]);
        seeded.control.reset();
        expect(seeded.control.subscriptions()).toHaveLength(2);
      } finally {
        await seeded.stop();
      }
    });

    it('validates the create body: token length, dataset, one destination, notes', async () => {
      const ok = { clientRequestToken: 'token-0000000000000000000003', dataSetId: 'sp-traffic', destinationArn: arn };
      for (const bad of [
        { ...ok, clientRequestToken: 'short' },
        { ...ok, dataSetId: undefined },
        { ...ok, destinationArn: undefined },
        { ...ok, destination: { sqsDestination: { queueArn: arn } } },
        { ...ok, notes: 'n'.repeat(129) },
      ]) {
        const res = await create(bad);
        expect([res.status, typeof JSON.parse(res.text).message]).toEqual([400, 'string']);
      }
      expect(emu.control.subscriptions()).toEqual([]);
    });

    it('starts PENDING_CONFIRMATION; the test moves it to ACTIVE; only ARCHIVED can be set by PUT', async () => {
      const { subscriptionId } = JSON.parse(
        (
          await create({
            clientRequestToken: 'token-0000000000000000000004',
            dataSetId: 'budget-usage',
            destinationArn: arn,
          })
        ).text,
      );
      const get = async () =>
        JSON.parse(
          (await api(`/streams/subscriptions/${subscriptionId}`, { headers: await authed(us, { Accept: ct }) })).text,
        ).subscription.status;
      expect(await get()).toBe('PENDING_CONFIRMATION');
      emu.control.setSubscriptionStatus(subscriptionId, 'ACTIVE');
      expect(await get()).toBe('ACTIVE');
      const put = async (body: object) =>
        api(`/streams/subscriptions/${subscriptionId}`, {
          method: 'PUT',
          headers: await authed(us, { 'Content-Type': ct, Accept: ct }),
          body: JSON.stringify(body),
        });
      expect((await put({ status: 'ACTIVE' })).status).toBe(400);
      const archived = await put({ status: 'ARCHIVED' });
      expect([archived.status, archived.text]).toEqual([200, '']);
      expect(await get()).toBe('ARCHIVED');
      // another profile does not see it
      expect(
        (await api(`/streams/subscriptions/${subscriptionId}`, { headers: await authed(de, { Accept: ct }) })).status,
      ).toBe(404);
    });
  });

  describe('SB and SD ad groups, keywords and targets', () => {
    const seeded = (profileId: string) => {
      const p = emu.control.seed.profiles.find((x) => x.profileId === profileId);
      if (!p) throw new Error(`no profile ${profileId}`);
      return p;
    };
    const of = (profileId: string, product: 'sb' | 'sd') =>
      new Set(
        seeded(profileId)
          .campaigns.filter((c) => c.adProduct === product)
          .map((c) => c.campaignId),
      );

    it('POST /sb/v4/adGroups/list: string ids, token paging within maxResults 1-100, campaign filter', async () => {
      const t = 'application/vnd.sbadgroupresource.v4+json';
      const headers = await authed(us, { 'Content-Type': t, Accept: t });
      const want = seeded(us).adGroups.filter((g) => of(us, 'sb').has(g.campaignId));
      expect(want.length).toBe(2);
      const first = await api('/sb/v4/adGroups/list', { method: 'POST', headers, body: '{"maxResults":1}' });
      expect(first.status).toBe(200);
      expect(first.contentType).toBe(t);
      const a = JSON.parse(first.text) as { adGroups: Array<Record<string, unknown>>; nextToken?: string };
      expect(a.adGroups).toEqual([
        { adGroupId: want[0].adGroupId, campaignId: want[0].campaignId, name: want[0].name, state: 'ENABLED' },
      ]);
      const second = await api('/sb/v4/adGroups/list', {
        method: 'POST',
        headers,
        body: JSON.stringify({ maxResults: 1, nextToken: a.nextToken }),
      });
      const b = JSON.parse(second.text) as { adGroups: Array<{ adGroupId: string }>; nextToken?: string };
      expect(b.adGroups.map((g) => g.adGroupId)).toEqual([want[1].adGroupId]);
      expect(b.nextToken).toBeUndefined();
      const none = await api('/sb/v4/adGroups/list', {
        method: 'POST',
        headers,
        body: JSON.stringify({ campaignIdFilter: { include: ['1'] } }),
      });
      expect(JSON.parse(none.text)).toMatchObject({ adGroups: [] });
      for (const body of ['{"maxResults":101}', '{"maxResults":0}', '{"nextToken":"bogus"}'])
        expect((await api('/sb/v4/adGroups/list', { method: 'POST', headers, body })).status).toBe(400);
      const wrong = await api('/sb/v4/adGroups/list', {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(wrong.status).toBe(415);
    });

    it('GET /sb/keywords (v3): a bare array, int64 ids as JSON numbers, lowercase, offset paging to count 5000', async () => {
      const t = 'application/vnd.sbkeyword.v3.2+json';
      const headers = await authed(de, { Accept: t });
      const want = seeded(de).keywords.filter((k) => of(de, 'sb').has(k.campaignId));
      expect(want.length).toBe(6);
      const page = await api('/sb/keywords?startIndex=0&count=4', { headers });
      expect(page.status).toBe(200);
      // DE ids are beyond 2^53: bare literals, never strings
      expect(page.text).toContain(`"keywordId":${want[0].keywordId},"adGroupId":${want[0].adGroupId}`);
      expect(page.text).not.toContain(`"${want[0].keywordId}"`);
      const rest = await api('/sb/keywords?startIndex=4&count=4', { headers });
      const items = [...parseRaw(page.text), ...parseRaw(rest.text)];
      expect(items.map((k) => [k.keywordId, k.keywordText, k.matchType, k.state])).toEqual(
        want.map((k) => [k.keywordId, k.keywordText, k.matchType.toLowerCase(), 'enabled']),
      );
      expect(parseRaw(rest.text)).toHaveLength(2);
      const paused = await api('/sb/keywords?stateFilter=paused', { headers });
      expect(parseRaw(paused.text)).toEqual([]);
      expect((await api('/sb/keywords?count=5001', { headers })).status).toBe(400);
      expect((await api('/sb/keywords?count=5000', { headers })).status).toBe(200);
      expect((await api('/sb/keywords', { headers: { ...headers, Accept: 'application/json' } })).status).toBe(406);
    });

    it('POST /sb/targets/list (v3): {targets, nextToken}, number ids, expressions, filters', async () => {
      const headers = await authed(us, { 'Content-Type': 'application/json', Accept: 'application/json' });
      const want = seeded(us).targets.filter((x) => of(us, 'sb').has(x.campaignId));
      expect(want.length).toBe(2);
      const first = await api('/sb/targets/list', { method: 'POST', headers, body: '{"maxResults":1}' });
      expect(first.status).toBe(200);
      expect(first.text).toContain(`"targetId":${want[0].targetId}`);
      const a = JSON.parse(first.text) as { targets: Array<Record<string, unknown>>; nextToken?: string };
      expect(a.targets[0]).toMatchObject({
        expressions: [{ type: 'asinSameAs', value: want[0].expression }],
        state: 'enabled',
        bid: want[0].bid,
      });
      const second = JSON.parse(
        (
          await api('/sb/targets/list', {
            method: 'POST',
            headers,
            body: JSON.stringify({ maxResults: 1, nextToken: a.nextToken }),
          })
        ).text,
      ) as { targets: unknown[]; nextToken?: string };
      expect(second.targets).toHaveLength(1);
      expect(second.nextToken).toBeUndefined();
      const filtered = await api('/sb/targets/list', {
        method: 'POST',
        headers,
        body: JSON.stringify({ filters: [{ filterType: 'AD_GROUP_ID', values: [want[1].adGroupId] }] }),
      });
      expect(parseRaw(filtered.text, 'targets').map((x) => x.targetId)).toEqual([want[1].targetId]);
      for (const body of ['{"maxResults":5001}', '{"filters":[{"filterType":"NOPE","values":[]}]}'])
        expect((await api('/sb/targets/list', { method: 'POST', headers, body })).status).toBe(400);
    });

    it('GET /sd/adGroups and /sd/targets: bare arrays, number ids, lowercase states, offset paging', async () => {
      const headers = await authed(de, { Accept: 'application/json' });
      const groups = seeded(de).adGroups.filter((g) => of(de, 'sd').has(g.campaignId));
      const targets = seeded(de).targets.filter((x) => of(de, 'sd').has(x.campaignId));
      expect([groups.length, targets.length]).toEqual([2, 2]);
      const g1 = await api('/sd/adGroups?startIndex=0&count=1', { headers });
      expect(g1.text).toContain(`"adGroupId":${groups[0].adGroupId}`);
      const g2 = await api('/sd/adGroups?startIndex=1&count=1', { headers });
      const g3 = await api('/sd/adGroups?startIndex=2&count=1', { headers });
      expect([...parseRaw(g1.text), ...parseRaw(g2.text)]).toEqual(
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
      expect(g3.text).toBe('[]');
      const t = await api('/sd/targets?startIndex=0&count=100', { headers });
      expect(t.status).toBe(200);
      expect(t.text).toContain(`"targetId":${targets[0].targetId}`);
      expect(parseRaw(t.text)).toEqual(
        targets.map((x) =>
          expect.objectContaining({
            targetId: x.targetId,
            adGroupId: x.adGroupId,
            campaignId: x.campaignId,
            expression: [{ type: 'views', value: '(exact-product lookback=30)' }],
            state: 'enabled',
            bid: x.bid,
          }),
        ),
      );
      expect(
        parseRaw((await api(`/sd/targets?adGroupIdFilter=${targets[1].adGroupId}`, { headers })).text).map(
          (x) => x.targetId,
        ),
      ).toEqual([targets[1].targetId]);
      expect((await api('/sd/targets?count=101', { headers })).status).toBe(400);
      expect((await api('/sd/adGroups', { headers: { ...headers, Accept: 'application/vnd.x+json' } })).status).toBe(
        406,
      );
    });

    it('faults on the sb and sd routes reach the new lists', async () => {
      const headers = await authed(us, { Accept: 'application/json' });
      emu.control.injectFault({
        route: 'sd',
        action: { kind: 'status', status: 429, headers: { 'Retry-After': '1' } },
      });
      emu.control.injectFault({ route: 'sd', action: { kind: 'malformed', body: 'missing-field', field: 'targetId' } });
      const throttled = await api('/sd/targets', { headers });
      expect(throttled.status).toBe(429);
      const spoiled = parseRaw((await api('/sd/targets', { headers })).text);
      expect(spoiled[0]).not.toHaveProperty('targetId');
      expect(spoiled[1]).toHaveProperty('targetId');
      emu.control.injectFault({ route: 'sb', action: { kind: 'malformed', body: 'truncated' } });
      const kw = await api('/sb/keywords', { headers: { ...headers, Accept: 'application/vnd.sbkeyword.v3.2+json' } });
      expect(() => JSON.parse(kw.text)).toThrow();
      expect(emu.control.requestsTo('sd').map((r) => r.status)).toEqual([429, 200]);
    });
  });

  describe('faults', () => {
    it('fire the given number of times on the matching route, then the normal answer returns', async () => {
      emu.control.injectFault({ route: 'profiles', times: 2, action: { kind: 'status', status: 429 } });
      const headers = await authed();
      expect([
        (await api('/v2/profiles', { headers })).status,
        (await api('/v2/profiles', { headers })).status,
        (await api('/v2/profiles', { headers })).status,
      ]).toEqual([429, 429, 200]);
    });

    it('spoil the body: html, truncated, an unknown field, a missing field (int64 ids survive)', async () => {
      const headers = await authed();
      emu.control.injectFault({ route: 'profiles', action: { kind: 'malformed', body: 'html' } });
      expect((await api('/v2/profiles', { headers })).text).toMatch(/^<!DOCTYPE html>/);
      emu.control.injectFault({ route: 'profiles', action: { kind: 'malformed', body: 'truncated' } });
      const truncated = (await api('/v2/profiles', { headers })).text;
      expect(() => JSON.parse(truncated)).toThrow();
      emu.control.injectFault({ route: 'profiles', action: { kind: 'malformed', body: 'unknown-field' } });
      const unknown = (await api('/v2/profiles', { headers })).text;
      expect(unknown).toContain('"surpriseField"');
      expect(unknown).toContain(`"profileId":${de}`);
      emu.control.injectFault({
        route: 'profiles',
        action: { kind: 'malformed', body: 'missing-field', field: 'timezone' },
      });
      const missing = JSON.parse((await api('/v2/profiles', { headers })).text) as Array<Record<string, unknown>>;
      expect(missing[0]).not.toHaveProperty('timezone');
      expect(missing[1]).toHaveProperty('timezone');
    });
  });

  describe('control over HTTP (for the CLI)', () => {
    it('sets statuses, injects faults, expires tokens and lists what was asked, under /__emulator/', async () => {
      const ct = 'application/vnd.amazonmarketingstreamsubscriptions.v1+json';
      const created = await api('/streams/subscriptions', {
        method: 'POST',
        headers: await authed(us, { 'Content-Type': ct, Accept: ct }),
        body: JSON.stringify({
          clientRequestToken: 'token-0000000000000000000009',
          dataSetId: 'sp-traffic',
          destinationArn: 'arn:aws:sqs:us-east-1:123456789012:q',
        }),
      });
      const { subscriptionId } = JSON.parse(created.text);
      const post = (path: string, body: object) =>
        fetch(`${emu.url}/__emulator${path}`, { method: 'POST', body: JSON.stringify(body) });
      expect((await post(`/subscriptions/${subscriptionId}/status`, { status: 'SUSPENDED' })).status).toBe(204);
      expect((await post(`/subscriptions/${subscriptionId}/status`, { status: 'NOPE' })).status).toBe(400);
      const subs = (await (await fetch(`${emu.url}/__emulator/subscriptions?profileId=${us}`)).json()) as Array<{
        status: string;
      }>;
      expect(subs.map((s) => s.status)).toEqual(['SUSPENDED']);
      expect((await post('/faults', { route: 'profiles', action: { kind: 'status', status: 503 } })).status).toBe(204);
      const headers = await authed();
      expect((await api('/v2/profiles', { headers })).status).toBe(503);
      expect((await post('/expire-tokens', {})).status).toBe(204);
      expect((await api('/v2/profiles', { headers })).status).toBe(401);
      const grants = (await (await fetch(`${emu.url}/__emulator/token-grants`)).json()) as { tokenGrants: number };
      expect(grants.tokenGrants).toBe(2);
      const recorded = (await (await fetch(`${emu.url}/__emulator/requests`)).json()) as Array<{
        route: string;
        status: number;
      }>;
      expect(recorded.filter((r) => r.route === 'profiles').map((r) => r.status)).toEqual([503, 401]);
    });
  });

  describe('seeds', () => {
    it('the default seed: US, DE, JP advertisers in their time zones, SP/SB/SD campaigns with keywords and targets', () => {
      const s = defaultSeed();
      expect(s.profiles.map((p) => [p.countryCode, p.timezone, p.marketplaceStringId])).toEqual([
        ['US', 'America/Los_Angeles', 'ATVPDKIKX0DER'],
        ['DE', 'Europe/Berlin', 'A1PA6795UKMFR9'],
        ['JP', 'Asia/Tokyo', 'A1VC38T7YXB528'],
      ]);
      for (const p of s.profiles) {
        expect(new Set(p.campaigns.map((c) => c.adProduct))).toEqual(new Set(['sp', 'sb', 'sd']));
        expect(p.keywords.length).toBeGreaterThan(0);
        expect(p.targets.length).toBeGreaterThan(0);
      }
      const ids = s.profiles.flatMap((p) => [
        ...p.campaigns.map((c) => c.campaignId),
        ...p.keywords.map((k) => k.keywordId),
      ]);
      expect(new Set(ids).size).toBe(ids.length);
      expect(keywordHeavySeed(1234).profiles[0].keywords).toHaveLength(1234);
    });

    it("seedFromScenario keeps the simulator's advertiser ids, campaign ids, names, latest budgets and keywords", () => {
      const adv: ScenarioAdvertiser = {
        advertiserId: 'ENTITYABC123',
        accountId: '9007199254740995',
        market: {
          country: 'JP',
          marketplaceId: 'A1VC38T7YXB528',
          currency: 'JPY',
          timeZone: 'Asia/Tokyo',
          minorDigits: 0,
        },
        campaigns: [
          {
            campaignId: '111',
            portfolioId: '7',
            name: 'SP - 水筒 - Exact',
            adProduct: 'sp',
            budgetMinor: 3000,
            budgetChange: { budgetMinor: 3800 },
            rows: [
              {
                adGroupId: '21',
                targetId: '31',
                text: '水筒',
                matchType: 'EXACT',
                placement: 'Top',
                share: 0.5,
                ctr: 0.01,
              } as ScenarioAdvertiser['campaigns'][0]['rows'][0],
              { adGroupId: '21', targetId: '31', text: '水筒', matchType: 'EXACT' },
            ],
          },
          {
            campaignId: '112',
            portfolioId: '7',
            name: 'SD - 水筒 - Retargeting',
            adProduct: 'sd',
            budgetMinor: 2000,
            budgetChange: null,
            rows: [{ adGroupId: '22', targetId: '32', text: 'views=(exact-product lookback=30)', matchType: null }],
          },
        ],
      };
      const s = seedFromScenario([adv]);
      const p = s.profiles[0];
      expect([p.profileId, p.accountId, p.region, p.timezone, p.currencyCode]).toEqual([
        '9007199254740995',
        'ENTITYABC123',
        'FE',
        'Asia/Tokyo',
        'JPY',
      ]);
      expect(p.campaigns.map((c) => [c.campaignId, c.name, c.budget])).toEqual([
        ['111', 'SP - 水筒 - Exact', 3800],
        ['112', 'SD - 水筒 - Retargeting', 2000],
      ]);
      expect(p.keywords.map((k) => [k.keywordId, k.keywordText, k.matchType])).toEqual([['31', '水筒', 'EXACT']]);
      expect(p.targets.map((t) => t.targetId)).toEqual(['32']);
    });
  });

  describe('CLI', () => {
    it('parses its options and refuses unknown ones', () => {
      expect(parseCli(['--port', '0', '--keywords', '50000'])).toEqual({ port: 0, host: '127.0.0.1', keywords: 50000 });
      expect(() => parseCli(['--port', 'x'])).toThrow(/--port needs a whole number/);
      expect(() => parseCli(['--bogus'])).toThrow(/unknown option --bogus/);
    });

    it('starts as a process, prints its URL, serves, and exits 0 on SIGTERM', async () => {
      const root = resolve(__dirname, '../../..');
      // TS_NODE_* (set by Nx's jest executor) would change how ts-node compiles the emulator
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TS_NODE_')));
      const child = spawn(
        process.execPath,
        [
          resolve(root, 'node_modules/ts-node/dist/bin.js'),
          '--transpile-only',
          '-P',
          'tools/tsconfig.json',
          'tools/ads-api-emulator/src/main.ts',
          '--port',
          '0',
          '--campaigns',
          '2',
        ],
        {
          cwd: root,
          env,
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      const line = await new Promise<string>((resolveLine, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('\n')) resolveLine(out.split('\n')[0]);
        });
        child.once('exit', (code) => reject(new Error(`exited ${code} before listening`)));
      });
      const started = JSON.parse(line) as { url: string; profiles: string[] };
      expect(started.profiles).toEqual([...DEFAULT_PROFILE_IDS]);
      const res = await fetch(`${started.url}/v2/profiles`);
      expect(res.status).toBe(400); // no client id: it is the emulator answering
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
    }, 60_000);
  });
});

/** A JSON answer with int64 literals kept as digit strings (the test reads ids beyond 2^53 exactly). */
interface WireItem {
  [field: string]: unknown;
  keywordId?: unknown;
  targetId?: unknown;
  keywordText?: unknown;
  matchType?: unknown;
  state?: unknown;
}

function parseRaw(text: string, key?: string): WireItem[] {
  const v = JSON.parse(text.replace(/([:[,]\s*)(\d{16,})(?=\s*[,}\]])/g, '$1"$2"')) as unknown;
  const list = key ? (v as Record<string, unknown>)[key] : v;
  return list as WireItem[];
}
