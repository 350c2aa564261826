import { Injectable, OnModuleInit } from '@nestjs/common';
import { ALERT_RULE_CREATE, ALERT_RULE_DELETE, ALERT_RULE_LIST, ALERT_RULE_UPDATE } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { RulesService } from './rules.service';

/**
 * Rule commands over NATS request/reply (replicas share them through the queue group). Requests arrive validated
 * against their contract classes, unknown fields refused (the messaging module answers VALIDATION otherwise).
 */
@Injectable()
export class RulesCommandsController implements OnModuleInit {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly rules: RulesService,
  ) {}

  onModuleInit(): void {
    this.messaging.reply(ALERT_RULE_CREATE, (req) => this.rules.create(req));
    this.messaging.reply(ALERT_RULE_UPDATE, (req) => this.rules.update(req));
    this.messaging.reply(ALERT_RULE_DELETE, (req) => this.rules.remove(req.id));
    this.messaging.reply(ALERT_RULE_LIST, (req) => this.rules.list(req.includeDisabled ?? true));
  }
}
