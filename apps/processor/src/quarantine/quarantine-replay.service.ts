import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { classifySqsBody, type AmsRecord } from '@ams/ams';
import { QUARANTINE_REPLAY, QuarantineReplayReplyV1, QuarantineReplayRequestV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { BatchInput, BatchWriterRepository } from '../ingest/batch-writer.repository';
import { RecordConsumerService } from '../ingest/record-consumer.service';
import { RetentionGuardService } from '../ingest/retention-guard.service';

/**
 * Replays a quarantined item (after a code fix, or with a corrected body): the body goes through the
 * same classifier and validators as live traffic and, if it is valid now, is written with the same
 * idempotent batch writer, in the same transaction that marks the item replayed.
 */
@Injectable()
export class QuarantineReplayService implements OnModuleInit {
  private readonly logger = new Logger(QuarantineReplayService.name);

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly writer: BatchWriterRepository,
    private readonly consumer: RecordConsumerService,
    private readonly messaging: JetStreamService,
    private readonly retention: RetentionGuardService,
  ) {}

  onModuleInit(): void {
    // the messaging module has validated the request against QuarantineReplayRequestV1
    this.messaging.reply(QUARANTINE_REPLAY, (req) => this.replay(req));
  }

  async replay(req: QuarantineReplayRequestV1): Promise<QuarantineReplayReplyV1> {
    const result = await this.ds.transaction(async (em) => {
      const [row] = (await em.query(`SELECT id, status, raw_body FROM quarantine WHERE id = $1 FOR UPDATE`, [
        req.id,
      ])) as Array<{
        id: string;
        status: string;
        raw_body: string;
      }>;
      if (!row) return { reply: { id: req.id, outcome: 'not-found' as const } };
      if (row.status === 'replayed') return { reply: { id: req.id, outcome: 'already-replayed' as const } };

      const body = req.rawBody ?? row.raw_body;
      const classified = classifySqsBody(body);
      let reason: string | null = null;
      const records: AmsRecord[] = [];
      if (classified.kind === 'rejected') reason = classified.reason;
      else if (classified.kind === 'subscription-confirmation') reason = 'a subscription confirmation is not a record';
      else {
        const bad = classified.items.find((i) => !i.ok);
        if (bad && !bad.ok) reason = bad.reason;
        else for (const item of classified.items) if (item.ok) records.push(item.record);
      }
      // a record older than the dedupe horizon stays out, replayed or not (its duplicate could not be recognised)
      for (const r of records)
        if (reason === null && r.kind === 'performance') reason = this.retention.refusal(r)?.reason ?? null;
      if (reason !== null) {
        await em.query(`UPDATE quarantine SET replay_outcome = $2, reason = $3 WHERE id = $1`, [
          req.id,
          'still-invalid',
          reason.slice(0, 4000),
        ]);
        return { reply: { id: req.id, outcome: 'still-invalid' as const, reason } };
      }
      const input: BatchInput = {
        performance: records.filter((r) => r.kind === 'performance'),
        budgets: records.filter((r) => r.kind === 'budget-usage'),
        entities: records.filter((r) => r.kind === 'entity'),
        recommendations: records.filter((r) => r.kind === 'budget-recommendation'),
        quarantine: [],
      };
      await this.retention.ensurePartitions(input.performance);
      await this.writer.write(input, em);
      await em.query(
        `UPDATE quarantine SET status = 'replayed', replayed_at = now(), replay_outcome = 'stored' WHERE id = $1`,
        [req.id],
      );
      return { reply: { id: req.id, outcome: 'stored' as const, records: records.length }, input };
    });
    if ('input' in result && result.input) {
      await this.consumer.announce(result.input.performance, result.input.budgets);
      this.logger.log({ id: req.id, records: result.reply.records }, 'quarantined item replayed');
    }
    return result.reply;
  }
}
