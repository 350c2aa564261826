import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { PERF_HOURLY_UPDATED, type PerfHourlyUpdatedV1 } from '@ams/contracts';
import { type BroadcastEvent, type BroadcastHandle, counter, gauge, JetStreamService } from '@ams/platform';
import { parseLsn } from '../replica/read-db.service';
import { PerformanceCache } from './performance.cache';

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
  private readonly live = gauge(
    'ams_api_performance_cache_live',
    '1 while the cache hears every update event and may store.',
  );
  private handle?: BroadcastHandle;

  constructor(
    private readonly messaging: JetStreamService,
    private readonly cache: PerformanceCache,
  ) {}

  onModuleInit(): void {
    if (!this.cache.enabled) return;
    this.handle = this.messaging.subscribeAll(PERF_HOURLY_UPDATED, (m) => this.onEvent(m), {
      onInvalid: (reason) => this.onInvalid(reason),
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

  private onEvent(m: BroadcastEvent<PerfHourlyUpdatedV1>): void {
    // the WAL position after the commit (newer processors): answers read from a replica are cached once it has it
    this.cache.invalidate(m.payload.touched, m.payload.walLsn === undefined ? undefined : parseLsn(m.payload.walLsn));
    this.events.inc({ result: 'applied' });
  }

  /** An event that does not match its contract: what it touched is unknown, so forget everything rather than risk a stale answer. */
  private onInvalid(reason: string): void {
    this.cache.clear();
    this.events.inc({ result: 'invalid' });
    this.logger.warn(`invalid ${PERF_HOURLY_UPDATED.subject} emptied the performance cache: ${reason}`);
  }
}
