import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DURABLES, PERF_HOURLY_UPDATED, PerfHourlyUpdatedV1 } from '@ams/contracts';
import { ConsumedEvent, ConsumerHandle, JetStreamService } from '@ams/platform';
import { AggregatorEnv } from '../config/aggregator.env';
import { rollupMetrics } from './rollup.metrics';
import { RecomputeSummary, RollupService } from './rollup.service';

/**
 * The durable consumer of PERF_HOURLY_UPDATED: each micro-batch of events (validated by the messaging module), its touched
 * keys merged, the affected rollups recomputed from hourly_fact, and only then acknowledged. A failure
 * naks the batch for redelivery; replays are harmless because every write is a recompute.
 */
@Injectable()
export class PerfEventsConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PerfEventsConsumerService.name);
  private handle?: ConsumerHandle;

  constructor(
    private readonly env: AggregatorEnv,
    private readonly messaging: JetStreamService,
    private readonly rollups: RollupService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handle = await this.messaging.consume(
      PERF_HOURLY_UPDATED,
      {
        durable: DURABLES.aggregatorPerf,
        maxBatch: this.env.AGGREGATOR_BATCH_SIZE,
        maxWaitMs: this.env.AGGREGATOR_BATCH_WAIT_MS,
        ackWaitMs: this.env.AGGREGATOR_ACK_WAIT_MS,
        concurrency: this.env.AGGREGATOR_CONCURRENCY,
        // it can never become valid: dropped (acked with the batch); the sweeps recompute its window anyway
        onInvalid: () => rollupMetrics.events.inc({ outcome: 'invalid' }),
      },
      (batch) => this.onBatch(batch),
    );
    this.logger.log('consuming perf.hourly.updated.v1');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
    this.logger.log('event consumer drained');
  }

  /** Recomputes what a batch of events touched. Exposed for tests that feed events directly. */
  async process(events: PerfHourlyUpdatedV1[]): Promise<RecomputeSummary> {
    const summary = await this.rollups.applyTouched(events.flatMap((e) => e.touched));
    const now = Date.now();
    for (const e of events) {
      const emitted = Date.parse(e.emittedAt);
      if (Number.isFinite(emitted)) rollupMetrics.eventToRollup.observe(Math.max(0, (now - emitted) / 1000));
    }
    rollupMetrics.events.inc({ outcome: 'applied' }, events.length);
    return summary;
  }

  private async onBatch(batch: ConsumedEvent<PerfHourlyUpdatedV1>[]): Promise<void> {
    const events = batch.map((m) => m.payload);
    const summary = await this.process(events);
    this.logger.debug({ events: events.length, ...summary }, 'rollups recomputed');
  }
}
