/**
 * System test (issue 19): budget pacing through the built ingestor, processor and alerter (and the api for the rule
 * contract) (real processes, the
 * machine's PostgreSQL and NATS, fauxqs, a Slack catcher), fed by the simulator. A week of one US advertiser's
 * history (two campaigns) first, then its local day up to 12:00 with `--anomaly out-of-budget` at a pace: the
 * out-of-budget campaign raises the default pacing alert (`projected_out_of_budget_before` 21:00) from an earlier
 * budget-usage reading than its 90 % alert, and it reaches Slack first; the steady campaign raises neither. Amazon's
 * budget recommendation the simulator sends for it once it capped (twice) is stored once, exactly as the ground truth
 * says, and the api shows it as `amazonEstimate` beside ours.
 *
 * The day is pinned, not the clock: the simulated day is the advertiser's local day of now + 15 minutes (the
 * simulator's first advertiser is in America/Los_Angeles) up to its 12:00, so the scenario is the same whatever the
 * time of day (the hours may lie ahead of now: the alerter projects any usage not of an earlier local day than now).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DURABLES, natsNames } from '@ams/contracts';
import {
  type AppName,
  type AppProcess,
  connectNats,
  createTestDatabase,
  DEFAULT_NATS_URL,
  freePort,
  runSimulator,
  type SlackCatcher,
  type SqsEndpoint,
  startApp,
  startSlackCatcher,
  startSqsEndpoint,
  type TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { systemEnv } from './system-env';

const API_KEY = 'pacing-system-test-key-0123456789';
const APPS: AppName[] = ['ingestor', 'processor', 'alerter', 'api'];
const TIME_ZONE = 'America/Los_Angeles';
const HOUR = 3_600_000;

interface Truth {
  anomalies: Array<{ kind: string; campaignId: string; campaignName: string }>;
  advertisers: Array<{ campaigns: Array<{ campaignId: string; name: string; totals: { clicks: number } }> }>;
  budgetRecommendations: Array<{
    campaignId: string;
    recommendationTime: string;
    suggestedBudget: string;
    missedSales: { lower: string; upper: string };
    missedClicks: { lower: string; upper: string };
    missedImpressions: { lower: string; upper: string };
    startDate: string;
    endDate: string;
    percentTimeInBudget: string;
  }>;
}

interface AlertRow {
  default_key: string;
  entity_id: string;
  state: string;
  /** the usage (budget alerts) or the projected run-out hour (pacing) it fired at */
  value: string;
  details: { usageUpdatedAt?: string; usagePercentage?: string; pacing?: { exhaustion: { p50: number | null } } };
}

describe('system: simulator → pipeline → alerter: the pacing alert comes before the 90 % alert', () => {
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let slack: SlackCatcher;
  let pg: Client;
  let dir: string;
  let queueUrl: string;
  let prefix: string;
  let simEnv: NodeJS.ProcessEnv;
  const apps: AppProcess[] = [];
  const byName = new Map<AppName, AppProcess>();
  const day = localDate(Date.now() + 15 * 60_000);
  const midnight = localMidnightUtc(day);
  let history: Promise<Truth>;
  let startedAt: number;

  beforeAll(async () => {
    [db, sqs, slack] = await Promise.all([createTestDatabase(), startSqsEndpoint(), startSlackCatcher()]);
    dir = mkdtempSync(join(tmpdir(), 'pacing-e2e-'));
    prefix = uniquePrefix('pace');
    queueUrl = await sqs.createQueue(`ams-${prefix}`, { dlq: { name: `ams-${prefix}-dlq`, maxReceiveCount: 5 } });
    const env = {
      ...systemEnv({
        databaseUrl: db.url,
        natsUrl: DEFAULT_NATS_URL,
        prefix,
        queueUrl,
        sqsEndpoint: sqs.endpoint,
        apiKey: API_KEY,
      }),
      LOG_LEVEL: 'warn',
      SNS_CONFIRM_ENABLED: 'false',
      SLACK_WEBHOOK_URL: slack.urlFor('alerts'),
      SLACK_MIN_INTERVAL_MS: '100',
    };
    simEnv = { SQS_QUEUE_URLS: queueUrl, SQS_ENDPOINT: sqs.endpoint, LAUNCHER_DATA_DIR: dir };
    // a week of history, sent while the apps start (SQS keeps it), as fast as it goes
    startedAt = Date.now();
    history = simulate(['--hours', '168', '--end', new Date(midnight).toISOString()], 'history');
    history.catch(() => undefined); // awaited in the test
    await Promise.all(
      APPS.map(async (name) => {
        const app = await startApp(name, env, { port: await freePort() });
        apps.push(app);
        byName.set(name, app);
        await app.waitReady(60_000);
      }),
    );
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 90_000);

  afterAll(async () => {
    await pg?.end();
    await Promise.all(apps.map((a) => a.stop('SIGTERM').catch(() => undefined)));
    await slack?.close();
    await sqs?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const simulate = async (args: string[], name: string): Promise<Truth> => {
    const out = join(dir, `${name}.json`);
    const run = await runSimulator(
      [...args, '--advertisers', '1', '--campaigns', '2', '--seed', '19', '--out', out],
      simEnv,
    );
    if (run.code !== 0) throw new Error(`the simulator exited ${run.code}:\n${run.out}`);
    return JSON.parse(readFileSync(out, 'utf8')) as Truth;
  };

  /** Every campaign's clicks in hourly_fact equal the ground truth's (from `from` on): the run is stored. */
  const stored = async (truth: Truth, from: number) => {
    const want = truth.advertisers[0].campaigns;
    await waitFor(
      async () => {
        const got = await pg.query<{ campaign_id: string; clicks: string }>(
          `SELECT campaign_id, sum(clicks)::text AS clicks FROM hourly_fact WHERE hour_start >= $1 GROUP BY 1`,
          [new Date(from)],
        );
        const by = new Map(got.rows.map((r) => [r.campaign_id, Number(r.clicks)]));
        return want.every((c) => by.get(c.campaignId) === c.totals.clicks);
      },
      { timeoutMs: 30_000, intervalMs: 250, description: 'the simulated records stored' },
    );
  };

  /** The alerter has judged every budget-usage event published so far. */
  const budgetEventsJudged = async () => {
    const nc = await connectNats({ servers: DEFAULT_NATS_URL });
    try {
      const jsm = await nc.jetstreamManager();
      await waitFor(
        async () => {
          const ci = await jsm.consumers.info(natsNames(prefix).stream('EVENTS'), DURABLES.alerterBudget);
          return ci.num_pending === 0 && ci.num_ack_pending === 0;
        },
        { timeoutMs: 20_000, intervalMs: 200, description: 'alerter-budget caught up' },
      );
    } finally {
      await nc.close();
    }
  };

  const alerts = async () =>
    (
      await pg.query<AlertRow>(
        `SELECT DISTINCT ON (a.id) r.default_key, a.entity_id, a.state, e.value::text, e.details
           FROM alert a JOIN alert_rule r ON r.id = a.rule_id JOIN alert_event e ON e.alert_id = a.id
          WHERE r.default_key LIKE 'budget-%-campaign' AND e.type = 'fired'
          ORDER BY a.id, e.id`,
      )
    ).rows;

  it('raises the pacing alert for the out-of-budget campaign before its 90 % alert, and none for a steady one', async () => {
    await stored(await history, midnight - 8 * 24 * HOUR);
    const historySeconds = (Date.now() - startedAt) / 1000;

    // the day to 12:00 at a pace (about 65 messages a simulated hour): the readings of one campaign's day are
    // seconds apart, as they are hours apart in life
    const end = new Date(midnight + 12 * HOUR).toISOString();
    const today = await simulate(
      ['--hours', '12', '--end', end, '--anomaly', 'out-of-budget', '--speed', '300'],
      'today',
    );
    const oob = today.anomalies.find((a) => a.kind === 'out-of-budget');
    if (!oob) throw new Error('no out-of-budget campaign in the ground truth');
    const steady = today.advertisers[0].campaigns.find((c) => c.campaignId !== oob.campaignId);
    if (!steady) throw new Error('no steady campaign');
    await stored(today, midnight);
    await budgetEventsJudged();

    const rows = await alerts();
    const of = (key: string, id: string) => rows.find((r) => r.default_key === key && r.entity_id === id);
    const pacing = of('budget-pacing-campaign', oob.campaignId);
    const warning = of('budget-warning-campaign', oob.campaignId);
    expect(pacing).toBeDefined();
    expect(warning).toBeDefined();
    const pacingAt = Date.parse(pacing?.details.usageUpdatedAt ?? '');
    const warningAt = Date.parse(warning?.details.usageUpdatedAt ?? '');
    // fired from an earlier reading, at a lower usage, with a projected run-out time before 21:00
    expect(pacingAt).toBeLessThan(warningAt);
    expect(Number(pacing?.details.usagePercentage)).toBeLessThan(90);
    expect(Number(warning?.value)).toBeGreaterThanOrEqual(90);
    expect(pacing?.details.pacing?.exhaustion.p50).toBeLessThan(21);

    // and in Slack: the pacing message (projected time and interval) before the 90 % message
    const names = (raw: string) => raw.includes(oob.campaignName) || raw.includes(oob.campaignId);
    const pacingPost = await waitFor(
      () => slack.delivered.findIndex((p) => names(p.raw) && p.raw.includes('Projected out of budget')) + 1,
      { timeoutMs: 10_000, description: 'the pacing alert in Slack' },
    );
    const warningPost = await waitFor(
      () => slack.delivered.findIndex((p) => names(p.raw) && p.raw.includes('budget nearly spent')) + 1,
      { timeoutMs: 10_000, description: 'the 90 % alert in Slack' },
    );
    expect(pacingPost).toBeLessThan(warningPost);
    expect(slack.delivered[pacingPost - 1].raw).toMatch(
      /\d\d:\d\d local \(P10–P90 \d\d:\d\d–(\d\d:\d\d|after 24:00)\)/,
    );

    // the steady campaign: neither alert, and no Slack message names it
    expect(of('budget-pacing-campaign', steady.campaignId)).toBeUndefined();
    expect(of('budget-warning-campaign', steady.campaignId)).toBeUndefined();
    expect(slack.delivered.filter((p) => p.raw.includes(steady.name) || p.raw.includes(steady.campaignId))).toEqual([]);

    // Amazon's recommendation for the capped campaign: stored once (sent twice), exact, and beside ours in the api
    const [rec] = today.budgetRecommendations;
    expect(today.budgetRecommendations.map((r) => r.campaignId)).toEqual([oob.campaignId]);
    const expected = {
      recommendationTime: new Date(rec.recommendationTime).toISOString(),
      window: { startDate: rec.startDate, endDate: rec.endDate },
      suggestedBudget: rec.suggestedBudget,
      missedSales: rec.missedSales,
      missedClicks: rec.missedClicks,
      missedImpressions: rec.missedImpressions,
      percentTimeInBudget: rec.percentTimeInBudget,
      reason: expect.any(String),
    };
    const recs = await waitFor(
      async () => {
        const { rows: got } = await pg.query(
          `SELECT campaign_id, recommendation_time, suggested_budget::text, missed_sales_lower::text,
                  missed_sales_upper::text FROM budget_recommendation`,
        );
        return got.length > 0 && got;
      },
      { timeoutMs: 15_000, description: "Amazon's recommendation stored" },
    );
    expect(recs).toEqual([
      {
        campaign_id: oob.campaignId,
        recommendation_time: new Date(rec.recommendationTime),
        suggested_budget: rec.suggestedBudget,
        missed_sales_lower: rec.missedSales.lower,
        missed_sales_upper: rec.missedSales.upper,
      },
    ]);
    const res = await fetch(`${byName.get('api')?.baseUrl}/v1/forecasts/budgets?campaignId=${oob.campaignId}`, {
      headers: { authorization: `Bearer ${API_KEY}` },
    });
    expect(res.status).toBe(200);
    const budgets = (await res.json()) as { data: Array<{ localDate: string; amazonEstimate: unknown }> };
    // the api answers a campaign's local today: the simulated day, unless now is its last 15 minutes (day is tomorrow)
    if (day === localDate(Date.now())) expect(budgets.data).toHaveLength(1);
    for (const d of budgets.data) expect(d.amazonEstimate).toEqual(expected);
    process.stdout.write(
      `pacing e2e: history stored ${historySeconds.toFixed(1)} s after the apps began to start, all in ${((Date.now() - startedAt) / 1000).toFixed(1)} s; ` +
        `pacing alert at ${pacing?.details.usagePercentage} % (${pacing?.details.usageUpdatedAt}), ` +
        `90 % alert at ${warning?.value} % (${warning?.details.usageUpdatedAt})\n`,
    );
  });

  it('refuses an outside_forecast rule on a metric it does not judge with a 400 naming the field, through the api', async () => {
    const post = async (body: object) => {
      const res = await fetch(`${byName.get('api')?.baseUrl}/v1/alert-rules`, {
        method: 'POST',
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    const rule = {
      name: 'clicks outside forecast',
      metric: 'clicks',
      condition: 'outside_forecast',
      threshold: '25',
      windowHours: 24,
      entityLevel: 'campaign',
      minClicks: 20,
      enabled: false,
    };
    const bad = await post({ ...rule, metric: 'acos' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('metric: outside_forecast judges spend, clicks, ctr, cpc, sales');
    const created = await post(rule);
    expect(created.status).toBe(201);
    expect(JSON.parse(created.text)).toMatchObject({ condition: 'outside_forecast', threshold: '25' });
  });
});

/** The advertiser-local date of an instant in TIME_ZONE. */
function localDate(ms: number): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIME_ZONE }).format(ms);
}

/** UTC offset of TIME_ZONE at an instant, in minutes. */
function offsetMinutes(ms: number): number {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: TIME_ZONE,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
      .formatToParts(ms)
      .map((x) => [x.type, x.value]),
  );
  const local = Date.UTC(+p['year'], +p['month'] - 1, +p['day'], +p['hour'], +p['minute']);
  return Math.round((local - Math.floor(ms / 60_000) * 60_000) / 60_000);
}

/** The UTC instant of a local date's midnight in TIME_ZONE. */
function localMidnightUtc(date: string): number {
  const guess = Date.parse(`${date}T00:00:00Z`);
  return guess - offsetMinutes(guess - offsetMinutes(guess) * 60_000) * 60_000;
}
