import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AMS_RECORDS, CommandError, REPROCESS_WINDOW, ReprocessWindowReplyV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { validateRecord } from '@ams/ams';
import { dedupeHorizon } from '@ams/db';
import { ProcessorEnv } from '../config/processor.env';
import { BatchWriterRepository } from '../ingest/batch-writer.repository';
import { RecordConsumerService } from '../ingest/record-consumer.service';
import { ReprocessRunRepository } from './reprocess-run.repository';

const HOUR_MS = 3_600_000;

type FactKey = { advertiserId: string; campaignId: string; hourStart: string };

/**
 * Re-runs a window of the replay log (the AMS stream keeps every accepted record for AMS_STREAM_MAX_AGE_HOURS)
 * through the normal batch path — every write is idempotent, so only missing deltas are inserted — and rebuilds the
 * touched hourly facts from the deltas, so facts and deltas agree again after, say, a partial database restore.
 * Nothing is ever doubled.
 *
 * Invariants:
 * - one run at a time across all replicas (ReprocessRunRepository); a second is refused with REPROCESS_RUNNING and
 *   the running one's id;
 * - a window no longer than the stream's retention (older records are gone: a longer window would silently do less);
 * - memory bounded by one chunk of PROCESSOR_BATCH_SIZE messages whatever the window: each chunk is stored and its
 *   facts rebuilt before the next is fetched (a fact touched by several chunks is rebuilt again: rebuilding is
 *   idempotent).
 */
@Injectable()
export class ReprocessService implements OnModuleInit {
  private readonly logger = new Logger(ReprocessService.name);

  constructor(
    private readonly messaging: JetStreamService,
    private readonly consumer: RecordConsumerService,
    private readonly writer: BatchWriterRepository,
    private readonly runs: ReprocessRunRepository,
    private readonly env: ProcessorEnv,
  ) {}

  onModuleInit(): void {
    // the messaging module has validated the request against ReprocessWindowRequestV1
    this.messaging.reply(REPROCESS_WINDOW, async (req) => {
      const from = new Date(req.from);
      const to = new Date(req.to);
      if (!(to > from)) throw new CommandError('VALIDATION', 'to must be after from');
      const maxHours = this.env.AMS_STREAM_MAX_AGE_HOURS;
      if (to.getTime() - from.getTime() > maxHours * HOUR_MS) {
        throw new CommandError(
          'VALIDATION',
          `to: a window spans at most the AMS stream's retention, ${maxHours} hours`,
        );
      }
      const horizon = dedupeHorizon(new Date(), this.env.RETENTION_DELTA_DAYS);
      if (from < horizon) {
        throw new CommandError(
          'VALIDATION',
          `from: deltas are kept ${this.env.RETENTION_DELTA_DAYS} days; a window may start at ${horizon.toISOString()} at the earliest (the dedupe horizon)`,
        );
      }
      return this.reprocess(from, to);
    });
  }

  async reprocess(from: Date, to: Date): Promise<ReprocessWindowReplyV1> {
    const started = await this.runs.start(from, to);
    if ('running' in started) {
      const r = started.running;
      throw new CommandError(
        'REPROCESS_RUNNING',
        r
          ? `reprocess run ${r.id} is running (window ${r.from.toISOString()} to ${r.to.toISOString()})`
          : 'a reprocess run is running',
      );
    }
    const { run } = started;
    const t0 = Date.now();
    let messages = 0;
    try {
      const result = await this.messaging.readWindow(
        AMS_RECORDS,
        { from, to },
        async (batch) => {
          await this.consumer.process(batch);
          messages += batch.length;
          // deltas that were missing are back; this chunk's facts are rebuilt from the deltas so they cannot drift
          // never the hours older than the dedupe horizon: their records were refused, and their deltas may be
          // dropped already, so a rebuild from them would lose facts
          const horizon = dedupeHorizon(new Date(), this.env.RETENTION_DELTA_DAYS).getTime();
          await this.writer.rebuildFacts(
            factKeys(batch.map((m) => m.string())).filter((k) => Date.parse(k.hourStart) >= horizon),
          );
        },
        { batchSize: this.env.PROCESSOR_BATCH_SIZE },
      );
      const seconds = (Date.now() - t0) / 1000;
      await run.finish('ok', result.messages);
      this.logger.log(
        { run: run.id, from: from.toISOString(), to: to.toISOString(), ...result, seconds },
        'window reprocessed',
      );
      return {
        from: from.toISOString(),
        to: to.toISOString(),
        messages: result.messages,
        batches: result.batches,
        seconds,
      };
    } catch (err) {
      await run.finish('failed', messages, err instanceof Error ? err.message : String(err)).catch(() => undefined);
      throw err;
    }
  }
}

/** The distinct hourly-fact keys of the performance records among these bodies. */
export function factKeys(bodies: string[]): FactKey[] {
  const touched = new Map<string, FactKey>();
  for (const body of bodies) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch {
      continue;
    }
    const v = validateRecord(parsed);
    if (v.ok && v.record.kind === 'performance') {
      const r = v.record;
      touched.set(`${r.advertiserId}\u0000${r.campaignId}\u0000${r.hourStartUtc}`, {
        advertiserId: r.advertiserId,
        campaignId: r.campaignId,
        hourStart: r.hourStartUtc,
      });
    }
  }
  return [...touched.values()];
}
