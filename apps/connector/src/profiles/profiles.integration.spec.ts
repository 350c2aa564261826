import { CONNECTOR_PROFILES_SYNC } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { ConnectorHarness, DE_PROFILE, JP_PROFILE, US_PROFILE } from '../testing/connector.harness';

interface ProfileRowDb {
  profile_id: string;
  region: string;
  advertiser_id: string;
  marketplace_id: string;
  country_code: string;
  currency_code: string;
  time_zone: string;
  account_type: string;
  account_name: string;
  active: boolean;
}

describe('profile sync', () => {
  let h: ConnectorHarness;
  beforeAll(async () => {
    // the default: profiles are synced at start
    h = await ConnectorHarness.create('profiles', { env: { ADS_SYNC_ON_START: 'true' } });
  });
  afterAll(() => h?.close());

  const profiles = () =>
    h.query<ProfileRowDb>(
      `SELECT profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone, account_type,
              account_name, active
       FROM ads_profile ORDER BY profile_id`,
    );

  it('stores every profile at start with its time zone, type, region and the DE id 9007199254740993 exact', async () => {
    const rows = await waitFor(async () => ((await profiles()).length === 3 ? profiles() : undefined), {
      description: 'three profiles synced at start',
    });
    expect(rows.map((r) => r.profile_id)).toEqual([US_PROFILE, JP_PROFILE, DE_PROFILE]);
    const de = rows.find((r) => r.country_code === 'DE');
    expect(de).toMatchObject({
      profile_id: '9007199254740993',
      region: 'EU',
      marketplace_id: 'A1PA6795UKMFR9',
      currency_code: 'EUR',
      time_zone: 'Europe/Berlin',
      account_type: 'vendor',
      active: true,
    });
    expect(de?.advertiser_id).toMatch(/^ENTITY/);
    expect(rows.find((r) => r.country_code === 'US')).toMatchObject({
      region: 'NA',
      time_zone: 'America/Los_Angeles',
      account_type: 'seller',
    });
    expect(rows.find((r) => r.country_code === 'JP')).toMatchObject({ region: 'FE', time_zone: 'Asia/Tokyo' });
    const [state] = await h.query<{ status: string; counts: Record<string, number> }>(
      `SELECT status, counts FROM ads_sync_state WHERE kind = 'profiles' AND scope = 'NA'`,
    );
    expect(state).toEqual({ status: 'ok', counts: { profiles: 3, deactivated: 0 } });
  });

  it('marks a profile the answer no longer lists inactive, and keeps the rows when the listing fails', async () => {
    const seed = h.emulator.control.seed;
    const removed = seed.profiles.splice(
      seed.profiles.findIndex((p) => p.profileId === JP_PROFILE),
      1,
    );
    const reply = await h.request(CONNECTOR_PROFILES_SYNC, {});
    expect(reply).toMatchObject({ profiles: 2, failures: [] });
    const rows = await profiles();
    expect(rows.map((r) => [r.profile_id, r.active])).toEqual([
      [US_PROFILE, true],
      [JP_PROFILE, false],
      [DE_PROFILE, true],
    ]);

    seed.profiles.push(...removed);
    h.emulator.control.injectFault({ route: 'profiles', times: 1, action: { kind: 'malformed', body: 'html' } });
    const failed = await h.request(CONNECTOR_PROFILES_SYNC, {});
    expect(failed.failures).toEqual([{ region: 'NA', error: expect.stringMatching(/malformed response/) }]);
    const [state] = await h.query<{ status: string; error: string }>(
      `SELECT status, error FROM ads_sync_state WHERE kind = 'profiles' AND scope = 'NA'`,
    );
    expect(state.status).toBe('failed');
    expect(state.error).toMatch(/listProfiles: malformed response/);
    expect((await profiles()).map((r) => [r.profile_id, r.active])).toEqual([
      [US_PROFILE, true],
      [JP_PROFILE, false],
      [DE_PROFILE, true],
    ]);

    const again = await h.request(CONNECTOR_PROFILES_SYNC, {});
    expect(again).toMatchObject({ profiles: 3, failures: [] });
    expect((await profiles()).every((r) => r.active)).toBe(true);
  });
});
