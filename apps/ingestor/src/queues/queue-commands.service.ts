import { Injectable, OnApplicationBootstrap } from '@nestjs/common';
import {
  COMMAND_SUBJECTS,
  DeadLetterRedriveReplyV1,
  DeadLetterRedriveRequestV1,
  IngestQueueStatusReplyV1,
  IngestQueueStatusRequestV1,
  validatePayload,
} from '@ams/contracts';
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
    this.messaging.reply<unknown, IngestQueueStatusReplyV1>(COMMAND_SUBJECTS.ingestQueueStatus, async (req) => {
      const v = validatePayload(IngestQueueStatusRequestV1, req ?? {});
      if (!v.ok) throw Object.assign(new Error(v.reason), { code: 'VALIDATION' });
      const queues = v.value.fresh ? await this.status.refresh() : this.status.latest();
      return { instance: this.status.instance, handOffOpen: this.handOff.gate.isOpen, queues };
    });
    this.messaging.reply<unknown, DeadLetterRedriveReplyV1>(COMMAND_SUBJECTS.deadLetterRedrive, async (req) => {
      const v = validatePayload(DeadLetterRedriveRequestV1, req ?? {});
      if (!v.ok) throw Object.assign(new Error(v.reason), { code: 'VALIDATION' });
      return this.redrive.redrive(v.value);
    });
  }
}
