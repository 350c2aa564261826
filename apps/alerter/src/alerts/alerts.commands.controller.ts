import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  ALERT_ACKNOWLEDGE,
  ALERT_OUTBOX_RETRY,
  ALERT_SNOOZE,
  AlertAcknowledgeRequestV1,
  AlertSnoozeRequestV1,
  AlertV1,
  CommandError,
  OutboxRetryReplyV1,
  OutboxRetryRequestV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { OutboxRepository } from '../delivery/outbox.repository';
import { OutboxSenderService } from '../delivery/outbox-sender.service';
import { AlertsRepository } from './alerts.repository';

/** Acknowledge, snooze, and retry failed notifications, over NATS request/reply (requests arrive validated). */
@Injectable()
export class AlertsCommandsController implements OnModuleInit {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly alerts: AlertsRepository,
    private readonly outbox: OutboxRepository,
    private readonly sender: OutboxSenderService,
  ) {}

  onModuleInit(): void {
    this.messaging.reply(ALERT_ACKNOWLEDGE, (req) => this.acknowledge(req));
    this.messaging.reply(ALERT_SNOOZE, (req) => this.snooze(req));
    this.messaging.reply(ALERT_OUTBOX_RETRY, (req) => this.retry(req));
  }

  async acknowledge(req: AlertAcknowledgeRequestV1): Promise<AlertV1> {
    const alert = await this.alerts.acknowledge(req.alertId, req.by ?? null);
    if (!alert) throw new CommandError('NOT_FOUND', `alert ${req.alertId} not found`);
    return alert;
  }

  async snooze(req: AlertSnoozeRequestV1): Promise<AlertV1> {
    const hasUntil = Object.prototype.hasOwnProperty.call(req, 'until') && req.until !== undefined;
    if (hasUntil === (req.minutes !== undefined)) {
      throw new CommandError('VALIDATION', 'give either until (an ISO time, or null to end the snooze) or minutes');
    }
    const until =
      req.minutes !== undefined ? new Date(Date.now() + req.minutes * 60_000) : req.until ? new Date(req.until) : null;
    const alert = await this.alerts.snooze(req.alertId, until, req.by ?? null);
    if (!alert) throw new CommandError('NOT_FOUND', `alert ${req.alertId} not found`);
    return alert;
  }

  async retry(req: OutboxRetryRequestV1): Promise<OutboxRetryReplyV1> {
    const requeued = await this.outbox.requeueFailed(req.ids);
    if (requeued) this.sender.kick();
    return { requeued };
  }
}
