/**
 * `npm run simulate` as a real process against a real SQS endpoint (fauxqs): every message comes back,
 * all valid except the deliberate malformed ones, and the ground truth recomputed here from the
 * received bodies alone (through the AMS validators, deduplicated by idempotency id, summed exactly)
 * equals the file the simulator wrote.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addDecimal, classifySqsBody, defaultAttributionWindow, type PerformanceRecord } from '@ams/ams';
import { runSimulator, startSqsEndpoint, type SqsEndpoint } from '@ams/testing';
import type { GroundTruth } from './ground-truth';

/** money as the api prints it: at least two decimals */
const money = (d: string) => {
  const [i, f = ''] = d.split('.');
  return `${i}.${f.replace(/0+$/, '').padEnd(2, '0')}`;
};
const offset = (min: number) =>
  `${min < 0 ? '-' : '+'}${String(Math.floor(Math.abs(min) / 60)).padStart(2, '0')}:${String(Math.abs(min) % 60).padStart(2, '0')}`;

describe('simulator process', () => {
  let sqs: SqsEndpoint;
  let dir: string;
  beforeAll(async () => {
    sqs = await startSqsEndpoint();
    dir = mkdtempSync(join(tmpdir(), 'simulator-test-'));
  });
  afterAll(async () => {
    await sqs?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('sends every message to SQS, and the received messages add up to its ground truth', async () => {
    const queueUrl = await sqs.createQueue('ams-stream-sim');
    const out = join(dir, 'truth.json');
    const run = await runSimulator(
      [
        '--hours',
        '26',
        '--advertisers',
        '3',
        '--campaigns',
        '2',
        '--seed',
        '11',
        '--end',
        '2025-03-10T12:00:00Z',
        '--out',
        out,
        '--anomaly',
        'ctr-collapse',
      ],
      {
        SQS_QUEUE_URLS: queueUrl,
        SQS_ENDPOINT: sqs.endpoint,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        LAUNCHER_DATA_DIR: dir,
      },
    );
    expect(run.out).toMatch(/sent [\d,]+ messages in/);
    expect(run.code).toBe(0);
    const truth = JSON.parse(readFileSync(out, 'utf8')) as GroundTruth;

    const bodies = await sqs.receiveAll(queueUrl);
    expect(bodies).toHaveLength(truth.messages.total);

    // ---- independent recompute from what arrived
    type Sums = { impressions: string; clicks: string; cost: string; orders: string; sales: string; units: string };
    const zero = (): Sums => ({ impressions: '0', clicks: '0', cost: '0', orders: '0', sales: '0', units: '0' });
    const days = new Map<string, Sums>();
    const hours = new Map<string, Sums>();
    const seen = new Set<string>();
    let duplicates = 0;
    const rejected: string[] = [];
    let confirmations = 0;
    for (const body of bodies) {
      const c = classifySqsBody(body);
      if (c.kind === 'subscription-confirmation') {
        confirmations++;
        expect(c.publisher).not.toBeNull();
        continue;
      }
      if (c.kind === 'rejected' || c.items.some((i) => !i.ok)) {
        rejected.push(body);
        continue;
      }
      for (const item of c.items) {
        if (!item.ok || item.record.kind !== 'performance') continue;
        const r: PerformanceRecord = item.record;
        const key = `${r.advertiserId}|${r.idempotencyId}`;
        if (seen.has(key)) {
          duplicates++;
          continue;
        }
        seen.add(key);
        const w = defaultAttributionWindow(r.adProduct);
        const add = (s: Sums) => {
          s.impressions = addDecimal(s.impressions, r.metrics.impressions);
          s.clicks = addDecimal(s.clicks, r.metrics.clicks);
          s.cost = addDecimal(s.cost, r.metrics.cost);
          s.orders = addDecimal(s.orders, r.metrics[`orders_${w}`]);
          s.sales = addDecimal(s.sales, r.metrics[`sales_${w}`]);
          s.units = addDecimal(s.units, r.metrics[`units_${w}`]);
        };
        const dayKey = `${r.advertiserId}|${r.campaignId}|${r.localDate}`;
        if (!days.has(dayKey)) days.set(dayKey, zero());
        add(days.get(dayKey) as Sums);
        const local = new Date(Date.parse(r.hourStartUtc) + r.utcOffsetMinutes * 60_000).toISOString().slice(0, 19);
        const hourKey = `${r.advertiserId}|${r.campaignId}|${local}${offset(r.utcOffsetMinutes)}`;
        if (!hours.has(hourKey)) hours.set(hourKey, zero());
        add(hours.get(hourKey) as Sums);
      }
    }
    const api = (s: Sums) => ({
      impressions: Number(s.impressions),
      clicks: Number(s.clicks),
      cost: money(s.cost),
      orders: Number(s.orders),
      sales: money(s.sales),
      units: Number(s.units),
    });

    expect(confirmations).toBe(1);
    expect(rejected.sort()).toEqual(truth.malformed.map((m) => m.body).sort());
    expect(duplicates).toBeGreaterThan(0);
    expect(seen.size).toBe(truth.messages.distinctPerformanceRecords);

    const expectedDays = new Map<string, unknown>();
    const expectedHours = new Map<string, unknown>();
    for (const a of truth.advertisers) {
      for (const c of a.campaigns) {
        for (const { hours: hs, date, ...d } of c.days) {
          expectedDays.set(`${a.advertiserId}|${c.campaignId}|${date}`, d);
          for (const { period, ...h } of hs) expectedHours.set(`${a.advertiserId}|${c.campaignId}|${period}`, h);
        }
      }
    }
    expect(new Map([...days].map(([k, s]) => [k, api(s)]))).toEqual(expectedDays);
    expect(new Map([...hours].map(([k, s]) => [k, api(s)]))).toEqual(expectedHours);
    // the US advertiser's 2025-03-09 (spring forward) has 23 hours
    const us = truth.advertisers.find((a) => a.country === 'US');
    expect(us?.campaigns[0].days.find((d) => d.date === '2025-03-09')?.hours).toHaveLength(23);
  }, 60_000);
});
