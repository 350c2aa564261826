/**
 * `npm run bench:automation` — guarded automation, trigger → action executed at Amazon, under ingest load.
 *
 * The built ingestor, processor, aggregator, alerter and connector as processes on the machine's PostgreSQL and NATS,
 * fauxqs, a Slack catcher and the Ads API emulator (in this process; one US profile of BENCH_ACTIONS SP campaigns).
 * One auto rule: out of budget before 24:00 local → +10 % (maxActionsPerDay 1, cooldown 0, a daily cap out of the
 * way), production defaults otherwise. Each sample is one campaign's budget-usage record at 100 % sent to SQS; its
 * latency runs from just before that send to the emulator applying the PUT that raised the campaign's budget
 * (`control.changes()[].at`, the same clock), split at the proposal's commit (`automation_action.created_at`, the
 * database clock of this machine):
 *
 *   SQS send ─▶ ingestor ─▶ processor ─▶ budget.usage.updated ─▶ alerter (proposal) ─▶ connector ─▶ PUT at Amazon
 *
 *   1. under load: BENCH_ACTIONS triggers at BENCH_TRIGGER_RATE/s while synthetic sp-traffic records (current hour, 200
 *      campaigns of another advertiser) arrive at BENCH_RATE/s
 *   2. idle: BENCH_IDLE triggers 1 s apart, nothing else arriving
 *
 * Env: BENCH_ACTIONS (120), BENCH_TRIGGER_RATE (3), BENCH_RATE (200), BENCH_IDLE (15); TEST_DATABASE_ADMIN_URL and
 * TEST_NATS_URL as for the tests. The default run takes about 1.5 minutes.
 */
import { cpus, loadavg } from 'node:os';
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { Logger } from '@nestjs/common';
import { type AdsEmulator, connectorEnvFor, defaultSeed, startAdsEmulator } from '@ams/ads-api-emulator';
import { ACTION_RULE_CREATE } from '@ams/contracts';
import { PG_SESSION_OPTIONS } from '@ams/db';
import { JetStreamService } from '@ams/platform';
import {
  type AppProcess,
  budgetUsageBody,
  createTestDatabase,
  DEFAULT_NATS_URL,
  freePort,
  loadFixture,
  type SlackCatcher,
  type SqsEndpoint,
  startApp,
  startSlackCatcher,
  startSqsEndpoint,
  type TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';

const ACTIONS = Number(process.env['BENCH_ACTIONS'] ?? 120);
const TRIGGER_RATE = Number(process.env['BENCH_TRIGGER_RATE'] ?? 3);
const RATE = Number(process.env['BENCH_RATE'] ?? 200);
const IDLE = Number(process.env['BENCH_IDLE'] ?? 15);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Campaign = { campaignId: string; budget: number };

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

/** One US profile, `n` enabled SP campaigns without ad groups (the entity sync is not what is measured). */
function seed(n: number) {
  const s = defaultSeed({ campaigns: 1 });
  const us = s.profiles[0];
  us.timezone = noonZone();
  const base = BigInt(us.profileId) * 1000n;
  us.campaigns = Array.from({ length: n }, (_, i) => ({
    campaignId: String(base + 100n + BigInt(i)),
    adProduct: 'sp' as const,
    name: `SP - bench ${i}`,
    state: 'ENABLED' as const,
    budget: (2000 + 137 * i) / 100,
    startDate: '2026-01-01',
  }));
  us.adGroups = [];
  us.keywords = [];
  us.targets = [];
  return { ...s, profiles: [us] };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** user + system CPU of a process, in ms (clock ticks of 10 ms) */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const template = loadFixture('02');
function loadRecord(i: number): string {
  const hour = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString().replace('.000Z', 'Z');
  return JSON.stringify({
    ...template,
    idempotency_id: `bench-load-${i}`,
    campaign_id: String(100000000000000 + (i % 200)),
    keyword_id: String(400000000000000 + (i % 10)),
    time_window_start: hour,
    clicks: i % 9,
    impressions: 100 + (i % 50),
    cost: (i % 300) / 100,
  });
}

interface Phase {
  label: string;
  load: string;
  /** send → change at Amazon, send → stored (processor), stored → proposal committed, proposal → change (ms) */
  total: number[];
  toStored: number[];
  toProposal: number[];
  toAmazon: number[];
  seconds: number;
  connectorCpuMs: number;
  alerterCpuMs: number;
  loadSent: number;
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const apps: AppProcess[] = [];
  let db: TestDatabase | undefined;
  let sqs: SqsEndpoint | undefined;
  let slack: SlackCatcher | undefined;
  let emu: AdsEmulator | undefined;
  let pg: Client | undefined;
  let js: JetStreamService | undefined;
  const s = seed(ACTIONS + IDLE);
  const profile = s.profiles[0];
  try {
    [db, sqs, slack, emu] = await Promise.all([
      createTestDatabase(),
      startSqsEndpoint(),
      startSlackCatcher(),
      startAdsEmulator({ port: 0, seed: s }),
    ]);
    const client = new Client({ connectionString: db.url, options: PG_SESSION_OPTIONS });
    pg = client;
    await client.connect();
    const prefix = uniquePrefix('autobench');
    const queueUrl = await sqs.createQueue(`bench-${prefix}`);
    const env = {
      DATABASE_URL: db.url,
      NATS_URL: DEFAULT_NATS_URL,
      NATS_PREFIX: prefix,
      LOG_LEVEL: 'warn',
      SQS_QUEUE_URLS: queueUrl,
      SQS_ENDPOINT: sqs.endpoint,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_CONCURRENCY: '8',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      SLACK_WEBHOOK_URL: slack.urlFor('bench'),
      AUTOMATION_MAX_DAILY_BUDGET_INCREASE: '1000000',
      ...connectorEnvFor(emu),
    };
    // the processor first (it creates the streams), then the others side by side
    const processor = await startApp('processor', env, { port: await freePort() });
    apps.push(processor);
    await processor.waitReady(90_000);
    const others = await Promise.all(
      (['ingestor', 'aggregator', 'alerter', 'connector'] as const).map(async (name) =>
        startApp(name, env, { port: await freePort() }),
      ),
    );
    apps.push(...others);
    await Promise.all(others.map((a) => a.waitReady(90_000)));
    const [, , alerter, connector] = others;
    await waitFor(
      async () =>
        Number(
          (
            await client.query<{ n: string }>(
              `SELECT count(*) AS n FROM ads_entity e JOIN ads_connection c ON c.state = 'authorized'
                WHERE e.entity_type = 'campaign' AND e.advertiser_id = $1`,
              [profile.accountId],
            )
          ).rows[0].n,
        ) === profile.campaigns.length,
      { timeoutMs: 60_000, intervalMs: 200, description: "the connector's entity sync" },
    );
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'bench' });
    await js.connect();
    await js.request(
      ACTION_RULE_CREATE,
      {
        name: 'raise capped budgets by 10 %',
        advertiserId: profile.accountId,
        entityLevel: 'campaign',
        mode: 'auto',
        trigger: { type: 'budget', beforeLocalHour: 24 },
        action: { type: 'change_budget_pct', percent: '10' },
        guards: { maxActionsPerDay: 1, cooldownMinutes: 0 },
      },
      10_000,
    );

    const control = emu.control;
    const q = queueUrl;
    const sqsEndpoint = sqs;
    const runPhase = async (label: string, cs: Campaign[], gapMs: number, loadRate: number): Promise<Phase> => {
      const sentAt = new Map<string, number>();
      const cpu0 = { connector: cpuMs(connector.pid), alerter: cpuMs(alerter.pid) };
      const t0 = Date.now();
      let loadSent = 0;
      let triggers = 0;
      // one loop paces both: the triggers every gapMs, the load at loadRate per second (sent in small batches)
      while (triggers < cs.length) {
        const now = Date.now();
        if (now >= t0 + triggers * gapMs) {
          const c = cs[triggers++];
          const body = budgetUsageBody({
            advertiserId: profile.accountId,
            marketplaceId: profile.marketplaceStringId,
            campaignId: c.campaignId,
            budget: c.budget,
            percentage: 100,
          });
          sentAt.set(c.campaignId, Date.now());
          await sqsEndpoint.send(q, body);
          continue;
        }
        const due = Math.round(((now - t0) / 1000) * loadRate);
        if (due > loadSent) {
          const n = Math.min(due - loadSent, 50);
          await sqsEndpoint.sendMany(
            q,
            Array.from({ length: n }, (_, k) => loadRecord(loadSent + k)),
          );
          loadSent += n;
          continue;
        }
        await sleep(Math.max(1, Math.min(5, t0 + triggers * gapMs - now)));
      }
      const ids = new Set(cs.map((c) => c.campaignId));
      const applied = await waitFor(
        () => {
          const changes = control.changes().filter((x) => ids.has(x.entityId) && x.field === 'budget');
          return changes.length >= cs.length ? changes : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 50, description: `${cs.length} budget changes at the emulator` },
      );
      const seconds = (Date.now() - t0) / 1000;
      const cpu1 = { connector: cpuMs(connector.pid), alerter: cpuMs(alerter.pid) };
      const proposals = await client.query<{ entity_id: string; at: string; stored: string }>(
        `SELECT a.entity_id, (extract(epoch FROM a.created_at) * 1000)::float8 AS at,
                (SELECT extract(epoch FROM min(e.received_at)) * 1000 FROM budget_usage_event e
                  WHERE e.budget_scope_id = a.entity_id)::float8 AS stored
           FROM automation_action a WHERE a.entity_id = ANY($1)`,
        [[...ids]],
      );
      const proposedAt = new Map(proposals.rows.map((r) => [r.entity_id, Number(r.at)]));
      const storedAt = new Map(proposals.rows.map((r) => [r.entity_id, Number(r.stored)]));
      const sorted = (xs: number[]) => xs.sort((a, b) => a - b);
      const total: number[] = [];
      const toStored: number[] = [];
      const toProposal: number[] = [];
      const toAmazon: number[] = [];
      for (const ch of applied) {
        const t = sentAt.get(ch.entityId) as number;
        const st = storedAt.get(ch.entityId) as number;
        const p = proposedAt.get(ch.entityId) as number;
        total.push(ch.at - t);
        toStored.push(st - t);
        toProposal.push(p - st);
        toAmazon.push(ch.at - p);
      }
      return {
        label,
        load: loadRate ? `${loadRate} sp-traffic records/s` : 'none',
        total: sorted(total),
        toStored: sorted(toStored),
        toProposal: sorted(toProposal),
        toAmazon: sorted(toAmazon),
        seconds,
        connectorCpuMs: cpu1.connector - cpu0.connector,
        alerterCpuMs: cpu1.alerter - cpu0.alerter,
        loadSent,
      };
    };

    const cs = profile.campaigns.map((c) => ({ campaignId: c.campaignId, budget: c.budget }));
    const cpu = cpus();
    out(`automation latency: budget-usage record sent to SQS → the raised budget applied at the emulator`);
    out(`machine: ${cpu[0]?.model ?? 'unknown CPU'}, ${cpu.length} cores, load average ${loadavg()[0].toFixed(1)}`);
    const phases = [
      await runPhase('loaded', cs.slice(0, ACTIONS), 1000 / TRIGGER_RATE, RATE),
      await runPhase('idle', cs.slice(ACTIONS), 1000, 0),
    ];
    const effective = control.changes().filter((c) => c.source === 'api' && Number(c.from) !== Number(c.to));
    const ms = (xs: number[], p: number) => `${Math.round(percentile(xs, p))}`;
    out('');
    out(
      '| phase | load | actions | p50 ms | p99 ms | max ms | send → stored p50 / p99 ms | stored → proposal p50 / p99 ms | proposal → Amazon p50 / p99 ms | connector CPU per action | alerter CPU per action |',
    );
    out('|---|---|---:|---:|---:|---:|---|---|---|---:|---:|');
    for (const p of phases) {
      out(
        `| ${p.label} | ${p.load} (${p.loadSent.toLocaleString('en-US')} in ${p.seconds.toFixed(0)} s) | ${p.total.length} | ${ms(p.total, 50)} | ${ms(p.total, 99)} | ${ms(p.total, 100)} | ${ms(p.toStored, 50)} / ${ms(p.toStored, 99)} | ${ms(p.toProposal, 50)} / ${ms(p.toProposal, 99)} | ${ms(p.toAmazon, 50)} / ${ms(p.toAmazon, 99)} | ${(p.connectorCpuMs / p.total.length).toFixed(1)} ms | ${(p.alerterCpuMs / p.total.length).toFixed(1)} ms |`,
      );
    }
    out('');
    out(
      `effective changes at the emulator: ${effective.length} for ${profile.campaigns.length} campaigns; PUTs ${control.requestsTo('sp', 'PUT').length}; ` +
        `load average at the end ${loadavg()[0].toFixed(1)}`,
    );
  } finally {
    for (const a of apps) await a.stop().catch(() => undefined);
    await js?.close().catch(() => undefined);
    await pg?.end().catch(() => undefined);
    await db?.drop().catch(() => undefined);
    await sqs?.stop();
    await slack?.close();
    await emu?.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
