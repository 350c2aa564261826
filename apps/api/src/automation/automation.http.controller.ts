import { Body, Controller, Get, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { compareDecimal } from '@ams/ams';
import { AUTOMATION_SET, type AutomationStateV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, Principal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';
import { ApiEnv } from '../config/api.env';
import { AUTOMATION_COMMAND_TIMEOUT_MS } from './action-rules.http.controller';
import { AutomationPutDto } from './automation.dto';
import { AutomationRepository } from './automation.repository';

/**
 * The kill switch and the daily caps on budget increases. GET reads the connector's tables and the environment
 * (AUTOMATION_ENABLED, AUTOMATION_MAX_DAILY_BUDGET_INCREASE: one ConfigMap with the connector); PUT (admin, the
 * default for a non-GET route) is the connector's AUTOMATION_SET, recorded with the calling key.
 */
@ApiTags('automation')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/automation')
export class AutomationHttpController {
  constructor(
    private readonly repo: AutomationRepository,
    private readonly env: ApiEnv,
    private readonly messaging: JetStreamService,
  ) {}

  /** What executes now; a key limited to advertisers sees only their caps. */
  @Get()
  async get(@CurrentPrincipal() who: Principal): Promise<AutomationStateV1> {
    const [setting, limits] = await Promise.all([
      this.repo.setting(),
      this.repo.limits(who.advertiserIds ?? undefined),
    ]);
    const switchEnabled = setting?.enabled ?? true;
    return {
      enabled: switchEnabled && this.env.AUTOMATION_ENABLED,
      switchEnabled,
      envEnabled: this.env.AUTOMATION_ENABLED,
      updatedBy: setting?.updated_by ?? null,
      updatedAt: setting?.updated_at.toISOString() ?? null,
      defaultMaxDailyBudgetIncrease: this.env.AUTOMATION_MAX_DAILY_BUDGET_INCREASE,
      advertiserLimits: limits.map((l) => ({
        advertiserId: l.advertiser_id,
        maxDailyBudgetIncrease: l.max_daily_budget_increase,
      })),
    };
  }

  /** `enabled` switches automation off or on; a limit of null returns the advertiser to the default cap. */
  @Put()
  @Audit('automation.set', () => 'automation')
  set(@Body() body: AutomationPutDto, @CurrentPrincipal() who: Principal): Promise<AutomationStateV1> {
    if (body.enabled === undefined && body.advertiserLimits === undefined) {
      throw badRequest('enabled', 'or advertiserLimits is required');
    }
    body.advertiserLimits?.forEach((l, i) => {
      if (l.maxDailyBudgetIncrease != null && compareDecimal(l.maxDailyBudgetIncrease, '0') < 0) {
        throw badRequest(`advertiserLimits.${i}.maxDailyBudgetIncrease`, 'must not be negative');
      }
    });
    return this.messaging.request(AUTOMATION_SET, { ...body, by: who.id }, AUTOMATION_COMMAND_TIMEOUT_MS);
  }
}
