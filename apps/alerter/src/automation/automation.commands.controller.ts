import { Injectable, OnModuleInit } from '@nestjs/common';
import { ACTION_RULE_CREATE, ACTION_RULE_DELETE, ACTION_RULE_LIST, ACTION_RULE_UPDATE } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ActionRulesService } from './action-rules.service';

/** Action-rule commands over NATS request/reply (validated against their contract classes by the messaging module). */
@Injectable()
export class AutomationCommandsController implements OnModuleInit {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly rules: ActionRulesService,
  ) {}

  onModuleInit(): void {
    this.messaging.reply(ACTION_RULE_CREATE, (req) => this.rules.create(req));
    this.messaging.reply(ACTION_RULE_UPDATE, (req) => this.rules.update(req));
    this.messaging.reply(ACTION_RULE_DELETE, (req) => this.rules.remove(req.id));
    this.messaging.reply(ACTION_RULE_LIST, (req) => this.rules.list(req.advertiserId));
  }
}
