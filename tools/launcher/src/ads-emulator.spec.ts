/**
 * The emulator's seed is the simulator's scenario: every advertiser the simulator sends AMS records for is a profile
 * with that advertiser_id as its account id, the marketplace and the time zone its records are stamped in, and the
 * campaigns' names and latest budgets of its campaign-change records.
 */
import { DEFAULT_CLIENT_ID, DEFAULT_REFRESH_TOKEN } from '@ams/ads-api-emulator';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { parseCli } from '../../simulator/src/cli-options';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { simulate } from '../../simulator/src/traffic-generator';
import { parseReadyLine, queueArnOf, SIMULATED_DATASETS, simulatorSeed } from './ads-emulator';

const NOW = Date.parse('2026-11-30T15:20:00Z');

/** `+01:00` → minutes east of UTC at that instant in `timeZone`. */
const formats = new Map<string, Intl.DateTimeFormat>();
function offsetMinutes(timeZone: string, atMs: number): number {
  let f = formats.get(timeZone);
  if (!f) formats.set(timeZone, (f = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
  const name = f.formatToParts(atMs).find((p) => p.type === 'timeZoneName')?.value;
  const m = /GMT([+-])(\d\d):(\d\d)/.exec(name ?? '');
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

describe('the Ads API emulator seed of npm start', () => {
  const seed = simulatorSeed(NOW);
  const o = parseCli([], NOW);
  if ('error' in o) throw new Error(o.error);
  const sim = simulate({ ...o });
  // the deliberately malformed messages (quarantine tests) are not records of an advertiser
  const records = sim.messages
    .filter((m) => m.kind !== 'malformed')
    .map((m) => {
      try {
        return JSON.parse(m.body) as Record<string, unknown>;
      } catch {
        return null;
      }
    })
    .filter((r): r is Record<string, unknown> => !!r && typeof r['advertiser_id'] === 'string');

  it('has one profile per simulated advertiser, the profile id being its numeric account id', () => {
    expect(seed.profiles.map((p) => p.accountId)).toEqual(sim.advertisers.map((a) => a.advertiserId));
    expect(seed.profiles.map((p) => p.profileId)).toEqual(sim.advertisers.map((a) => a.accountId));
    for (const p of seed.profiles) expect(p.profileId).toMatch(/^[1-9][0-9]+$/);
    expect(seed.profiles.map((p) => p.countryCode)).toEqual(['US', 'DE', 'JP']);
  });

  it('matches the advertiser_id, marketplace_id and time zone of every record the simulator sends', () => {
    const byAdvertiser = new Map(seed.profiles.map((p) => [p.accountId, p]));
    expect(new Set(records.map((r) => r['advertiser_id']))).toEqual(new Set(byAdvertiser.keys()));
    let stamped = 0;
    const wrong: string[] = [];
    for (const r of records) {
      const p = byAdvertiser.get(r['advertiser_id'] as string);
      if (!p) throw new Error(`no profile for ${String(r['advertiser_id'])}`);
      if (typeof r['marketplace_id'] === 'string' && r['marketplace_id'] !== p.marketplaceStringId) {
        wrong.push(`${String(r['marketplace_id'])} for ${p.countryCode}`);
      }
      const start = r['time_window_start'];
      if (typeof start === 'string') {
        const m = /([+-])(\d\d):(\d\d)$/.exec(start);
        const offset = m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : null;
        if (offset !== offsetMinutes(p.timezone, Date.parse(start))) wrong.push(`${start} in ${p.timezone}`);
        stamped++;
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
    expect(stamped).toBeGreaterThan(1000);
  });

  it('has every campaign with the name and latest budget of its campaign-change records', () => {
    const campaigns = new Map(seed.profiles.flatMap((p) => p.campaigns.map((c) => [c.campaignId, c] as const)));
    expect(sim.entities.length).toBe(campaigns.size);
    for (const e of sim.entities) {
      const c = campaigns.get(e.campaignId);
      expect({ id: e.campaignId, name: c?.name, budget: c?.budget, product: c?.adProduct }).toEqual({
        id: e.campaignId,
        name: e.name,
        budget: e.budget,
        product: e.adProduct,
      });
    }
  });

  it("uses the emulator's test client", () => {
    expect(seed.clientId).toBe(DEFAULT_CLIENT_ID);
    expect(seed.refreshTokens).toEqual([DEFAULT_REFRESH_TOKEN]);
  });

  it('subscribes every profile, ACTIVE, to every dataset the simulator sends, at the local queue', () => {
    expect(seed.subscriptions).toBeUndefined(); // no queue given: none
    const url = 'http://127.0.0.1:9324/000000000000/ams-stream';
    const arn = 'arn:aws:sqs:us-east-1:000000000000:ams-stream';
    expect(queueArnOf(url, 'us-east-1')).toBe(arn);
    const withQueue = simulatorSeed(NOW, { url, region: 'us-east-1' });
    const sent = [...new Set(records.map((r) => String(r['dataset_id'])))].sort();
    expect([...SIMULATED_DATASETS].sort()).toEqual(expect.arrayContaining(sent));
    expect(withQueue.subscriptions).toEqual(
      withQueue.profiles.flatMap((p) =>
        SIMULATED_DATASETS.map((dataSetId) => ({ profileId: p.profileId, dataSetId, destinationArn: arn })),
      ),
    );
  });
});

describe('parseReadyLine', () => {
  it('reads the line the emulator prints once it listens, and nothing else', () => {
    expect(
      parseReadyLine('{"url":"http://127.0.0.1:5","tokenUrl":"http://127.0.0.1:5/auth/o2/token","profiles":["1"]}'),
    ).toEqual({ url: 'http://127.0.0.1:5', tokenUrl: 'http://127.0.0.1:5/auth/o2/token', profiles: ['1'] });
    expect(parseReadyLine('listening')).toBeNull();
    expect(parseReadyLine('{"url":1}')).toBeNull();
    expect(parseReadyLine('{broken')).toBeNull();
  });
});
