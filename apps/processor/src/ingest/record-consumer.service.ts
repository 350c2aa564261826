import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { validateRecord, type BudgetUsageRecord, type PerformanceRecord } from '@ams/ams';
import {
  AMS_QUARANTINE_SUBJECT,
  BudgetUsageUpdatedV1,
  DURABLES,
  EVENT_SUBJECTS,
  HEADERS,
  PerfHourlyUpdatedV1,
  QuarantinedBodyV1,
  STREAMS,
  validatePayload,
} from '@ams/contracts';
import { ConsumedMessage, ConsumerHandle, JetStreamService } from '@ams/platform';
import { ProcessorEnv } from '../config/processor.env';
import { BatchInput, BatchWriterRepository, QuarantineRow } from './batch-writer.repository';
import { processorMetrics } from './processor.metrics';

/**
 * The processor's durable JetStream consumer: micro-batches of records are validated, written in
 * one transaction, announced as events, and only then acknowledged. A crash anywhere before the
 * ack means redelivery, and redelivery is harmless because every write is idempotent.
 */
@Injectable()
export class RecordConsumerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RecordConsumerService.name);
  private handle?: ConsumerHandle;

  constructor(
    private readonly env: ProcessorEnv,
    private readonly messaging: JetStreamService,
    private readonly writer: BatchWriterRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handle = await this.messaging.consumeBatches(
      {
        stream: STREAMS.ams.name,
        durable: DURABLES.processor,
        filterSubject: STREAMS.ams.subjects[0],
        maxBatch: this.env.PROCESSOR_BATCH_SIZE,
        maxWaitMs: this.env.PROCESSOR_BATCH_WAIT_MS,
        ackWaitMs: this.env.PROCESSOR_ACK_WAIT_MS,
        concurrency: this.env.PROCESSOR_CONCURRENCY,
      },
      (batch) => this.process(batch),
    );
    this.logger.log('consuming AMS records');
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.handle?.stop();
    this.logger.log('record consumer drained');
  }

  /** Validates, writes and announces one batch. Exposed for the quarantine replay path. */
  async process(batch: ConsumedMessage[]): Promise<void> {
    const end = processorMetrics.batchDuration.startTimer();
    const input: BatchInput = { performance: [], budgets: [], entities: [], quarantine: [] };
    const seen = new Set<string>();
    const sentTimes: number[] = [];

    for (const msg of batch) {
      const sent = Date.parse(msg.header(HEADERS.sentAt) ?? '');
      if (Number.isFinite(sent)) sentTimes.push(sent);
      if (msg.subject === AMS_QUARANTINE_SUBJECT) {
        input.quarantine.push(fromIngestorQuarantine(msg));
        continue;
      }
      const parsed = parseJson(msg.string());
      const result = parsed.ok
        ? validateRecord(parsed.value)
        : { ok: false as const, code: 'not-json' as const, reason: parsed.reason, datasetId: null };
      processorMetrics.received.inc({ dataset: result.ok ? result.record.datasetId : (result.datasetId ?? 'unknown') });
      if (!result.ok) {
        input.quarantine.push({
          key: `p:${msg.msgId ?? `seq:${msg.streamSequence}`}`,
          source: 'processor',
          code: result.code,
          reason: result.reason,
          datasetId: result.datasetId,
          rawBody: msg.string(),
          sqsMessageId: msg.header(HEADERS.sqsMessageId) ?? null,
          receivedAt: msg.header(HEADERS.receivedAt) ?? msg.publishedAt.toISOString(),
        });
        continue;
      }
      if (seen.has(result.dedupKey)) continue; // a duplicate inside the batch counts once
      seen.add(result.dedupKey);
      const r = result.record;
      if (r.kind === 'performance') input.performance.push(r);
      else if (r.kind === 'budget-usage') input.budgets.push(r);
      else input.entities.push(r);
    }

    const outcome = await this.writer.write(input);
    await this.announce(input.performance, input.budgets);
    const seconds = end();

    processorMetrics.batchSize.observe(batch.length);
    processorMetrics.stored.inc({ kind: 'performance' }, outcome.performanceInserted);
    processorMetrics.stored.inc({ kind: 'budget-usage' }, outcome.budgetsInserted);
    processorMetrics.stored.inc({ kind: 'entity' }, outcome.entitiesUpdated);
    processorMetrics.duplicates.inc({ kind: 'performance' }, input.performance.length - outcome.performanceInserted);
    for (const q of input.quarantine) processorMetrics.quarantined.inc({ code: q.code });
    const committedAt = Date.now();
    for (const sent of sentTimes) processorMetrics.sqsToCommit.observe((committedAt - sent) / 1000);
    if (sentTimes.length) processorMetrics.lag.set((committedAt - Math.min(...sentTimes)) / 1000);
    this.logger.debug({ records: batch.length, ...outcome, seconds }, 'batch committed');
  }

  /**
   * Events name every key of the batch, not only the newly inserted ones: a batch redelivered
   * after a crash between commit and publish must still announce its changes. Consumers recompute.
   */
  async announce(performance: PerformanceRecord[], budgets: BudgetUsageRecord[]): Promise<void> {
    const emittedAt = new Date().toISOString();
    if (performance.length) {
      const touched = new Map<string, PerfHourlyUpdatedV1['touched'][number]>();
      for (const r of performance) {
        const key = `${r.advertiserId}\u0000${r.campaignId}\u0000${r.hourStartUtc}`;
        if (!touched.has(key)) {
          touched.set(key, {
            advertiserId: r.advertiserId,
            campaignId: r.campaignId,
            hourStart: r.hourStartUtc,
            utcOffsetMinutes: r.utcOffsetMinutes,
          });
        }
      }
      const event: PerfHourlyUpdatedV1 = { version: 1, touched: [...touched.values()], emittedAt };
      await this.messaging.publish(EVENT_SUBJECTS.perfHourlyUpdated, event);
    }
    if (budgets.length) {
      const scopes = new Map<string, BudgetUsageUpdatedV1['scopes'][number]>();
      for (const b of budgets) {
        scopes.set(`${b.advertiserId}\u0000${b.marketplaceId}\u0000${b.budgetScopeType}\u0000${b.budgetScopeId}`, {
          advertiserId: b.advertiserId,
          marketplaceId: b.marketplaceId,
          budgetScopeType: b.budgetScopeType,
          budgetScopeId: b.budgetScopeId,
        });
      }
      const event: BudgetUsageUpdatedV1 = { version: 1, scopes: [...scopes.values()], emittedAt };
      await this.messaging.publish(EVENT_SUBJECTS.budgetUsageUpdated, event);
    }
  }
}

function fromIngestorQuarantine(msg: ConsumedMessage): QuarantineRow {
  const key = msg.msgId ?? `seq:${msg.streamSequence}`;
  const parsed = parseJson(msg.string());
  const body = parsed.ok ? validatePayload(QuarantinedBodyV1, parsed.value) : parsed;
  if (!body.ok) {
    return {
      key,
      source: 'ingestor',
      code: 'invalid-quarantine-message',
      reason: `quarantine message did not match its contract: ${body.reason}`,
      datasetId: null,
      rawBody: msg.string(),
      sqsMessageId: msg.header(HEADERS.sqsMessageId) ?? null,
      receivedAt: msg.publishedAt.toISOString(),
    };
  }
  const q = body.value;
  return {
    key,
    source: 'ingestor',
    code: q.code,
    reason: q.reason,
    datasetId: q.datasetId ?? null,
    rawBody: q.rawBody,
    sqsMessageId: q.sqsMessageId ?? null,
    receivedAt: q.receivedAt,
  };
}

function parseJson(s: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(s) };
  } catch (err) {
    return { ok: false, reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
}
