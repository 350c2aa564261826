import fc from 'fast-check';
import {
  AdsEmulator,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  DEFAULT_PROFILE_IDS,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import { AdsApiClient } from './ads-api-client';
import { AdsMalformedResponseError } from './errors';
import { AdsProfile, SpKeyword } from './shapes';

const profileComplete = (p: AdsProfile) =>
  typeof p.profileId === 'string' &&
  typeof p.timezone === 'string' &&
  typeof p.accountInfo === 'object' &&
  typeof p.accountInfo.marketplaceStringId === 'string' &&
  ['seller', 'vendor', 'agency'].includes(p.accountInfo.type);
const keywordComplete = (k: SpKeyword) =>
  typeof k.keywordId === 'string' &&
  typeof k.keywordText === 'string' &&
  typeof k.campaignId === 'string' &&
  (k.bid === undefined || Number.isFinite(k.bid));

/**
 * Whatever a 200 carries, a call either returns a complete answer or throws AdsMalformedResponseError:
 * never a TypeError, never a half-checked object. Bodies: arbitrary JSON, arbitrary text, and every cut of a
 * real answer, served over HTTP by the emulator.
 */
describe('AdsApiClient: any 200 body', () => {
  let emu: AdsEmulator;
  let client: AdsApiClient;
  let realProfiles: string;

  beforeAll(async () => {
    emu = await startAdsEmulator();
    client = new AdsApiClient({
      clientId: DEFAULT_CLIENT_ID,
      clientSecret: DEFAULT_CLIENT_SECRET,
      refreshToken: DEFAULT_REFRESH_TOKEN,
      apiEndpoint: emu.url,
      lwaEndpoint: emu.tokenUrl,
    });
    const token = (
      (await (
        await fetch(emu.tokenUrl, {
          method: 'POST',
          body: new URLSearchParams({
            grant_type: 'refresh_token',
            refresh_token: DEFAULT_REFRESH_TOKEN,
            client_id: DEFAULT_CLIENT_ID,
            client_secret: DEFAULT_CLIENT_SECRET,
          }),
        })
      ).json()) as { access_token: string }
    ).access_token;
    realProfiles = await (
      await fetch(`${emu.url}/v2/profiles`, {
        headers: { 'Amazon-Advertising-API-ClientId': DEFAULT_CLIENT_ID, Authorization: `Bearer ${token}` },
      })
    ).text();
  });
  afterAll(() => emu.stop());

  /** 'ok' only when the answer is complete: every item has its required fields with their types. */
  async function outcome<T>(
    body: string,
    call: () => Promise<T[]>,
    complete: (item: T) => boolean,
  ): Promise<'ok' | 'malformed'> {
    emu.control.injectFault({ route: 'profiles', action: { kind: 'status', status: 200, body } });
    emu.control.injectFault({ route: 'sp', action: { kind: 'status', status: 200, body } });
    try {
      const items = await call();
      expect(Array.isArray(items) && items.every(complete)).toBe(true);
      return 'ok';
    } catch (err) {
      if (err instanceof AdsMalformedResponseError) return 'malformed';
      throw err;
    } finally {
      emu.control.clearFaults();
    }
  }

  it('arbitrary JSON and text: an answer or AdsMalformedResponseError', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v) ?? 'null'),
          fc.string(),
        ),
        async (body) => {
          expect(['ok', 'malformed']).toContain(await outcome(body, () => client.listProfiles(), profileComplete));
          expect(['ok', 'malformed']).toContain(
            await outcome(body, () => client.listSpKeywords(DEFAULT_PROFILE_IDS[0]), keywordComplete),
          );
        },
      ),
      { numRuns: 150, seed: 16 },
    );
  });

  it('every cut of a real answer is malformed, the whole answer is not', async () => {
    expect(await outcome(realProfiles, () => client.listProfiles(), profileComplete)).toBe('ok');
    const cuts = Array.from({ length: realProfiles.length - 1 }, (_, i) => i + 1).filter((i) => i % 7 === 0 || i < 20);
    for (const cut of cuts)
      expect(await outcome(realProfiles.slice(0, cut), () => client.listProfiles(), profileComplete)).toBe('malformed');
  });
});
