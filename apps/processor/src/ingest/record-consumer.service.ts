import { Injectable, Logger, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { validateRecord, type BudgetUsageRecord, type PerformanceRecord } from '@ams/ams';
import {
  AMS_QUARANTINE,
  AMS_RECORDS,
  BUDGET_USAGE_UPDATED,
  BudgetUsageUpdatedV1,
  DURABLES,
  HEADERS,
  PERF_HOURLY_UPDATED,
  PerfHourlyUpdatedV1,
  STREAMS,
  validatePayload,
} from '@ams/contracts';
import { ConsumedMessage, ConsumerHandle, JetStreamService } from '@ams/platform';
import { ProcessorEnv } from '../config/processor.env';
import { BatchInput, BatchWriterRepository, QuarantineRow } from './batch-writer.repository';
import { classifyDbError, dbErrorReason } from './db-errors';
import { writeIsolating } from './isolate-poison';
import { chunkBySize, eventBudget } from './event-chunks';
import { addFreshness, receivedAtOf } from './freshness';
import { processorMetrics } from './processor.metrics';
import { isNoPartitionError, RetentionGuardService } from './retention-guard.service';

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
    private readonly retention: RetentionGuardService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.handle = await this.messaging.consumeBatches(
      {
        stream: STREAMS.ams.name,
        durable: DURABLES.processor,
        filterSubject: AMS_RECORDS.filter,
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

  /**
   * Validates, writes and announces one batch. Exposed for the quarantine replay path. A record PostgreSQL refuses
   * (a data error, see classifyDbError) is isolated by splitting the batch: the rest is written and acknowledged,
   * the refused record goes to quarantine with the database's error (code `db-rejected`). Transient errors fail the
   * batch for redelivery as before.
   */
  async process(batch: ConsumedMessage[]): Promise<void> {
    const end = processorMetrics.batchDuration.startTimer();
    const units: Unit[] = [];
    const seen = new Set<string>();
    const sentTimes: number[] = [];
    const now = new Date();

    for (const msg of batch) {
      const unit: Unit = { msg, input: emptyInput(), datasetId: null };
      units.push(unit);
      const sent = Date.parse(msg.header(HEADERS.sentAt) ?? '');
      if (Number.isFinite(sent)) sentTimes.push(sent);
      if (msg.subject === AMS_QUARANTINE.subject) {
        unit.input.quarantine.push(fromIngestorQuarantine(msg));
        continue;
      }
      const parsed = parseJson(msg.string());
      const result = parsed.ok
        ? validateRecord(parsed.value)
        : { ok: false as const, code: 'not-json' as const, reason: parsed.reason, datasetId: null };
      processorMetrics.received.inc({ dataset: result.ok ? result.record.datasetId : (result.datasetId ?? 'unknown') });
      if (!result.ok) {
        unit.input.quarantine.push({
          key: processorQuarantineKey(msg),
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
      unit.datasetId = result.record.datasetId;
      // freshness follows every valid record received, duplicates included, at the ingestor's receive time (so a
      // redelivery or a reprocess of old messages does not make a dataset look fresh)
      const receivedAt = receivedAtOf(msg.header(HEADERS.receivedAt)) ?? msg.publishedAt.toISOString();
      unit.input.freshness = [...addFreshness(new Map(), [result.record], receivedAt).values()];
      if (seen.has(result.dedupKey)) continue; // a duplicate inside the batch counts once
      seen.add(result.dedupKey);
      const r = result.record;
      const refused = r.kind === 'performance' ? this.retention.refusal(r, now) : null;
      if (refused) {
        unit.input.quarantine.push({
          key: processorQuarantineKey(msg),
          source: 'processor',
          code: refused.code,
          reason: refused.reason,
          datasetId: r.datasetId,
          rawBody: msg.string(),
          sqsMessageId: msg.header(HEADERS.sqsMessageId) ?? null,
          receivedAt: msg.header(HEADERS.receivedAt) ?? msg.publishedAt.toISOString(),
        });
        continue;
      }
      if (r.kind === 'performance') unit.input.performance.push(r);
      else if (r.kind === 'budget-usage') unit.input.budgets.push(r);
      else if (r.kind === 'budget-recommendation') unit.input.recommendations?.push(r);
      else unit.input.entities.push(r);
    }

    // a month without partitions is made before the batch needs it (no insert fails at the first hour of a month)
    await this.retention.ensurePartitions(units.flatMap((u) => u.input.performance));
    const { written, quarantined } = await writeIsolating(units, {
      write: (part) => this.writer.write(mergeInputs(part)),
      isPoison: (err) => {
        if (isNoPartitionError(err)) this.retention.forget(); // a partition was dropped under us: look again next time
        return classifyDbError(err) === 'record';
      },
      quarantine: async (unit, err) => {
        const row = dbRejectedRow(unit, err);
        await this.writer.write({ ...emptyInput(), quarantine: [row] });
        this.logger.warn(
          { key: row.key, dataset: row.datasetId, reason: row.reason },
          'record refused by PostgreSQL: quarantined',
        );
      },
    });
    const stored = mergeInputs(written.flatMap((w) => w.units));
    await this.announce(stored.performance, stored.budgets);
    const seconds = end();

    const outcome = written.reduce(
      (sum, w) => ({
        performanceInserted: sum.performanceInserted + w.result.performanceInserted,
        budgetsInserted: sum.budgetsInserted + w.result.budgetsInserted,
        entitiesUpdated: sum.entitiesUpdated + w.result.entitiesUpdated,
        recommendationsInserted: sum.recommendationsInserted + w.result.recommendationsInserted,
        quarantined: sum.quarantined + w.result.quarantined,
      }),
      { performanceInserted: 0, budgetsInserted: 0, entitiesUpdated: 0, recommendationsInserted: 0, quarantined: 0 },
    );
    processorMetrics.batchSize.observe(batch.length);
    processorMetrics.stored.inc({ kind: 'performance' }, outcome.performanceInserted);
    processorMetrics.stored.inc({ kind: 'budget-usage' }, outcome.budgetsInserted);
    processorMetrics.stored.inc({ kind: 'entity' }, outcome.entitiesUpdated);
    processorMetrics.stored.inc({ kind: 'budget-recommendation' }, outcome.recommendationsInserted);
    processorMetrics.duplicates.inc({ kind: 'performance' }, stored.performance.length - outcome.performanceInserted);
    for (const q of stored.quarantine) processorMetrics.quarantined.inc({ code: q.code });
    if (quarantined.length) {
      processorMetrics.quarantined.inc({ code: DB_REJECTED }, quarantined.length);
      processorMetrics.batchSplits.inc();
    }
    const committedAt = Date.now();
    for (const sent of sentTimes) processorMetrics.sqsToCommit.observe((committedAt - sent) / 1000);
    if (sentTimes.length) processorMetrics.lag.set((committedAt - Math.min(...sentTimes)) / 1000);
    this.logger.debug({ records: batch.length, ...outcome, refused: quarantined.length, seconds }, 'batch committed');
  }

  /**
   * Events name every key of the batch, not only the newly inserted ones: a batch redelivered
   * after a crash between commit and publish must still announce its changes. Consumers recompute.
   * A batch's changes may take several events: each stays within the server's max_payload (less headroom for
   * headers) and the contract's 100,000 items; consumers treat every event on its own.
   */
  async announce(performance: PerformanceRecord[], budgets: BudgetUsageRecord[]): Promise<void> {
    if (!performance.length && !budgets.length) return;
    const emittedAt = new Date().toISOString();
    const budget = eventBudget(await this.messaging.maxPayload());
    if (performance.length) {
      // read after the commit: an api reading a replica serves (and caches) these hours from it only once it replayed this far
      const walLsn = await this.writer.walPosition();
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
      const event = (chunk: PerfHourlyUpdatedV1['touched']): PerfHourlyUpdatedV1 => ({
        version: 1,
        touched: chunk,
        emittedAt,
        walLsn,
      });
      for (const chunk of chunkBySize([...touched.values()], event, budget, MAX_EVENT_ITEMS)) {
        await this.messaging.publish(PERF_HOURLY_UPDATED, event(chunk));
      }
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
      const event = (chunk: BudgetUsageUpdatedV1['scopes']): BudgetUsageUpdatedV1 => ({
        version: 1,
        scopes: chunk,
        emittedAt,
      });
      for (const chunk of chunkBySize([...scopes.values()], event, budget, MAX_EVENT_ITEMS)) {
        await this.messaging.publish(BUDGET_USAGE_UPDATED, event(chunk));
      }
    }
  }
}

/** The contracts' ArrayMaxSize of `touched` and `scopes`. */
const MAX_EVENT_ITEMS = 100_000;

/** Quarantine code of a record that passed validation but that PostgreSQL refused to store. */
export const DB_REJECTED = 'db-rejected';

/** One message of a batch and what it contributes to the batch's write: the unit a refused write is split into. */
interface Unit {
  msg: ConsumedMessage;
  input: BatchInput;
  datasetId: string | null;
}

function emptyInput(): BatchInput {
  return { performance: [], budgets: [], entities: [], recommendations: [], quarantine: [], freshness: [] };
}

function mergeInputs(units: Unit[]): BatchInput {
  const input = emptyInput();
  for (const u of units) {
    input.performance.push(...u.input.performance);
    input.budgets.push(...u.input.budgets);
    input.entities.push(...u.input.entities);
    input.recommendations?.push(...(u.input.recommendations ?? []));
    input.quarantine.push(...u.input.quarantine);
    input.freshness?.push(...(u.input.freshness ?? []));
  }
  return input;
}

/** The processor's quarantine key of a message: stable across redeliveries (message id, else stream sequence). */
function processorQuarantineKey(msg: ConsumedMessage): string {
  return `p:${msg.msgId ?? `seq:${msg.streamSequence}`}`;
}

/**
 * The quarantine row of a message PostgreSQL refused: its raw body (NUL characters escaped, which a text column
 * cannot hold, so this row itself can always be stored) and the database's error as the reason.
 */
function dbRejectedRow(unit: Unit, err: unknown): QuarantineRow {
  const { msg } = unit;
  return {
    key: processorQuarantineKey(msg),
    source: 'processor',
    code: DB_REJECTED,
    reason: dbErrorReason(err),
    datasetId: unit.datasetId,
    rawBody: msg.string().split('\u0000').join('\\u0000'),
    sqsMessageId: msg.header(HEADERS.sqsMessageId) ?? null,
    receivedAt: msg.publishedAt.toISOString(),
  };
}

function fromIngestorQuarantine(msg: ConsumedMessage): QuarantineRow {
  const key = msg.msgId ?? `seq:${msg.streamSequence}`;
  const parsed = parseJson(msg.string());
  // the AMS stream is consumed raw (records are checked by @ams/ams); its quarantine bodies are checked here, as strictly
  // as the messaging module checks events: unknown fields refused
  const body = parsed.ok
    ? validatePayload(AMS_QUARANTINE.payload, parsed.value, { refuseUnknownFields: true })
    : parsed;
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
