/**
 * A/B of the processor's batch write with and without its `dataset_freshness` upsert, in one run on one database:
 * the same repository and SQL as the processor (`BatchWriterRepository`), records validated beforehand, PROCESSOR_CONCURRENCY
 * (2) writers in flight, batches of PROCESSOR_BATCH_SIZE (1000). Every record is one advertiser's sp-traffic, so both
 * writers upsert the same freshness row: the worst case for its row lock. Rounds alternate A and B so the growing tables
 * weigh on both alike.
 *
 * `npx ts-node --transpile-only -P tools/tsconfig.json -r ./tools/register-paths.js tools/bench/freshness.bench.ts
 *  [--records 50000] [--rounds 3] [--batch 1000] [--writers 2]`
 */
import { DataSource } from 'typeorm';
import { validateRecord, type PerformanceRecord } from '@ams/ams';
import { dataSourceOptions } from '@ams/db';
import { createTestDatabase, loadFixture } from '@ams/testing';
import { BatchWriterRepository } from '../../apps/processor/src/ingest/batch-writer.repository';
import { benchArgs } from './cli-args';

const args = benchArgs();
const num = (k: string, d: number) => Number(args.get(k) ?? d);
const RECORDS = num('records', 50_000);
const ROUNDS = num('rounds', 3);
const BATCH = num('batch', 1000);
const WRITERS = num('writers', 2);

const template = loadFixture('02');
function record(i: number, tag: string): PerformanceRecord {
  const v = validateRecord({
    ...template,
    idempotency_id: `${tag}-${i}`,
    campaign_id: String(100000000000000 + (i % 200)),
    ad_group_id: String(200000000000000 + (i % 5)),
    ad_id: String(300000000000000 + (i % 7)),
    keyword_id: String(400000000000000 + (i % 10)),
    placement: ['Top of Search on-Amazon', 'Detail Page on-Amazon', 'Other on-Amazon'][i % 3],
    time_window_start: `2025-06-03T${String(Math.floor(i / 200) % 24).padStart(2, '0')}:00:00-07:00`,
    clicks: (i % 9) - 1,
    impressions: 100 + (i % 50),
    cost: ((i % 300) - 20) / 100,
  });
  if (!v.ok || v.record.kind !== 'performance') throw new Error('fixture invalid');
  return v.record;
}

async function round(repo: BatchWriterRepository, tag: string, withFreshness: boolean): Promise<number> {
  const batches: PerformanceRecord[][] = [];
  for (let i = 0; i < RECORDS; i += BATCH) {
    batches.push(Array.from({ length: Math.min(BATCH, RECORDS - i) }, (_, k) => record(i + k, tag)));
  }
  const receivedAt = new Date().toISOString();
  let next = 0;
  const t = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      while (next < batches.length) {
        const performance = batches[next++];
        await repo.write({
          performance,
          budgets: [],
          entities: [],
          quarantine: [],
          // the processor passes one row per message; the writer merges them to one per (advertiser, dataset)
          freshness: withFreshness
            ? performance.map((r) => ({
                advertiserId: r.advertiserId,
                datasetId: r.datasetId,
                receivedAt,
                latestHourStart: r.hourStartUtc,
              }))
            : [],
        });
      }
    }),
  );
  return RECORDS / ((performance.now() - t) / 1000);
}

async function main(): Promise<void> {
  const db = await createTestDatabase();
  const ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: WRITERS, applicationName: 'bench-freshness' }));
  await ds.initialize();
  try {
    const repo = new BatchWriterRepository(ds);
    await round(repo, 'warm', true);
    const a: number[] = [];
    const b: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      a.push(await round(repo, `a${r}`, false));
      b.push(await round(repo, `b${r}`, true));
    }
    // the median of the rounds: a shared machine's stalls hit single rounds, which skew a mean
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
    console.log(`| batch write, ${WRITERS} writers × ${BATCH} records | records/s (rounds) | median |`);
    console.log('|---|---|---|');
    console.log(`| without dataset_freshness | ${a.map(fmt).join(', ')} | ${fmt(median(a))} |`);
    console.log(`| with dataset_freshness | ${b.map(fmt).join(', ')} | ${fmt(median(b))} |`);
    console.log(`cost: ${(((median(a) - median(b)) / median(a)) * 100).toFixed(1)} % of the write rate (medians)`);
  } finally {
    await ds.destroy();
    await db.drop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
