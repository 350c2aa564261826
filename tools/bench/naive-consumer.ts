/**
 * The "simple consumer" the benchmark compares against: one record per message, one ORM save and
 * one commit per record, the hourly row read and written back through the ORM, as a straightforward
 * consumer is usually written. It deduplicates, but adds money as JS numbers like such consumers
 * do; only its speed is compared here.
 */
import { DataSource } from 'typeorm';
import { validateRecord, type PerformanceRecord } from '@ams/ams';
import { dataSourceOptions, HourlyFactEntity, PerformanceDeltaEntity } from '@ams/db';
import { ConsumerHandle, JetStreamService } from '@ams/platform';

const METRICS = {
  impressions: 'impressions',
  clicks: 'clicks',
  cost: 'cost',
  viewable_impressions: 'viewableImpressions',
  orders_1d: 'orders1d',
  orders_7d: 'orders7d',
  orders_14d: 'orders14d',
  orders_30d: 'orders30d',
  sales_1d: 'sales1d',
  sales_7d: 'sales7d',
  sales_14d: 'sales14d',
  sales_30d: 'sales30d',
  units_1d: 'units1d',
  units_7d: 'units7d',
  units_14d: 'units14d',
  units_30d: 'units30d',
} as const;

export async function startNaiveConsumer(
  databaseUrl: string,
  js: JetStreamService,
): Promise<{ stop(): Promise<void> }> {
  const ds = new DataSource(dataSourceOptions({ url: databaseUrl, poolSize: 4 }));
  await ds.initialize();
  const handle: ConsumerHandle = await js.consumeBatches(
    { stream: 'AMS', durable: 'naive', filterSubject: 'ams.>', maxBatch: 1, maxWaitMs: 1, ackWaitMs: 30_000 },
    async ([msg]) => {
      const v = validateRecord(msg.json());
      if (!v.ok || v.record.kind !== 'performance') return;
      const r: PerformanceRecord = v.record;
      await ds.transaction(async (em) => {
        const exists = await em.findOneBy(PerformanceDeltaEntity, {
          advertiserId: r.advertiserId,
          idempotencyId: r.idempotencyId,
        });
        if (exists) return;
        const delta = em.create(PerformanceDeltaEntity, {
          advertiserId: r.advertiserId,
          idempotencyId: r.idempotencyId,
          datasetId: r.datasetId,
          adProduct: r.adProduct,
          marketplaceId: r.marketplaceId,
          currency: r.currency,
          campaignId: r.campaignId,
          adGroupId: r.adGroupId,
          adId: r.adId,
          keywordId: r.keywordId,
          placement: r.placement,
          keywordText: r.keywordText,
          matchType: r.matchType,
          hourStart: new Date(r.hourStartUtc),
          utcOffsetMinutes: r.utcOffsetMinutes,
          extra: r.extra,
          receivedAt: new Date(),
        });
        for (const [col, prop] of Object.entries(METRICS))
          (delta as unknown as Record<string, string>)[prop] = r.metrics[col as keyof typeof METRICS];
        await em.save(delta);
        const key = {
          advertiserId: r.advertiserId,
          marketplaceId: r.marketplaceId,
          campaignId: r.campaignId,
          adGroupId: r.adGroupId,
          adId: r.adId,
          keywordId: r.keywordId,
          placement: r.placement,
          hourStart: new Date(r.hourStartUtc),
        };
        const fact =
          (await em.findOneBy(HourlyFactEntity, key)) ??
          em.create(HourlyFactEntity, {
            ...key,
            utcOffsetMinutes: r.utcOffsetMinutes,
            adProduct: r.adProduct,
            currency: r.currency,
            keywordText: r.keywordText,
            matchType: r.matchType,
            updatedAt: new Date(),
            ...Object.fromEntries(Object.values(METRICS).map((p) => [p, '0'])),
          });
        for (const [col, prop] of Object.entries(METRICS)) {
          const f = fact as unknown as Record<string, string>;
          f[prop] = (Number(f[prop]) + Number(r.metrics[col as keyof typeof METRICS])).toString();
        }
        await em.save(fact);
      });
    },
  );
  return {
    async stop() {
      await handle.stop();
      await ds.destroy();
    },
  };
}
