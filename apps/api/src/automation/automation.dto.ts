import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional, OmitType, PickType } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import {
  ACTION_STATES,
  ActionDecisionRequestV1,
  ActionRuleUpdateRequestV1,
  type ActionState,
  AutomationSetRequestV1,
} from '@ams/contracts';
import { problemErrors } from '../common/api-exception.filter';
import { ID_MESSAGE, ID_PATTERN, LimitQueryDto } from '../common/pagination.dto';

/** Rule and action ids: bigserial, as the contracts accept them. */
export const NUMERIC_ID = /^\d{1,18}$/;
const NUMERIC_MESSAGE = '$property must be a numeric id (digits, at most 18)';

export class ActionRulesQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  advertiserId?: string;
}

/** PATCH /v1/action-rules/{id}: the update command without its id (taken from the path). */
export class ActionRulePatchDto extends OmitType(ActionRuleUpdateRequestV1, ['id'] as const) {}

export class ActionsQueryDto extends LimitQueryDto {
  @ApiPropertyOptional({ enum: ACTION_STATES })
  @IsOptional()
  @IsIn(ACTION_STATES, { message: `$property must be one of ${ACTION_STATES.join(', ')}` })
  state?: ActionState;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  advertiserId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(NUMERIC_ID, { message: NUMERIC_MESSAGE })
  ruleId?: string;

  @ApiPropertyOptional({ description: 'actions with a lower id: the nextBefore of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(NUMERIC_ID, { message: NUMERIC_MESSAGE })
  before?: string;
}

/** approve / reject / revert: who decides is the calling key; a note is optional. */
export class ActionDecisionDto extends PickType(ActionDecisionRequestV1, ['note'] as const) {}

/** PUT /v1/automation: the kill switch and per-advertiser caps; who changed them is the calling key. */
export class AutomationPutDto extends OmitType(AutomationSetRequestV1, ['by'] as const) {}

/** 400 for problems written `<field>: <reason>` (actionRuleProblems): the same body as a shape refusal. */
export function problemsException(problems: string[]): BadRequestException {
  return new BadRequestException({
    statusCode: 400,
    error: 'Bad Request',
    code: 'VALIDATION',
    message: problems,
    errors: problemErrors(problems),
  });
}
