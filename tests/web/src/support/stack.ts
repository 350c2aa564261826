/**
 * The whole system for the browser tests, as tests/system runs it: the six built apps as processes on this machine's
 * PostgreSQL (a database of the run's own) and NATS (a prefix of its own), fauxqs as SQS, the Ads API emulator seeded
 * with the simulator's advertiser, and the simulator's traffic through SQS. The api serves the dashboard's build
 * (dist/apps/web, beside dist/apps/api). What the pages act on is made the way production makes it: an approval-mode
 * action rule and a capped budget → a proposal and a budget alert; the simulator's malformed messages → quarantine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import {
  type AdsEmulator,
  connectorEnvFor,
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  seedFromScenario,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import {
  type AppName,
  type AppProcess,
  budgetUsageBody,
  createTestDatabase,
  DEFAULT_NATS_URL,
  runSimulator,
  type SqsEndpoint,
  startApp,
  startSqsEndpoint,
  type TestDatabase,
  freePort,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
// The simulator is a tool of this scope (scope:system): the emulator's seed must come from its own scenario code so
// that ids, names, budgets and time zones match what it sends (as tools/launcher does).
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildScenario } from '../../../../tools/simulator/src/market-scenario';

export const ADMIN_KEY = 'web-e2e-admin-key-0123456789abcdef';
export const OPERATOR_KEY = 'web-e2e-operator-key-0123456789abcd';
export const READ_KEY = 'web-e2e-read-key-0123456789abcdefgh';

const APPS: AppName[] = ['ingestor', 'processor', 'aggregator', 'alerter', 'connector', 'api'];
const SIM = { seed: 42, advertisers: 1, campaigns: 3, hours: 12 };

export interface StackCampaign {
  campaignId: string;
  name: string;
  budget: number;
}

export interface Stack {
  baseUrl: string;
  advertiserId: string;
  timeZone: string;
  campaigns: StackCampaign[];
  pg: Client;
  /** GET (or another method) on the api with a key; the parsed JSON, or an error naming the status */
  api<T>(path: string, key?: string, init?: RequestInit): Promise<T>;
  /** an SQS message to the ingestor's queue, as AMS would deliver it */
  send(body: string): Promise<void>;
  timings: Record<string, number>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const t0 = Date.now();
  const timings: Record<string, number> = {};
  const mark = (name: string) => (timings[name] = Date.now() - t0);
  const dir = mkdtempSync(join(tmpdir(), 'ams-web-e2e-'));
  const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const advertisers = buildScenario({ ...SIM, endMs, anomalies: ['out-of-budget'] });
  const adv = advertisers[0];

  const apps: AppProcess[] = [];
  let db: TestDatabase | undefined;
  let sqs: SqsEndpoint | undefined;
  let emu: AdsEmulator | undefined;
  let pg: Client | undefined;
  const stop = async () => {
    await Promise.all(apps.map((a) => a.stop('SIGTERM').catch(() => undefined)));
    await pg?.end().catch(() => undefined);
    await emu?.stop().catch(() => undefined);
    await sqs?.stop().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    [db, sqs, emu] = await Promise.all([
      createTestDatabase(),
      startSqsEndpoint(),
      startAdsEmulator({
        port: 0,
        seed: seedFromScenario(advertisers, {
          clientId: DEFAULT_CLIENT_ID,
          clientSecret: DEFAULT_CLIENT_SECRET,
          refreshTokens: [DEFAULT_REFRESH_TOKEN],
        }),
      }),
    ]);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const sqsEndpoint = sqs;
    const prefix = uniquePrefix('web');
    const queueUrl = await sqs.createQueue(`ams-${prefix}`, { dlq: { name: `ams-${prefix}-dlq`, maxReceiveCount: 5 } });
    mark('services');
    const env: Record<string, string> = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      NATS_URL: DEFAULT_NATS_URL,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      SNS_CONFIRM_ENABLED: 'false',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      API_KEYS: ADMIN_KEY,
      API_OPERATOR_KEYS: OPERATOR_KEY,
      API_READ_KEYS: READ_KEY,
      AUTOMATION_POLL_MS: '500',
      AUTOMATION_MAX_DAILY_BUDGET_INCREASE: '1000000',
      ...connectorEnvFor(emu),
    };
    // the apps start while the simulator sends (SQS holds the messages; its --verify retries until the api answers)
    const apiPort = await freePort();
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const simulating = runSimulator(
      [
        ...['--seed', String(SIM.seed), '--advertisers', String(SIM.advertisers), '--campaigns', String(SIM.campaigns)],
        ...['--hours', String(SIM.hours), '--end', new Date(endMs).toISOString(), '--anomaly', 'out-of-budget'],
        ...['--out', join(dir, 'truth.json'), '--verify', '--verify-timeout', '80'],
      ],
      { SQS_QUEUE_URLS: queueUrl, SQS_ENDPOINT: sqs.endpoint, API_URL: apiUrl, API_KEY: ADMIN_KEY },
    );
    const started = await Promise.all(APPS.map((name) => startApp(name, env, name === 'api' ? { port: apiPort } : {})));
    apps.push(...started);
    await Promise.all(apps.map((a) => a.waitReady(60_000)));
    mark('apps');
    const api = apps[APPS.indexOf('api')];
    const call = async <T>(path: string, key = ADMIN_KEY, init: RequestInit = {}): Promise<T> => {
      const res = await fetch(`${api.baseUrl}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...init.headers },
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text) as T;
    };

    // AMS traffic: 12 hours of one advertiser's three campaigns, with restatements, duplicates and five bad messages;
    // --verify: until the api's totals equal the simulator's ground truth
    const sim = await simulating;
    if (sim.code !== 0) throw new Error(`simulator exited ${sim.code}:\n${sim.out.slice(-2000)}`);
    mark('simulator');

    // the connector knows the campaigns (a proposal needs the budget Amazon has)
    const pgc = pg;
    await waitFor(
      async () =>
        Number(
          (
            await pgc.query<{ n: string }>(
              `SELECT count(*) AS n FROM ads_entity WHERE entity_type = 'campaign' AND advertiser_id = $1`,
              [adv.advertiserId],
            )
          ).rows[0].n,
        ) >= adv.campaigns.length,
      { timeoutMs: 30_000, intervalMs: 200, description: "the connector's sync of the campaigns" },
    );
    await call('/v1/action-rules', OPERATOR_KEY, {
      method: 'POST',
      body: JSON.stringify({
        name: 'raise capped budgets by 10 %',
        advertiserId: adv.advertiserId,
        entityLevel: 'campaign',
        mode: 'approval',
        trigger: { type: 'budget', beforeLocalHour: 24 },
        action: { type: 'change_budget_pct', percent: '10' },
        guards: { maxActionsPerDay: 1, cooldownMinutes: 0 },
      }),
    });
    const capped = adv.campaigns[0];
    await sqs.send(
      queueUrl,
      budgetUsageBody({
        advertiserId: adv.advertiserId,
        marketplaceId: adv.market.marketplaceId,
        campaignId: capped.campaignId,
        budget: capped.budgetMinor / 10 ** adv.market.minorDigits,
        percentage: 100,
      }),
    );
    await waitFor(
      async () =>
        (await call<{ data: unknown[] }>(`/v1/actions?state=pending_approval&advertiserId=${adv.advertiserId}`)).data
          .length > 0 &&
        (await call<{ data: unknown[] }>(`/v1/alerts?state=firing&advertiserId=${adv.advertiserId}`)).data.length > 0 &&
        (await call<{ data: unknown[] }>(`/v1/quarantine`)).data.length > 0,
      { timeoutMs: 30_000, intervalMs: 250, description: 'a proposal, a firing alert and a quarantined message' },
    );
    mark('ready');

    return {
      baseUrl: api.baseUrl,
      advertiserId: adv.advertiserId,
      timeZone: adv.market.timeZone,
      campaigns: adv.campaigns.map((c) => ({
        campaignId: c.campaignId,
        name: c.name,
        budget: c.budgetMinor / 10 ** adv.market.minorDigits,
      })),
      pg,
      api: call,
      send: async (body) => {
        await sqsEndpoint.send(queueUrl, body);
      },
      timings,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}
