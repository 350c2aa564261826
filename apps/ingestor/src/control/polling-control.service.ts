import { randomUUID } from 'node:crypto';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { INGEST_POLLING, IngestPollingReplyV1, IngestPollingRequestV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { IngestorEnv } from '../config/ingestor.env';
import { SqsPollerService } from '../ingest/sqs-poller.service';

/**
 * Pauses and resumes SQS polling at run time. The switch is kept in `ingest_control` so a restarted
 * or newly scaled ingestor honours it (INGEST_ENABLED is only the default before anyone switched),
 * and the command is broadcast so every replica applies it at once.
 */
@Injectable()
export class PollingControlService implements OnApplicationBootstrap {
  private readonly logger = new Logger(PollingControlService.name);
  private readonly instance = `${process.pid}-${randomUUID().slice(0, 8)}`;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly env: IngestorEnv,
    private readonly poller: SqsPollerService,
    private readonly messaging: JetStreamService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const [row] = (await this.ds.query(`SELECT polling_enabled, reason FROM ingest_control WHERE id = 1`)) as Array<{
      polling_enabled: boolean;
      reason: string | null;
    }>;
    const enabled = row ? row.polling_enabled : this.env.INGEST_ENABLED;
    if (enabled) this.poller.resume();
    else this.logger.warn({ reason: row?.reason ?? 'INGEST_ENABLED=false' }, 'ingestion starts paused');

    // a queue group of our own: every replica gets the command (the requester gets the first answer)
    this.messaging.reply(INGEST_POLLING, (req) => this.apply(req), { queue: `ingestor-${this.instance}` });
  }

  private async apply(req: IngestPollingRequestV1): Promise<IngestPollingReplyV1> {
    await this.ds.query(
      `INSERT INTO ingest_control (id, polling_enabled, reason, updated_at) VALUES (1, $1, $2, now())
       ON CONFLICT (id) DO UPDATE SET polling_enabled = EXCLUDED.polling_enabled, reason = EXCLUDED.reason, updated_at = now()`,
      [req.enabled, req.reason ?? null],
    );
    if (req.enabled && this.poller.isPaused) this.poller.resume();
    if (!req.enabled && !this.poller.isPaused) await this.poller.pause();
    return { enabled: !this.poller.isPaused, instance: this.instance };
  }
}
