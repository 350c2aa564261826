import { Injectable, OnModuleInit } from '@nestjs/common';
import {
  AlertRuleCreateRequestV1,
  AlertRuleDeleteRequestV1,
  AlertRuleListRequestV1,
  AlertRuleUpdateRequestV1,
  COMMAND_SUBJECTS,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { commandPayload } from '../command.payload';
import { RulesService } from './rules.service';

/** Rule commands over NATS request/reply (replicas share them through the queue group). */
@Injectable()
export class RulesCommandsController implements OnModuleInit {
  constructor(
    private readonly messaging: JetStreamService,
    private readonly rules: RulesService,
  ) {}

  onModuleInit(): void {
    this.messaging.reply(COMMAND_SUBJECTS.alertRuleCreate, (req) => this.rules.create(commandPayload(AlertRuleCreateRequestV1, req)));
    this.messaging.reply(COMMAND_SUBJECTS.alertRuleUpdate, (req) => this.rules.update(commandPayload(AlertRuleUpdateRequestV1, req)));
    this.messaging.reply(COMMAND_SUBJECTS.alertRuleDelete, (req) => this.rules.remove(commandPayload(AlertRuleDeleteRequestV1, req).id));
    this.messaging.reply(COMMAND_SUBJECTS.alertRuleList, (req) =>
      this.rules.list(commandPayload(AlertRuleListRequestV1, req).includeDisabled ?? true),
    );
  }
}
