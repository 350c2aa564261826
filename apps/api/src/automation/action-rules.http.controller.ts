import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  ACTION_RULE_CREATE,
  ACTION_RULE_DELETE,
  ACTION_RULE_LIST,
  ACTION_RULE_UPDATE,
  ActionRuleCreateRequestV1,
  type ActionRuleDeleteReplyV1,
  type ActionRuleDraft,
  actionRuleProblems,
  type ActionRuleV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { RequireScope } from '../auth/scope';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';
import { ActionRulePatchDto, ActionRulesQueryDto, NUMERIC_ID, problemsException } from './automation.dto';
import { AutomationRepository, type RuleRow } from './automation.repository';

export const AUTOMATION_COMMAND_TIMEOUT_MS = 10_000;

export function checkId(id: string): void {
  if (!NUMERIC_ID.test(id)) throw badRequest('id', 'must be a numeric id');
}

/** The rule a PATCH would leave, as actionRuleProblems judges it (trigger, action and guards replace whole). */
function patched(row: RuleRow, body: ActionRulePatchDto): ActionRuleDraft {
  const scopeType = body.scopeType ?? row.scope_type;
  const scopeId =
    body.scopeId !== undefined ? body.scopeId : body.scopeType === 'advertiser' ? null : (row.scope_id ?? null);
  return {
    entityLevel: row.entity_level,
    scopeType,
    scopeId,
    trigger: body.trigger ?? row.trigger,
    action: body.action ?? row.action,
    guards: body.guards ?? row.guards,
  };
}

/**
 * Action rules (guarded automation): every read and change goes through the alerter, which owns `action_rule`. The
 * semantic checks (actionRuleProblems) run here too, so a rule that cannot work is a 400 naming the field even while
 * the alerter is down. Changes need operator scope; a key limited to advertisers sees and touches only their rules
 * (anything else is 404).
 */
@ApiTags('automation')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/action-rules')
export class ActionRulesHttpController {
  constructor(
    private readonly repo: AutomationRepository,
    private readonly messaging: JetStreamService,
  ) {}

  /** Live rules (deleted ones are not listed), optionally of one advertiser. */
  @Get()
  async list(@Query() q: ActionRulesQueryDto, @CurrentPrincipal() who: Principal): Promise<{ data: ActionRuleV1[] }> {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    const reply = await this.messaging.request(
      ACTION_RULE_LIST,
      q.advertiserId ? { advertiserId: q.advertiserId } : {},
      AUTOMATION_COMMAND_TIMEOUT_MS,
    );
    return { data: reply.rules.filter((r) => !advertiserIds || advertiserIds.includes(r.advertiserId)) };
  }

  @Get(':id')
  async one(@Param('id') id: string, @CurrentPrincipal() who: Principal): Promise<ActionRuleV1> {
    const row = await this.visible(id, who);
    const reply = await this.messaging.request(
      ACTION_RULE_LIST,
      { advertiserId: row.advertiser_id },
      AUTOMATION_COMMAND_TIMEOUT_MS,
    );
    const rule = reply.rules.find((r) => r.id === id);
    if (!rule) throw notFound(`action rule ${id} does not exist`);
    return rule;
  }

  @Post()
  @RequireScope('operator')
  @Audit('action-rule.create')
  create(@Body() body: ActionRuleCreateRequestV1, @CurrentPrincipal() who: Principal): Promise<ActionRuleV1> {
    if (!mayAccess(who, body.advertiserId)) throw notFound(`advertiser ${body.advertiserId} does not exist`);
    const problems = actionRuleProblems(body);
    if (problems.length) throw problemsException(problems);
    return this.messaging.request(ACTION_RULE_CREATE, body, AUTOMATION_COMMAND_TIMEOUT_MS);
  }

  @Patch(':id')
  @RequireScope('operator')
  @Audit('action-rule.update', (req) => `action-rule:${String(req.params['id'])}`)
  async update(
    @Param('id') id: string,
    @Body() body: ActionRulePatchDto,
    @CurrentPrincipal() who: Principal,
  ): Promise<ActionRuleV1> {
    const row = await this.visible(id, who);
    const problems = actionRuleProblems(patched(row, body));
    if (problems.length) throw problemsException(problems);
    return this.messaging.request(ACTION_RULE_UPDATE, { ...body, id }, AUTOMATION_COMMAND_TIMEOUT_MS);
  }

  /** The rule stops proposing; its actions and their audit stay (GET /v1/actions?ruleId). */
  @Delete(':id')
  @HttpCode(200)
  @RequireScope('operator')
  @Audit('action-rule.delete', (req) => `action-rule:${String(req.params['id'])}`)
  async remove(@Param('id') id: string, @CurrentPrincipal() who: Principal): Promise<ActionRuleDeleteReplyV1> {
    await this.visible(id, who);
    return this.messaging.request(ACTION_RULE_DELETE, { id }, AUTOMATION_COMMAND_TIMEOUT_MS);
  }

  /** A live rule this key may see (404 otherwise, as if it did not exist). */
  private async visible(id: string, who: Principal): Promise<RuleRow> {
    checkId(id);
    const row = await this.repo.liveRule(id);
    if (!row || !mayAccess(who, row.advertiser_id)) throw notFound(`action rule ${id} does not exist`);
    return row;
  }
}
