import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  AMS_SUBJECT_ROOT,
  COMMAND_SUBJECTS,
  ReprocessWindowReplyV1,
  ReprocessWindowRequestV1,
  STREAMS,
  validatePayload,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { validateRecord, type AmsRecord } from '@ams/ams';
import { BatchWriterRepository } from '../ingest/batch-writer.repository';
import { RecordConsumerService } from '../ingest/record-consumer.service';

/**
 * Re-runs a window of the replay log (the AMS stream keeps every accepted record for
 * AMS_STREAM_MAX_AGE_HOURS) through the normal batch path — every write is idempotent, so only
 * missing deltas are inserted — then rebuilds the touched hourly facts from the deltas, so facts
 * and deltas agree again after, say, a partial database restore. Nothing is ever doubled.
 */
@Injectable()
export class ReprocessService implements OnModuleInit {
  private readonly logger = new Logger(ReprocessService.name);

  constructor(
    private readonly messaging: JetStreamService,
    private readonly consumer: RecordConsumerService,
    private readonly writer: BatchWriterRepository,
  ) {}

  onModuleInit(): void {
    this.messaging.reply<unknown, ReprocessWindowReplyV1>(COMMAND_SUBJECTS.reprocessWindow, async (req) => {
      const v = validatePayload(ReprocessWindowRequestV1, req);
      if (!v.ok) throw Object.assign(new Error(v.reason), { code: 'VALIDATION' });
      const from = new Date(v.value.from);
      const to = new Date(v.value.to);
      if (!(to > from)) throw Object.assign(new Error('to must be after from'), { code: 'VALIDATION' });
      return this.reprocess(from, to);
    });
  }

  async reprocess(from: Date, to: Date): Promise<ReprocessWindowReplyV1> {
    const t0 = Date.now();
    const touched = new Map<string, { advertiserId: string; campaignId: string; hourStart: string }>();
    const { messages, batches } = await this.messaging.readWindow(STREAMS.ams.name, `${AMS_SUBJECT_ROOT}.>`, { from, to }, async (batch) => {
      await this.consumer.process(batch);
      for (const m of batch) {
        const v = safeValidate(m.string());
        if (v?.kind === 'performance') {
          touched.set(`${v.advertiserId}\u0000${v.campaignId}\u0000${v.hourStartUtc}`, {
            advertiserId: v.advertiserId,
            campaignId: v.campaignId,
            hourStart: v.hourStartUtc,
          });
        }
      }
    });
    // deltas that were missing are back; facts are rebuilt from the deltas so they cannot drift
    const keys = [...touched.values()];
    for (let i = 0; i < keys.length; i += 1000) await this.writer.rebuildFacts(keys.slice(i, i + 1000));
    const seconds = (Date.now() - t0) / 1000;
    this.logger.log({ from: from.toISOString(), to: to.toISOString(), messages, batches, seconds }, 'window reprocessed');
    return { from: from.toISOString(), to: to.toISOString(), messages, batches, seconds };
  }
}

function safeValidate(body: string): AmsRecord | null {
  try {
    const v = validateRecord(JSON.parse(body));
    return v.ok ? v.record : null;
  } catch {
    return null;
  }
}
