import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DEAD_LETTER_REDRIVE, INGEST_QUEUE_STATUS } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { HandOffService } from '../handoff/hand-off.service';
import { DeadLetterRedriveService } from './dead-letter-redrive.service';
import { QueueStatusService } from './queue-status.service';

/**
 * Answers the queue commands (one ingestor per request: the default queue group): the queues' status for the
 * api's GET /health, and the redrive of dead-letter messages for POST /v1/dead-letters/redrive.
 */
@Injectable()
export class QueueCommandsService implements OnApplicationBootstrap {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly status: QueueStatusService,
    private readonly redrive: DeadLetterRedriveService,
    private readonly handOff: HandOffService,
  ) {}

  onApplicationBootstrap(): void {
    // requests arrive validated against their contract classes (the messaging module refuses the others)
    this.messaging.reply(INGEST_QUEUE_STATUS, async (req) => {
      const queues = req.fresh ? await this.status.refresh() : this.status.latest();
      return { instance: this.status.instance, handOffOpen: this.handOff.gate.isOpen, queues };
    });
    this.messaging.reply(DEAD_LETTER_REDRIVE, (req) => this.redrive.redrive(req));
  }
}
