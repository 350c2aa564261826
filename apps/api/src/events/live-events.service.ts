import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { ACTIONS_QUEUED, ACTIONS_SETTLED, BUDGET_USAGE_UPDATED, PERF_HOURLY_UPDATED } from '@ams/contracts';
import { type BroadcastHandle, counter, gauge, JetStreamService } from '@ams/platform';
import { ApiEnv } from '../config/api.env';
import { type Change, Coalescer, formatSse, type LiveEvent } from './live-events.coalescer';
import { LiveEventsRepository } from './live-events.repository';

/** Where one browser's events go (an open `text/event-stream` response). */
export interface LiveSink {
  advertiserId: string;
  write(chunk: string): void;
  end(): void;
}

const COALESCE_MS = 1000;
const POLL_MS = 1000;
const POLL_LIMIT = 5000;
/** alert_event ids are re-read this far below the highest seen: a transaction that took a lower id may commit later. */
const ALERT_ID_LOOKBACK = 200n;
/** automation_action changes are re-read this far back for the same reason (updated_at is the transaction's now()). */
const ACTION_LOOKBACK_MS = 5000;

/**
 * The hub behind `GET /v1/events`: hears the pipeline's update events (plain subscriptions, every replica, nothing
 * acked) and polls the alerter's and connector's rows that no event announces, turns them into per-advertiser changes,
 * coalesces them (one event per kind, advertiser and second) and writes them to the streams of that advertiser. Sources
 * run only while a stream is open. Streams are capped (API_SSE_MAX_CONNECTIONS) and ended on shutdown.
 */
@Injectable()
export class LiveEventsService implements OnModuleDestroy {
  private readonly logger = new Logger(LiveEventsService.name);
  private readonly connections = gauge('ams_api_sse_connections', 'Open GET /v1/events streams on this replica.');
  private readonly refused = counter(
    'ams_api_sse_refused_total',
    'GET /v1/events streams refused because API_SSE_MAX_CONNECTIONS were open.',
  );
  private readonly sent = counter('ams_api_sse_events_total', 'Events written to streams (one per stream).', ['kind']);
  private readonly sinks = new Map<string, Set<LiveSink>>();
  private readonly coalescer = new Coalescer(COALESCE_MS, (e) => this.deliver(e));
  private count = 0;
  private closing = false;
  private handles: BroadcastHandle[] = [];
  private pingTimer?: ReturnType<typeof setInterval>;
  private pollTimer?: ReturnType<typeof setInterval>;
  private polling = false;
  private alertAfter?: bigint;
  /** alert_event ids up to this one were there before the first stream opened: never announced. */
  private alertFloor = 0n;
  private readonly alertSeen = new Set<string>();
  private actionsSince?: Date;
  private readonly actionSeen = new Map<string, number>();

  constructor(
    private readonly env: ApiEnv,
    private readonly messaging: JetStreamService,
    private readonly repo: LiveEventsRepository,
  ) {}

  get open(): number {
    return this.count;
  }

  /** Registers a stream; false when the cap is reached or the api is shutting down (the caller answers 503). */
  add(sink: LiveSink): boolean {
    if (this.closing || this.count >= this.env.API_SSE_MAX_CONNECTIONS) {
      this.refused.inc();
      return false;
    }
    let set = this.sinks.get(sink.advertiserId);
    if (!set) {
      set = new Set();
      this.sinks.set(sink.advertiserId, set);
    }
    set.add(sink);
    this.count++;
    this.connections.set(this.count);
    if (this.count === 1) this.startSources();
    return true;
  }

  remove(sink: LiveSink): void {
    const set = this.sinks.get(sink.advertiserId);
    if (!set?.delete(sink)) return;
    if (set.size === 0) this.sinks.delete(sink.advertiserId);
    this.count--;
    this.connections.set(this.count);
    if (this.count === 0) this.stopSources();
  }

  /** A change from any source; ignored unless a stream of its advertiser is open. */
  notify(change: Change): void {
    if (this.sinks.has(change.advertiserId)) this.coalescer.add(change);
  }

  /** Nest's shutdown (before the HTTP server closes): every stream ends, so the server can close at once. */
  onModuleDestroy(): void {
    this.closing = true;
    this.stopSources();
    for (const set of this.sinks.values())
      for (const sink of set) {
        try {
          sink.end();
        } catch {
          // already gone
        }
      }
    this.sinks.clear();
    this.count = 0;
    this.connections.set(0);
  }

  private deliver(e: LiveEvent): void {
    const set = this.sinks.get(e.advertiserId);
    if (!set) return;
    const chunk = formatSse(e);
    for (const sink of set) {
      sink.write(chunk);
      this.sent.inc({ kind: e.kind });
    }
  }

  private startSources(): void {
    const onInvalid = (reason: string) => this.logger.warn(`invalid event skipped by the event stream: ${reason}`);
    this.handles = [
      this.messaging.subscribeAll(
        PERF_HOURLY_UPDATED,
        (m) => {
          const byAdvertiser = new Map<string, Set<string>>();
          for (const t of m.payload.touched) {
            if (!this.sinks.has(t.advertiserId)) continue;
            let ids = byAdvertiser.get(t.advertiserId);
            if (!ids) byAdvertiser.set(t.advertiserId, (ids = new Set()));
            ids.add(t.campaignId);
          }
          for (const [advertiserId, ids] of byAdvertiser) this.notify({ kind: 'perf', advertiserId, ids: [...ids] });
        },
        { onInvalid },
      ),
      this.messaging.subscribeAll(
        BUDGET_USAGE_UPDATED,
        (m) => {
          const byAdvertiser = new Map<string, Set<string>>();
          for (const s of m.payload.scopes) {
            if (!this.sinks.has(s.advertiserId)) continue;
            let ids = byAdvertiser.get(s.advertiserId);
            if (!ids) byAdvertiser.set(s.advertiserId, (ids = new Set()));
            if (s.budgetScopeType === 'CAMPAIGN') ids.add(s.budgetScopeId);
          }
          for (const [advertiserId, ids] of byAdvertiser) this.notify({ kind: 'budget', advertiserId, ids: [...ids] });
        },
        { onInvalid },
      ),
      this.messaging.subscribeAll(ACTIONS_QUEUED, (m) => void this.actionsChanged(m.payload.actionIds), { onInvalid }),
      this.messaging.subscribeAll(ACTIONS_SETTLED, (m) => void this.actionsChanged(m.payload.actionIds), { onInvalid }),
    ];
    this.pingTimer = setInterval(() => this.ping(), this.env.API_SSE_PING_SECONDS * 1000);
    this.pollTimer = setInterval(() => void this.poll(), POLL_MS);
    void this.poll();
  }

  private stopSources(): void {
    for (const h of this.handles) h.unsubscribe();
    this.handles = [];
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pingTimer = this.pollTimer = undefined;
    this.coalescer.clear();
    this.alertAfter = undefined;
    this.alertSeen.clear();
    this.actionsSince = undefined;
    this.actionSeen.clear();
  }

  private ping(): void {
    for (const set of this.sinks.values()) for (const sink of set) sink.write(': ping\n\n');
    this.coalescer.prune();
  }

  private async actionsChanged(ids: string[]): Promise<void> {
    try {
      for (const row of await this.repo.actionAdvertisers(ids))
        this.notify({ kind: 'action', advertiserId: row.advertiser_id, ids: [row.id] });
    } catch (err) {
      this.logger.warn(
        `action lookup for the event stream failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }

  /** One read of each polled table; the first read only sets where the next starts (what is already there is old). */
  private async poll(): Promise<void> {
    if (this.polling || this.count === 0) return;
    this.polling = true;
    try {
      await this.pollAlerts();
      await this.pollActions();
    } catch (err) {
      this.logger.warn(`event stream poll failed: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      this.polling = false;
    }
  }

  private async pollAlerts(): Promise<void> {
    if (this.alertAfter === undefined) {
      this.alertAfter = this.alertFloor = BigInt(await this.repo.maxAlertEventId());
      return;
    }
    const from = this.alertAfter > ALERT_ID_LOOKBACK ? this.alertAfter - ALERT_ID_LOOKBACK : 0n;
    for (const row of await this.repo.alertEventsAfter(from.toString(), POLL_LIMIT)) {
      const id = BigInt(row.id);
      if (id > this.alertAfter) this.alertAfter = id;
      if (id <= this.alertFloor || this.alertSeen.has(row.id)) continue;
      this.alertSeen.add(row.id);
      this.notify({ kind: 'alert', advertiserId: row.advertiser_id, ids: [row.alert_id] });
    }
    const floor = this.alertAfter - ALERT_ID_LOOKBACK;
    for (const id of this.alertSeen) if (BigInt(id) <= floor) this.alertSeen.delete(id);
  }

  private async pollActions(): Promise<void> {
    if (this.actionsSince === undefined) {
      this.actionsSince = await this.repo.now();
      return;
    }
    const since = new Date(this.actionsSince.getTime() - ACTION_LOOKBACK_MS);
    for (const row of await this.repo.actionsChangedSince(since, POLL_LIMIT)) {
      const at = row.updated_at.getTime();
      if (at > this.actionsSince.getTime()) this.actionsSince = row.updated_at;
      const key = `${row.id}@${at}`;
      if (this.actionSeen.has(key)) continue;
      this.actionSeen.set(key, at);
      this.notify({ kind: 'action', advertiserId: row.advertiser_id, ids: [row.id] });
    }
    const floor = this.actionsSince.getTime() - 2 * ACTION_LOOKBACK_MS;
    for (const [key, at] of this.actionSeen) if (at < floor) this.actionSeen.delete(key);
  }
}
