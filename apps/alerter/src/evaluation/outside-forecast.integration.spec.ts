import { ALERT_RULE_CREATE, type AlertRuleV1, type CommandDescriptor } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { ADVERTISER, AlerterHarness, HOUR } from '../testing/alerter.harness';

/**
 * `outside_forecast` (issue 19) on real PostgreSQL, NATS and a Slack catcher: five weeks of history (10 clicks at 0.50
 * an hour from 06:00 to 22:00), the advertiser's offset chosen so its local time now is 13:xx. Rules created over NATS
 * as the api does (a bad one refused naming the field): clicks and CPC outside their forecast's P10–P90 over the local
 * day. Today SPIKE gets 40 clicks an hour from 06:00 to 11:59 (240 where about 60 are expected), STEADY its usual 10,
 * both at 0.50 a click: SPIKE's clicks alert fires with the band in its message, nothing else does.
 */
describe('alerter: outside_forecast (real PostgreSQL, NATS, Slack catcher)', () => {
  let h: AlerterHarness;
  const now = Date.now();
  const utcHour = new Date(now).getUTCHours();
  const offsetHours = ((((13 - utcHour) % 24) + 24 + 11) % 24) - 11;
  const offset = offsetHours * 60;
  const today = new Date(now + offset * 60_000).toISOString().slice(0, 10);
  const localMidnightUtc = Date.parse(`${today}T00:00:00Z`) - offset * 60_000;
  const at = (hour: number) => new Date(localMidnightUtc + hour * HOUR).toISOString();
  const states = async () =>
    Object.fromEntries(
      (
        await h.rows<{ k: string; state: string }>(
          `SELECT a.rule_id || '/' || a.entity_id AS k, a.state FROM alert a ORDER BY 1`,
        )
      ).map((r) => [r.k, r.state]),
    );
  const request = <Req extends object, Res>(command: CommandDescriptor<Req, Res>, body: unknown) =>
    h.js.request(command, body as Req, 5000);

  beforeAll(async () => {
    h = await AlerterHarness.create('alertband', () => ({
      ALERT_DEFAULT_RULES: 'false',
      SLACK_MIN_INTERVAL_MS: '100',
    }));
    await h.pg.query(
      `INSERT INTO hourly_fact (advertiser_id, marketplace_id, campaign_id, ad_group_id, ad_id, keyword_id, placement,
          hour_start, utc_offset_minutes, ad_product, currency, impressions, clicks, cost, orders_7d, sales_7d)
        SELECT $1, 'ATVPDKIKX0DER', c, 'ag', 'ad', 'kw', '', to_timestamp($2::bigint / 1000.0) + make_interval(days => d, hours => hr),
               $3, 'sp', 'USD', 500, 10, 5.00, 1, 25
          FROM unnest(ARRAY['SPIKE', 'STEADY']) c, generate_series(-35, -1) d, generate_series(6, 21) hr`,
      [ADVERTISER, localMidnightUtc, offset],
    );
    await h.start();
  }, 30_000);
  afterAll(async () => {
    await h?.dispose();
  });

  it('refuses an inconsistent rule naming the field, and fires for a campaign outside its band only', async () => {
    const base = {
      name: 'clicks outside forecast',
      metric: 'clicks',
      condition: 'outside_forecast',
      threshold: '0',
      windowHours: 24,
      entityLevel: 'campaign',
      minClicks: 20,
    };
    await expect(request(ALERT_RULE_CREATE, { ...base, metric: 'acos' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('metric: outside_forecast judges spend, clicks, ctr, cpc, sales'),
    });
    await expect(request(ALERT_RULE_CREATE, { ...base, windowHours: 168 })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('windowHours'),
    });
    const clicks = (await request(ALERT_RULE_CREATE, base)) as AlertRuleV1;
    expect(clicks).toMatchObject({ condition: 'outside_forecast', metric: 'clicks' });
    await request(ALERT_RULE_CREATE, { ...base, name: 'CPC outside forecast', metric: 'cpc' });

    for (const hr of [6, 7, 8, 9, 10, 11])
      await h.facts([
        {
          campaignId: 'SPIKE',
          hourStart: at(hr),
          utcOffsetMinutes: offset,
          impressions: 2000,
          clicks: 40,
          cost: '20.00',
        },
        {
          campaignId: 'STEADY',
          hourStart: at(hr),
          utcOffsetMinutes: offset,
          impressions: 500,
          clicks: 10,
          cost: '5.00',
        },
      ]);
    await h.publishPerf(
      ['SPIKE', 'STEADY'].map((campaignId) => ({ campaignId, hourStart: at(11), utcOffsetMinutes: offset })),
    );

    await waitFor(async () => (await states())[`${clicks.id}/SPIKE`] === 'firing', {
      description: 'the clicks alert of SPIKE',
      timeoutMs: 15_000,
    }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(await states())}`);
    });
    const message = await waitFor(
      () => h.catcher.delivered.find((p) => p.raw.includes('Expected (P10–P90)') && p.raw.includes('SPIKE')),
      { description: 'the message with the band', timeoutMs: 15_000 },
    );
    expect(message.raw).toContain('Actual');
    expect(message.raw).toContain("outside its forecast's P10–P90 band");
    const [event] = await h.rows<{ value: string; baseline: string; details: { band: { p10: number; p90: number } } }>(
      `SELECT e.value::text, e.baseline::text, e.details FROM alert_event e JOIN alert a ON a.id = e.alert_id
        WHERE a.rule_id = $1 AND a.entity_id = 'SPIKE' AND e.type = 'fired'`,
      [clicks.id],
    );
    // 240 clicks by noon where the history expects 60 (6 of its 16 hours × 10)
    expect(event.value).toBe('240');
    expect(event.details.band.p10).toBeLessThanOrEqual(60);
    expect(event.details.band.p90).toBeGreaterThanOrEqual(60);
    expect(event.details.band.p90).toBeLessThan(240);
    expect(Object.entries(await states()).filter(([, s]) => s === 'firing')).toEqual([
      [`${clicks.id}/SPIKE`, 'firing'],
    ]);
  });
});
