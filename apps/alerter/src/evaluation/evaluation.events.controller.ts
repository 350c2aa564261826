import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
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
  TouchedHourV1,
} from '@ams/contracts';
import { ConsumedEvent, ConsumerHandle, JetStreamService } from '@ams/platform';
import { alerterMetrics } from '../alerter.metrics';
import { AlerterEnv } from '../config/alerter.env';
import { EvaluationService } from './evaluation.service';

/**
 * The alerter's durable consumers of PERF_HOURLY_UPDATED, BUDGET_USAGE_UPDATED and PIPELINE_QUEUE_STATUS. A burst
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
    );
    this.logger.log(
      'evaluating alert rules on perf.hourly.updated.v1, budget.usage.updated.v1 and pipeline.queue.status.v1',
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop()));
  }

  async onPerf(batch: ConsumedEvent<PerfHourlyUpdatedV1>[]): Promise<void> {
    const touched = new Map<string, TouchedHourV1>();
    for (const { payload: event } of batch) {
      for (const t of event.touched) touched.set(`${t.advertiserId}\u0000${t.campaignId}\u0000${t.hourStart}`, t);
    }
    if (touched.size) await this.evaluation.onPerfUpdated([...touched.values()]);
  }

  async onBudget(batch: ConsumedEvent<BudgetUsageUpdatedV1>[]): Promise<void> {
    const scopes = new Map<string, BudgetScopeV1>();
    for (const { payload: event } of batch) {
      for (const s of event.scopes) {
        scopes.set(`${s.advertiserId}\u0000${s.marketplaceId}\u0000${s.budgetScopeType}\u0000${s.budgetScopeId}`, s);
      }
    }
    if (scopes.size) await this.evaluation.onBudgetUpdated([...scopes.values()]);
  }

  /** The latest status of each queue in the batch (events are in stream order: a later read wins). */
  async onPipeline(batch: ConsumedEvent<PipelineQueueStatusV1>[]): Promise<void> {
    const queues = new Map<string, QueueStatusV1>();
    for (const { payload: event } of batch) {
      for (const q of event.queues) queues.set(q.queue, q);
    }
    if (queues.size) await this.evaluation.onQueueStatus([...queues.values()]);
  }
}
