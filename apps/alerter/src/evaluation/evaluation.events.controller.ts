import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  ACTIONS_SETTLED,
  ActionsSettledV1,
  ADS_CONNECTION_STATUS,
  ADS_SUBSCRIPTIONS_STATUS,
  AdsConnectionStatusV1,
  BUDGET_USAGE_UPDATED,
  BudgetScopeV1,
  BudgetUsageUpdatedV1,
  DURABLES,
  type EventDescriptor,
  PERF_HOURLY_UPDATED,
  PerfHourlyUpdatedV1,
  PIPELINE_QUEUE_STATUS,
  PipelineQueueStatusV1,
  type QueueStatusV1,
  StreamSubscriptionsStatusV1,
  TouchedHourV1,
} from '@ams/contracts';
import { ConsumedEvent, ConsumerHandle, JetStreamService } from '@ams/platform';
import { alerterMetrics } from '../alerter.metrics';
import { AutomationNoticesService } from '../automation/automation-notices.service';
import { AutomationService } from '../automation/automation.service';
import { AlerterEnv } from '../config/alerter.env';
import { EvaluationService, type ProfileSubscriptions } from './evaluation.service';
import { PacingRefreshService } from './pacing-refresh.service';

/**
 * The alerter's durable consumers of PERF_HOURLY_UPDATED, BUDGET_USAGE_UPDATED, PIPELINE_QUEUE_STATUS and the Ads API
 * connector's ADS_CONNECTION_STATUS and ADS_SUBSCRIPTIONS_STATUS. A burst
 * of events is one micro-batch: its touched keys are merged and evaluated together, then acked. A
 * failed evaluation is naked and redelivered; evaluating again is harmless (same data, same state).
 * Every event arrives validated against its contract (the messaging module logs, counts here and skips the others).
 */
@Injectable()
export class EvaluationEventsController implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(EvaluationEventsController.name);
  private readonly handles: ConsumerHandle[] = [];

  constructor(
    private readonly env: AlerterEnv,
    private readonly messaging: JetStreamService,
    private readonly evaluation: EvaluationService,
    private readonly automation: AutomationService,
    private readonly notices: AutomationNoticesService,
    private readonly pacing: PacingRefreshService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const common = (event: EventDescriptor<object>) => ({
      maxBatch: this.env.ALERT_EVAL_BATCH_SIZE,
      maxWaitMs: this.env.ALERT_EVAL_BATCH_WAIT_MS,
      ackWaitMs: this.env.ALERT_EVAL_ACK_WAIT_MS,
      onInvalid: () => alerterMetrics.invalidEvents.inc({ subject: event.subject }),
    });
    this.handles.push(
      await this.messaging.consume(
        PERF_HOURLY_UPDATED,
        { ...common(PERF_HOURLY_UPDATED), durable: DURABLES.alerterPerf },
        (batch) => this.onPerf(batch),
      ),
      await this.messaging.consume(
        BUDGET_USAGE_UPDATED,
        { ...common(BUDGET_USAGE_UPDATED), durable: DURABLES.alerterBudget },
        (batch) => this.onBudget(batch),
      ),
      await this.messaging.consume(
        PIPELINE_QUEUE_STATUS,
        { ...common(PIPELINE_QUEUE_STATUS), durable: DURABLES.alerterPipeline },
        (batch) => this.onPipeline(batch),
      ),
      await this.messaging.consume(
        ADS_CONNECTION_STATUS,
        { ...common(ADS_CONNECTION_STATUS), durable: DURABLES.alerterAdsConnection },
        (batch) => this.onAdsConnection(batch),
      ),
      await this.messaging.consume(
        ADS_SUBSCRIPTIONS_STATUS,
        { ...common(ADS_SUBSCRIPTIONS_STATUS), durable: DURABLES.alerterAdsSubscriptions },
        (batch) => this.onAdsSubscriptions(batch),
      ),
      await this.messaging.consume(
        ACTIONS_SETTLED,
        { ...common(ACTIONS_SETTLED), durable: DURABLES.alerterActionsSettled },
        (batch) => this.onActionsSettled(batch),
      ),
    );
    this.logger.log('evaluating alert rules on performance, budget, queue, Ads connection and subscription events');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop()));
  }

  async onPerf(batch: ConsumedEvent<PerfHourlyUpdatedV1>[]): Promise<void> {
    const touched = new Map<string, TouchedHourV1>();
    for (const { payload: event } of batch) {
      for (const t of event.touched) touched.set(`${t.advertiserId}\u0000${t.campaignId}\u0000${t.hourStart}`, t);
    }
    if (touched.size) {
      await this.evaluation.onPerfUpdated([...touched.values()]);
      await this.automation.onPerfUpdated([...touched.values()]);
      // pacing as of the new facts: coalesced, after the ack (PacingRefreshService)
      this.pacing.touched([...touched.values()]);
    }
  }

  async onBudget(batch: ConsumedEvent<BudgetUsageUpdatedV1>[]): Promise<void> {
    const scopes = new Map<string, BudgetScopeV1>();
    for (const { payload: event } of batch) {
      for (const s of event.scopes) {
        scopes.set(`${s.advertiserId}\u0000${s.marketplaceId}\u0000${s.budgetScopeType}\u0000${s.budgetScopeId}`, s);
      }
    }
    if (scopes.size) {
      await this.evaluation.onBudgetUpdated([...scopes.values()]);
      await this.automation.onBudgetUpdated([...scopes.values()]);
    }
  }

  /** The latest status of each queue in the batch (events are in stream order: a later read wins). */
  async onPipeline(batch: ConsumedEvent<PipelineQueueStatusV1>[]): Promise<void> {
    const queues = new Map<string, QueueStatusV1>();
    for (const { payload: event } of batch) {
      for (const q of event.queues) queues.set(q.queue, q);
    }
    if (queues.size) await this.evaluation.onQueueStatus([...queues.values()]);
  }

  /** The connection's latest state in the batch (stream order: a later event wins). */
  async onAdsConnection(batch: ConsumedEvent<AdsConnectionStatusV1>[]): Promise<void> {
    const latest = batch[batch.length - 1]?.payload;
    if (latest) await this.evaluation.onConnectionStatus(latest);
  }

  /**
   * Per profile, the subscriptions of the latest event in the batch that covered it (stream order): a subscription
   * absent from it has been archived. Items of profiles an event did not cover are not judged by that event.
   */
  async onAdsSubscriptions(batch: ConsumedEvent<StreamSubscriptionsStatusV1>[]): Promise<void> {
    const profiles = new Map<string, ProfileSubscriptions>();
    for (const { payload: event } of batch) {
      for (const profileId of event.profileIds) {
        profiles.set(profileId, {
          items: event.subscriptions.filter((s) => s.profileId === profileId),
          asOf: event.emittedAt,
        });
      }
    }
    if (profiles.size) await this.evaluation.onSubscriptionsStatus(profiles);
  }

  /** Actions the connector settled: one Slack message each (the outbox's unique index makes redelivery harmless). */
  async onActionsSettled(batch: ConsumedEvent<ActionsSettledV1>[]): Promise<void> {
    const ids = [...new Set(batch.flatMap((e) => e.payload.actionIds))];
    if (ids.length) await this.notices.onSettled(ids);
  }
}
