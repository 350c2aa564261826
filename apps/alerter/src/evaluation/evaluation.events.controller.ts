import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import {
  BudgetScopeV1,
  BudgetUsageUpdatedV1,
  DURABLES,
  EVENT_SUBJECTS,
  PerfHourlyUpdatedV1,
  PipelineQueueStatusV1,
  type QueueStatusV1,
  STREAMS,
  TouchedHourV1,
  validatePayload,
} from '@ams/contracts';
import { ConsumedMessage, ConsumerHandle, JetStreamService } from '@ams/platform';
import { alerterMetrics } from '../alerter.metrics';
import { AlerterEnv } from '../config/alerter.env';
import { EvaluationService } from './evaluation.service';

/**
 * The alerter's durable consumers of `perf.hourly.updated.v1`, `budget.usage.updated.v1` and
 * `pipeline.queue.status.v1`. A burst
 * of events is one micro-batch: its touched keys are merged and evaluated together, then acked. A
 * failed evaluation is naked and redelivered; evaluating again is harmless (same data, same state).
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
    const common = {
      stream: STREAMS.events.name,
      maxBatch: this.env.ALERT_EVAL_BATCH_SIZE,
      maxWaitMs: this.env.ALERT_EVAL_BATCH_WAIT_MS,
      ackWaitMs: this.env.ALERT_EVAL_ACK_WAIT_MS,
    };
    this.handles.push(
      await this.messaging.consumeBatches(
        { ...common, durable: DURABLES.alerterPerf, filterSubject: EVENT_SUBJECTS.perfHourlyUpdated },
        (batch) => this.onPerf(batch),
      ),
      await this.messaging.consumeBatches(
        { ...common, durable: DURABLES.alerterBudget, filterSubject: EVENT_SUBJECTS.budgetUsageUpdated },
        (batch) => this.onBudget(batch),
      ),
      await this.messaging.consumeBatches(
        { ...common, durable: DURABLES.alerterPipeline, filterSubject: EVENT_SUBJECTS.pipelineQueueStatus },
        (batch) => this.onPipeline(batch),
      ),
    );
    this.logger.log('evaluating alert rules on perf.hourly.updated.v1, budget.usage.updated.v1 and pipeline.queue.status.v1');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.stop()));
  }

  async onPerf(batch: ConsumedMessage[]): Promise<void> {
    const touched = new Map<string, TouchedHourV1>();
    for (const event of this.valid(PerfHourlyUpdatedV1, batch, EVENT_SUBJECTS.perfHourlyUpdated)) {
      for (const t of event.touched) touched.set(`${t.advertiserId}\u0000${t.campaignId}\u0000${t.hourStart}`, t);
    }
    if (touched.size) await this.evaluation.onPerfUpdated([...touched.values()]);
  }

  async onBudget(batch: ConsumedMessage[]): Promise<void> {
    const scopes = new Map<string, BudgetScopeV1>();
    for (const event of this.valid(BudgetUsageUpdatedV1, batch, EVENT_SUBJECTS.budgetUsageUpdated)) {
      for (const s of event.scopes) {
        scopes.set(`${s.advertiserId}\u0000${s.marketplaceId}\u0000${s.budgetScopeType}\u0000${s.budgetScopeId}`, s);
      }
    }
    if (scopes.size) await this.evaluation.onBudgetUpdated([...scopes.values()]);
  }

  /** The latest status of each queue in the batch (events are in stream order: a later read wins). */
  async onPipeline(batch: ConsumedMessage[]): Promise<void> {
    const queues = new Map<string, QueueStatusV1>();
    for (const event of this.valid(PipelineQueueStatusV1, batch, EVENT_SUBJECTS.pipelineQueueStatus)) {
      for (const q of event.queues) queues.set(q.queue, q);
    }
    if (queues.size) await this.evaluation.onQueueStatus([...queues.values()]);
  }

  /** Every inbound event is validated against its contract; one that does not match is logged and skipped. */
  private valid<T extends object>(cls: new () => T, batch: ConsumedMessage[], subject: string): T[] {
    const out: T[] = [];
    for (const msg of batch) {
      let json: unknown;
      try {
        json = JSON.parse(msg.string());
      } catch {
        json = undefined;
      }
      const v = validatePayload(cls, json);
      if (v.ok) out.push(v.value);
      else {
        alerterMetrics.invalidEvents.inc({ subject });
        this.logger.warn({ seq: msg.streamSequence, reason: v.reason }, `invalid ${subject} event skipped`);
      }
    }
    return out;
  }
}
