import { Body, Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  ACTION_APPROVE,
  ACTION_REJECT,
  ACTION_REVERT,
  type ActionDecisionRequestV1,
  type ActionV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { RequireScope } from '../auth/scope';
import { Audit } from '../audit/audit.decorator';
import { ThrottledGuard } from '../common/throttled.guard';
import { AUTOMATION_COMMAND_TIMEOUT_MS, checkId } from './action-rules.http.controller';
import { ActionsRepository, actionView } from './actions.repository';
import { ActionDecisionDto, ActionsQueryDto } from './automation.dto';

const target = (req: { params: Record<string, unknown> }) => `action:${String(req.params['id'])}`;

/**
 * Proposed and executed actions with their audit trail, read from `automation_action` (newest first, keyset by id),
 * and the operator's decisions on them, sent to the connector (which owns their execution): approve a pending one,
 * reject it, or revert a done one. The connector's CONFLICT (e.g. the value changed at Amazon since) is a 409 with
 * its explanation. A key limited to advertisers sees and decides only their actions; anything else is 404.
 */
@ApiTags('automation')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/actions')
export class ActionsHttpController {
  constructor(
    private readonly repo: ActionsRepository,
    private readonly messaging: JetStreamService,
  ) {}

  @Get()
  async list(
    @Query() q: ActionsQueryDto,
    @CurrentPrincipal() who: Principal,
  ): Promise<{ data: ActionV1[]; nextBefore: string | null }> {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    const rows = await this.repo.list({
      state: q.state,
      advertiserIds,
      ruleId: q.ruleId,
      before: q.before,
      limit: q.limit + 1,
    });
    const data = rows.slice(0, q.limit).map(actionView);
    return { data, nextBefore: rows.length > q.limit ? (data[data.length - 1]?.id ?? null) : null };
  }

  @Get(':id')
  async one(@Param('id') id: string, @CurrentPrincipal() who: Principal): Promise<ActionV1> {
    checkId(id);
    const row = await this.repo.one(id);
    if (!row || !mayAccess(who, row.advertiser_id)) throw notFound(`action ${id} does not exist`);
    return actionView(row);
  }

  /** A pending_approval action is queued; its guards are judged again right before it executes. */
  @Post(':id/approve')
  @HttpCode(200)
  @RequireScope('operator')
  @Audit('action.approve', target)
  async approve(@Param('id') id: string, @Body() body: ActionDecisionDto, @CurrentPrincipal() who: Principal) {
    return this.messaging.request(ACTION_APPROVE, await this.decision(id, body, who), AUTOMATION_COMMAND_TIMEOUT_MS);
  }

  @Post(':id/reject')
  @HttpCode(200)
  @RequireScope('operator')
  @Audit('action.reject', target)
  async reject(@Param('id') id: string, @Body() body: ActionDecisionDto, @CurrentPrincipal() who: Principal) {
    return this.messaging.request(ACTION_REJECT, await this.decision(id, body, who), AUTOMATION_COMMAND_TIMEOUT_MS);
  }

  /** Restores the value before a done action, if Amazon still reports the value it set (else 409, explained). */
  @Post(':id/revert')
  @HttpCode(200)
  @RequireScope('operator')
  @Audit('action.revert', target)
  async revert(@Param('id') id: string, @Body() body: ActionDecisionDto, @CurrentPrincipal() who: Principal) {
    return this.messaging.request(ACTION_REVERT, await this.decision(id, body, who), AUTOMATION_COMMAND_TIMEOUT_MS);
  }

  /** The command's request, once the key may decide on this action (a managed key: its advertisers only). */
  private async decision(id: string, body: ActionDecisionDto, who: Principal): Promise<ActionDecisionRequestV1> {
    checkId(id);
    if (who.advertiserIds !== null && !mayAccess(who, await this.repo.advertiserOf(id))) {
      throw notFound(`action ${id} does not exist`);
    }
    const request: ActionDecisionRequestV1 = {
      id,
      by: who.id,
      ...(body?.note !== undefined ? { note: body.note } : {}),
    };
    return request;
  }
}
