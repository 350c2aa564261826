import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EVENT_SUBJECTS, PerfHourlyUpdatedV1, validatePayload } from '@ams/contracts';
import { type BroadcastHandle, type BroadcastMessage, counter, gauge, JetStreamService } from '@ams/platform';
import { PerformanceCache } from './performance.cache';

const decoder = new TextDecoder();

/**
 * Keeps this replica's PerformanceCache exact: every `perf.hourly.updated.v1` the processor publishes reaches every api
 * replica (a plain subscription, not a consumer: it takes nothing from the aggregator or alerter and acks nothing) and
 * drops the touched campaigns and advertisers. While the subscription is not live the cache is empty and off.
 */
@Injectable()
export class PerformanceEventsController implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(PerformanceEventsController.name);
  private readonly events = counter(
    'ams_api_performance_cache_events_total',
    'perf.hourly.updated.v1 events applied to the cache (invalid ones empty it).',
    ['result'],
  );
  private readonly live = gauge('ams_api_performance_cache_live', '1 while the cache hears every update event and may store.');
  private handle?: BroadcastHandle;

  constructor(
    private readonly messaging: JetStreamService,
    private readonly cache: PerformanceCache,
  ) {}

  onModuleInit(): void {
    if (!this.cache.enabled) return;
    this.handle = this.messaging.subscribeAll(EVENT_SUBJECTS.perfHourlyUpdated, (m) => this.onEvent(m), {
      onLive: (live) => {
        this.cache.setLive(live);
        this.live.set(live ? 1 : 0);
        if (live) this.logger.log('performance cache on: hearing perf.hourly.updated.v1');
        else this.logger.warn('performance cache emptied and off until NATS is back (update events could be missed)');
      },
    });
  }

  onModuleDestroy(): void {
    this.handle?.unsubscribe();
  }

  private onEvent(m: BroadcastMessage): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(decoder.decode(m.data));
    } catch {
      parsed = undefined;
    }
    const result = validatePayload(PerfHourlyUpdatedV1, parsed);
    if (!result.ok) {
      // what it touched is unknown: forget everything rather than risk a stale answer
      this.cache.clear();
      this.events.inc({ result: 'invalid' });
      this.logger.warn(`invalid ${EVENT_SUBJECTS.perfHourlyUpdated} emptied the performance cache: ${result.reason}`);
      return;
    }
    this.cache.invalidate(result.value.touched);
    this.events.inc({ result: 'applied' });
  }
}
