import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DURABLES, EVENT_SUBJECTS, PerfHourlyUpdatedV1, STREAMS, validatePayload } from '@ams/contracts';
import { ConsumedMessage, ConsumerHandle, JetStreamService } from '@ams/platform';
import { AggregatorEnv } from '../config/aggregator.env';
import { rollupMetrics } from './rollup.metrics';
import { RecomputeSummary, RollupService } from './rollup.service';

/**
 * The durable consumer of perf.hourly.updated.v1: each micro-batch of events is validated, its touched
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
    this.handle = await this.messaging.consumeBatches(
      {
        stream: STREAMS.events.name,
        durable: DURABLES.aggregatorPerf,
        filterSubject: EVENT_SUBJECTS.perfHourlyUpdated,
        maxBatch: this.env.AGGREGATOR_BATCH_SIZE,
        maxWaitMs: this.env.AGGREGATOR_BATCH_WAIT_MS,
        ackWaitMs: this.env.AGGREGATOR_ACK_WAIT_MS,
        concurrency: this.env.AGGREGATOR_CONCURRENCY,
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

  private async onBatch(batch: ConsumedMessage[]): Promise<void> {
    const events: PerfHourlyUpdatedV1[] = [];
    for (const msg of batch) {
      const parsed = parse(msg);
      const result = parsed.ok ? validatePayload(PerfHourlyUpdatedV1, parsed.value) : parsed;
      if (!result.ok) {
        // it can never become valid: drop it (acked with the batch); the sweeps recompute its window anyway
        rollupMetrics.events.inc({ outcome: 'invalid' });
        this.logger.warn(`dropping invalid ${EVENT_SUBJECTS.perfHourlyUpdated} (stream seq ${msg.streamSequence}): ${result.reason}`);
        continue;
      }
      events.push(result.value);
    }
    if (!events.length) return;
    const summary = await this.process(events);
    this.logger.debug({ events: events.length, ...summary }, 'rollups recomputed');
  }
}

function parse(msg: ConsumedMessage): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(msg.string()) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
