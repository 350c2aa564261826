/**
 * Fault scenario 8 (issue 17): guarded automation executed exactly once at Amazon while its apps are killed. The
 * ingestor, processor, alerter, api and connector run as processes on the fault lab's infrastructure, the Ads API
 * emulator in this process (seeded with one advertiser's profile of CAMPAIGNS SP campaigns). One auto rule, created
 * through the api: out of budget before 24:00 local → +10 %, at most one action per campaign and day, no cooldown, a
 * daily cap far above what the campaigns can add. Budget usage at 100 % for every campaign goes through the real
 * pipeline (SQS → ingestor → processor → budget.usage.updated → alerter → automation_action → connector → PUT), one
 * chunk of campaigns per fault:
 *
 *  - connector: killed (-9) while idle; the chunk is proposed while it is down; restarted, it sends the chunk in one
 *    PUT, which the emulator applies and holds the answer of; killed (-9) again while it waits, so the PUT's actions
 *    are `executing` with nobody left who knows whether Amazon took them (in doubt); restarted at once, it reads them
 *    back once their lease ran out
 *  - alerter: records paced; the alerter is killed (-9) once the chunk's first proposal is committed (events
 *    unacknowledged, Slack notices pending) and restarted; meanwhile two PUTs answer after the connector's timeout
 *    (in doubt while it lives: read back next round)
 *
 * then the remaining campaigns, then every record again (AMS delivers a message more than once). At the end: every
 * action `done`, the emulator's change log holds exactly one effective change per campaign (`source: 'api'`,
 * from ≠ to), each new budget the old × 1.1 rounded half-up to cents, and Slack named each executed action exactly
 * once (twice only for an entry re-sent after the alerter died mid-post, flagged in doubt). Then a second reading per
 * campaign, the raised budget spent too: each `blocked` by maxActionsPerDay, nothing more sent. FAULT_SIZE=full: more
 * campaigns and each kill twice. The figures go to bench/results/faults-full-automation.md (full size).
 */
import {
  type AdsEmulator,
  connectorEnvFor,
  defaultSeed,
  type EmulatorSeed,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import { budgetUsageBody, waitFor } from '@ams/testing';
import { FaultLab } from './fault-lab';
import { FULL, writeResults } from './fault-suite';

const CAMPAIGNS = FULL ? 150 : 24;
/** the connector's timeout per attempt; a PUT held longer is in doubt */
const REQUEST_TIMEOUT_MS = 3_000;
/** the lease of an `executing` action: how long a dead connector's actions wait before they are read back */
const LEASE_SECONDS = 5;
const SETTLE_MS = FULL ? 180_000 : 60_000;
/** the pace of the budget usage records (per campaign) */
const SEND_GAP_MS = FULL ? 40 : 100;
/** the apps killed (-9) in turn, each restarted at once */
const FAULTS: Array<'connector' | 'alerter'> = FULL
  ? ['connector', 'alerter', 'connector', 'alerter']
  : ['connector', 'alerter'];
const FINAL = ['done', 'failed', 'blocked', 'superseded', 'expired', 'rejected'];

/**
 * A fixed-offset zone where it is about noon now: a budget trigger judges usage of the local day it was judged on, so a
 * run across the profile's local midnight would drop the records sent just before it.
 */
function noonZone(now = new Date()): string {
  let offset = 12 - now.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // Etc/GMT-N is N hours ahead of UTC (the sign is inverted in these names)
  return offset >= 0 ? `Etc/GMT-${offset}` : `Etc/GMT+${-offset}`;
}

/**
 * One US profile (its zone pinned to about noon), CAMPAIGNS enabled SP campaigns with budgets whose +10 % needs rounding
 * (21.37 → 23.51).
 */
function seed(): EmulatorSeed {
  const s = defaultSeed({ campaigns: 1 });
  const us = s.profiles[0];
  us.timezone = noonZone();
  const base = BigInt(us.profileId) * 1000n;
  us.campaigns = Array.from({ length: CAMPAIGNS }, (_, i) => ({
    campaignId: String(base + 100n + BigInt(i)),
    adProduct: 'sp' as const,
    name: `SP - automation fault ${i}`,
    state: 'ENABLED' as const,
    budget: (2000 + 137 * i) / 100,
    startDate: '2026-01-01',
  }));
  us.adGroups = [];
  us.keywords = [];
  us.targets = [];
  return { ...s, profiles: [us] };
}

/** old × 1.1, rounded half-up to cents, in cents */
const raisedCents = (budget: number) => Math.floor((Math.round(budget * 100) * 11 + 5) / 10);

interface ActionRow {
  id: string;
  state: string;
  state_reason: string | null;
  entity_id: string;
  value_before: string;
  value_after: string | null;
  attempts: number;
}

describe(`fault suite, automation (${FULL ? 'full' : 'ci'} size)`, () => {
  let lab: FaultLab;
  let emu: AdsEmulator;
  // a seed of the test's own: the emulator changes the budgets of the one it serves
  const profile = seed().profiles[0];
  const campaigns = profile.campaigns;

  beforeAll(async () => {
    [lab, emu] = await Promise.all([FaultLab.open(), startAdsEmulator({ port: 0, seed: seed() })]);
  }, 120_000);
  afterAll(async () => {
    await lab?.close();
    await emu?.stop();
  }, 120_000);

  const actions = async () =>
    (
      await lab.pg.query<ActionRow>(
        `SELECT id::text, state, state_reason, entity_id, value_before, value_after, attempts
           FROM automation_action ORDER BY id`,
      )
    ).rows;
  const count = async (where: string) =>
    Number((await lab.pg.query<{ n: string }>(`SELECT count(*) AS n FROM automation_action WHERE ${where}`)).rows[0].n);
  const body = (c: (typeof campaigns)[number]) =>
    budgetUsageBody({
      advertiserId: profile.accountId,
      marketplaceId: profile.marketplaceStringId,
      campaignId: c.campaignId,
      budget: c.budget,
      percentage: 100,
    });
  /**
   * Sends budget usage at 100 % for these campaigns through SQS, paced (AMS trickles records in; a burst would be
   * one event and one decision). The same body each time for a campaign: a redelivery, not a new reading.
   */
  const bodies = new Map<string, string>();
  const send = async (cs: typeof campaigns, gapMs = SEND_GAP_MS) => {
    const t0 = Date.now();
    for (const [i, c] of cs.entries()) {
      if (!bodies.has(c.campaignId)) bodies.set(c.campaignId, body(c));
      await lab.sqs.send(lab.queueUrl, bodies.get(c.campaignId) as string);
      const next = t0 + (i + 1) * gapMs;
      if (next > Date.now()) await new Promise((r) => setTimeout(r, next - Date.now()));
    }
  };
  const putsTo = () => emu.control.requestsTo('sp', 'PUT').length;

  it('8. automation: connector and alerter killed (-9) mid-execution, writes in doubt: one change per campaign', async () => {
    const started = Date.now();
    await lab.begin(
      {
        ...connectorEnvFor(emu),
        ALERT_DEFAULT_RULES: 'false', // only the automation's messages in Slack
        ALERT_EVAL_ACK_WAIT_MS: '5000', // a killed alerter's events come back after 5 s
        ALERT_GROUP_MAX: '10', // every notice named in its message (beyond 15 a message says "… and N more")
        AUTOMATION_MAX_DAILY_BUDGET_INCREASE: '1000000',
        AUTOMATION_POLL_MS: '500',
        AUTOMATION_LEASE_SECONDS: String(LEASE_SECONDS),
        ADS_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
        ADS_RETRY_BASE_DELAY_MS: '50',
      },
      { apps: ['ingestor', 'processor', 'alerter', 'api', 'connector'] },
    );
    await waitFor(
      async () =>
        Number(
          (
            await lab.pg.query<{ n: string }>(
              `SELECT count(*) AS n FROM ads_entity e JOIN ads_connection c ON c.state = 'authorized'
                WHERE e.entity_type = 'campaign' AND e.advertiser_id = $1`,
              [profile.accountId],
            )
          ).rows[0].n,
        ) === CAMPAIGNS,
      { timeoutMs: 60_000, intervalMs: 200, description: `the connector's sync of ${CAMPAIGNS} campaigns` },
    );
    const rule = await fetch(`${lab.apps.get('api')?.baseUrl}/v1/action-rules`, {
      method: 'POST',
      headers: { authorization: `Bearer ${lab.env['API_KEYS']}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'raise capped budgets by 10 %',
        advertiserId: profile.accountId,
        entityLevel: 'campaign',
        mode: 'auto',
        trigger: { type: 'budget', beforeLocalHour: 24 },
        action: { type: 'change_budget_pct', percent: '10' },
        guards: { maxActionsPerDay: 1, cooldownMinutes: 0 },
      }),
    });
    expect(rule.status).toBe(201);
    const ready = Date.now();

    // one chunk of campaigns per fault, then the rest
    const chunks = FAULTS.map((_, i) =>
      campaigns.slice(
        Math.floor((i * CAMPAIGNS) / (FAULTS.length + 1)),
        Math.floor(((i + 1) * CAMPAIGNS) / (FAULTS.length + 1)),
      ),
    );
    const rest = campaigns.slice(Math.floor((FAULTS.length * CAMPAIGNS) / (FAULTS.length + 1)));
    const kills: string[] = [];
    let inDoubtAtKill = 0;
    for (const [i, app] of FAULTS.entries()) {
      emu.control.clearFaults();
      if (app === 'connector') {
        // killed while idle: the chunk is proposed while it is down, so its first round sends all of it in one PUT;
        // the emulator applies that PUT and holds the answer, and the connector is killed again while it waits
        await lab.kill9('connector');
        const queued = await count(`state = 'queued'`);
        await send(chunks[i], 0);
        await waitFor(async () => (await count(`state = 'queued'`)) >= queued + chunks[i].length, {
          timeoutMs: 60_000,
          intervalMs: 50,
          description: 'the chunk proposed',
        });
        const puts = putsTo();
        emu.control.injectFault({ route: 'sp', method: 'PUT', action: { kind: 'delay', ms: 60_000 } });
        // this start only: a timeout longer than the held answer can take to be noticed here on a busy machine
        const env = lab.env;
        lab.env = { ...env, ADS_REQUEST_TIMEOUT_MS: '60000' };
        await lab.start('connector');
        lab.env = env;
        await waitFor(() => putsTo() > puts, { timeoutMs: 60_000, intervalMs: 10, description: 'the held PUT' });
        await lab.kill9('connector');
        const inDoubt = await count(`state = 'executing'`);
        inDoubtAtKill += inDoubt;
        kills.push(`connector idle, then with a PUT of ${inDoubt} actions held (in doubt)`);
        await lab.start('connector');
      } else {
        // the alerter dies while judging the chunk; two PUTs of it time out (in doubt: read back next round)
        emu.control.injectFault({
          route: 'sp',
          method: 'PUT',
          times: 2,
          action: { kind: 'delay', ms: REQUEST_TIMEOUT_MS + 2_000 },
        });
        const proposed = await count('true');
        const sending = send(chunks[i]);
        await waitFor(async () => (await count('true')) > proposed, {
          timeoutMs: 60_000,
          intervalMs: 10,
          description: 'the chunk being judged',
        });
        await lab.kill9('alerter');
        kills.push(`alerter (after ${(await count('true')) - proposed} of ${chunks[i].length} proposals)`);
        await sending;
        await lab.start('alerter');
      }
    }
    const faultsEnded = Date.now();

    // the rest, then every record again (AMS delivers a message more than once)
    await send(rest);
    await send(campaigns);
    const lastSent = Date.now();

    let last: ActionRow[] = [];
    await waitFor(
      async () => {
        last = await actions();
        const outbox = await lab.pg.query<{ n: string }>(
          `SELECT count(*) AS n FROM notification_outbox WHERE kind = 'action_result' AND status = 'sent'`,
        );
        return (
          last.length >= CAMPAIGNS &&
          last.every((a) => FINAL.includes(a.state)) &&
          Number(outbox.rows[0].n) >= last.length
        );
      },
      { timeoutMs: SETTLE_MS, intervalMs: 250, description: `${CAMPAIGNS} actions settled and announced` },
    ).catch(async (err: unknown) => {
      const unannounced = await lab.pg.query<{ id: string; state: string; state_reason: string | null }>(
        `SELECT a.id::text, a.state, a.state_reason FROM automation_action a
          WHERE NOT EXISTS (SELECT 1 FROM notification_outbox o WHERE o.action_id = a.id AND o.kind = 'action_result')
          ORDER BY a.id`,
      );
      process.stdout.write(
        `\nautomation did not settle: ${JSON.stringify(last.filter((a) => a.state !== 'done'))}\n` +
          `actions without a Slack notice: ${JSON.stringify(unannounced.rows)}\n${await lab.diagnose()}\n`,
      );
      throw err;
    });
    const settled = Date.now();

    // every due action done, once per campaign
    const notDone = last.filter((a) => a.state !== 'done');
    expect(notDone).toEqual([]);
    expect(last.map((a) => a.entity_id).sort()).toEqual(campaigns.map((c) => c.campaignId).sort());
    // Amazon: exactly one effective change per campaign, the old budget × 1.1
    const changes = emu.control.changes().filter((c) => c.source === 'api' && c.field === 'budget');
    const effective = changes.filter((c) => Number(c.from) !== Number(c.to));
    const perCampaign = new Map<string, number>();
    for (const c of effective) perCampaign.set(c.entityId, (perCampaign.get(c.entityId) ?? 0) + 1);
    expect([...perCampaign].filter(([, n]) => n !== 1).map(([id, n]) => `${id}: ${n} changes`)).toEqual([]);
    expect(perCampaign.size).toBe(CAMPAIGNS);
    for (const c of campaigns) {
      const change = effective.find((x) => x.entityId === c.campaignId);
      expect({ id: c.campaignId, from: Number(change?.from), to: Math.round(Number(change?.to) * 100) }).toEqual({
        id: c.campaignId,
        from: c.budget,
        to: raisedCents(c.budget),
      });
    }
    expect(changes.filter((c) => c.source !== 'api')).toEqual([]);
    const readBack = last.filter((a) => /read-back/.test(a.state_reason ?? '')).length;
    expect(inDoubtAtKill).toBeGreaterThan(0);
    expect(readBack).toBeGreaterThanOrEqual(inDoubtAtKill);

    // Slack: each executed action named once (twice only when its entry was re-sent after a sender died mid-post)
    const named = new Map<string, number>();
    for (const post of lab.slack.delivered)
      for (const [, id] of post.raw.matchAll(/Action #(\d+)/g)) named.set(id, (named.get(id) ?? 0) + 1);
    const outbox = await lab.pg.query<{ action_id: string; in_doubt: boolean }>(
      `SELECT action_id::text, in_doubt FROM notification_outbox WHERE kind = 'action_result'`,
    );
    const repeatsAllowed = new Set(outbox.rows.filter((r) => r.in_doubt).map((r) => r.action_id));
    expect(outbox.rows.map((r) => r.action_id).sort()).toEqual(last.map((a) => a.id).sort());
    const wrong = last
      .map((a) => ({ id: a.id, named: named.get(a.id) ?? 0 }))
      .filter((a) => a.named < 1 || a.named > (repeatsAllowed.has(a.id) ? 2 : 1));
    expect(wrong).toEqual([]);
    const repeats = [...named.values()].reduce((s, n) => s + n - 1, 0);

    // later the same day AMS reports the raised budgets spent too: one action per campaign and day still holds (the
    // counts survived the kills); the new readings are recorded `blocked`, and nothing more reaches Amazon
    const putsBefore = putsTo();
    const changesBefore = emu.control.changes().length;
    const raised = campaigns.map((c) => ({ ...c, budget: raisedCents(c.budget) / 100 }));
    for (const c of raised) bodies.delete(c.campaignId);
    await send(raised, 20);
    const blocked = await waitFor(
      async () => {
        const rows = (await actions()).filter((a) => a.state !== 'done');
        return rows.length >= CAMPAIGNS ? rows : undefined;
      },
      { timeoutMs: SETTLE_MS, intervalMs: 250, description: `${CAMPAIGNS} second readings judged` },
    );
    expect(
      blocked.filter((a) => a.state !== 'blocked' || !/^maxActionsPerDay: 1 of 1 /.test(a.state_reason ?? '')),
    ).toEqual([]);
    expect(blocked.map((a) => a.entity_id).sort()).toEqual(campaigns.map((c) => c.campaignId).sort());
    expect(await count(`state NOT IN ('done', 'blocked')`)).toBe(0);
    expect(putsTo()).toBe(putsBefore);
    expect(emu.control.changes().length).toBe(changesBefore);

    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const row = [
      `| campaigns | actions done | effective changes at Amazon | changed twice | PUTs | in doubt when the connector died | confirmed by read-back | Slack: actions named / repeats (in doubt) | second readings blocked (maxActionsPerDay) | kills | settled after the last record (after the last restart) | whole run |`,
      '|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|',
      `| ${CAMPAIGNS} | ${last.length - notDone.length} | ${effective.length} | ${[...perCampaign.values()].filter((n) => n > 1).length} | ${putsTo()} | ${inDoubtAtKill} | ${readBack} | ${named.size} / ${repeats} (${repeatsAllowed.size}) | ${blocked.length} | ${kills.join('; ')} | ${s(settled - lastSent)} (${s(settled - faultsEnded)}) | ${s(Date.now() - started)} (apps ready ${s(ready - started)}) |`,
    ].join('\n');
    writeResults(
      `Fault suite, automation, ${FULL ? 'full' : 'ci'} size, ${new Date().toISOString()}\n\n${row}\n`,
      'faults-full-automation.md',
      true,
    );
  }, 400_000);
});
