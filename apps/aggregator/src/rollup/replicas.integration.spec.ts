import { Client } from 'pg';
import { PERF_HOURLY_UPDATED, PerfHourlyUpdatedV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { AggregatorEnv } from '../config/aggregator.env';
import {
  diffRollups,
  FactDelta,
  FactModel,
  readRollups,
  touchedOf,
  writeFacts,
  zoned,
} from '../testing/hourly-facts.fixture';
import { PerfEventsConsumerService } from './perf-events-consumer.service';
import { SweepService } from './sweep.service';

const HOUR = 3_600_000;
const START = Date.parse('2025-03-08T00:00:00Z');
const HOURS = 60;
const NOW = new Date(START + HOURS * HOUR);
const ADVERTISERS = [
  ['R-US', 'America/Los_Angeles'],
  ['R-JP', 'Asia/Tokyo'],
  ['R-UK', 'Europe/London'],
] as const;

/** One round of deltas: every campaign × hour × keyword of the window gets a (pseudo-random) delta. */
function round(seed: number): FactDelta[] {
  const out: FactDelta[] = [];
  let x = seed;
  const next = () => (x = (x * 1_103_515_245 + 12_345) % 2 ** 31);
  for (const [advertiserId, zone] of ADVERTISERS) {
    for (let c = 0; c < 4; c++) {
      for (let h = 0; h < HOURS; h++) {
        const hourStart = new Date(START + h * HOUR);
        const { utcOffsetMinutes, localDate } = zoned(hourStart, zone);
        for (const keywordId of ['k1', 'k2']) {
          out.push({
            advertiserId,
            campaignId: `${advertiserId}-c${c}`,
            adGroupId: `ag${c % 2}`,
            keywordId,
            hourStart: hourStart.toISOString(),
            utcOffsetMinutes,
            localDate,
            metrics: {
              impressions: next() % 500,
              clicks: (next() % 12) - 2,
              cost: next() % 3000,
              orders_14d: next() % 3,
              sales_14d: next() % 9000,
            },
          });
        }
      }
    }
  }
  return out;
}

function shuffled<T>(xs: T[], seed: number): T[] {
  const a = [...xs];
  let x = seed;
  for (let i = a.length - 1; i > 0; i--) {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = x % (i + 1);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}

describe('aggregator: two replicas at once produce the rollups one would', () => {
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  const apps: Array<RunningTestApp<AggregatorEnv>> = [];
  const model = new FactModel();

  async function publishEvents(deltas: FactDelta[], seed: number): Promise<void> {
    // small events in shuffled order, some twice: the replicas get interleaved, overlapping batches
    const touched = shuffled(touchedOf(deltas), seed);
    const events: PerfHourlyUpdatedV1[] = [];
    for (let i = 0; i < touched.length; i += 9) {
      events.push({ version: 1, touched: touched.slice(i, i + 9), emittedAt: new Date().toISOString() });
    }
    const items = [...events, ...events.filter((_, i) => i % 4 === 0)].map((data) => ({
      to: PERF_HOURLY_UPDATED,
      data,
    }));
    await js.publishMany(items);
  }

  async function converged(description: string): Promise<void> {
    const expected = model.rollups();
    await waitFor(async () => diffRollups(await readRollups(pg), expected).length === 0, {
      timeoutMs: 30_000,
      description,
    }).catch(async (err: unknown) => {
      const diffs = diffRollups(await readRollups(pg), expected);
      throw new Error(`${err instanceof Error ? err.message : String(err)}\n${diffs.slice(0, 10).join('\n')}`);
    });
  }

  async function handlerFailures(): Promise<number> {
    const text = await (await fetch(`${apps[0].baseUrl}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith('ams_messaging_handler_failures_total{') && l.includes('durable="aggregator-perf"'));
    return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : 0;
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = uniquePrefix('aggrep');
    const env = {
      ...baseTestEnv(db, prefix),
      AGGREGATOR_SWEEPS_ENABLED: 'false',
      AGGREGATOR_BATCH_SIZE: '4',
      AGGREGATOR_BATCH_WAIT_MS: '5',
      AGGREGATOR_CAMPAIGNS_PER_TRANSACTION: '3',
      AGGREGATOR_ACK_WAIT_MS: '10000',
    };
    apps.push(await startNestApp(appDefinition, env), await startNestApp(appDefinition, env));
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'aggregator-replicas-spec' });
    await js.connect();
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await js?.close();
    await pg?.end();
    await db?.drop();
  });

  it('shares the event stream between two replicas without deadlocks or double counting', async () => {
    const calls = apps.map((x) => jest.spyOn(x.app.get(PerfEventsConsumerService), 'process'));
    const deltas = round(1);
    await writeFacts(pg, deltas);
    deltas.forEach((d) => model.apply(d));
    await publishEvents(deltas, 7);
    await converged('both replicas drained the events');
    expect(await handlerFailures()).toBe(0);
    // the durable consumer is shared: each replica recomputed part of the batches
    expect(calls.map((c) => c.mock.calls.length > 0)).toEqual([true, true]);
  });

  it('overlapping sweeps on both replicas and events in flight still converge to the facts', async () => {
    const deltas = round(2);
    const [a, b] = apps.map((x) => x.app.get(SweepService));
    // facts change while events flow and both replicas sweep the same window
    const writing = (async () => {
      for (let i = 0; i < deltas.length; i += 200) {
        const part = deltas.slice(i, i + 200);
        await writeFacts(pg, part);
        part.forEach((d) => model.apply(d));
        await publishEvents(part, i);
      }
    })();
    const sweeps = await Promise.all([
      a.run('traffic', NOW),
      b.run('traffic', NOW),
      writing.then(() => b.run('conversion', NOW)),
    ]);
    await writing;
    // a sweep lock is held by one replica at a time: overlapping ones were skipped, never run twice at once
    expect(sweeps.every((s) => s.status === 'completed' || s.status === 'skipped')).toBe(true);
    expect(sweeps.slice(0, 2).some((s) => s.status === 'completed')).toBe(true);
    await converged('rollups equal the facts after sweeps and events overlapped');
    expect(await handlerFailures()).toBe(0);
  });
});
