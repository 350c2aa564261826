import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags, OmitType } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { Type } from 'class-transformer';
import {
  ALERT_ACKNOWLEDGE,
  ALERT_RULE_CREATE,
  ALERT_RULE_DELETE,
  ALERT_RULE_UPDATE,
  ALERT_SNOOZE,
  AlertRuleCreateRequestV1,
  AlertRuleDeleteReplyV1,
  AlertRuleUpdateRequestV1,
  AlertRuleV1,
  AlertV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { RequireScope } from '../auth/scope';
import { Audit } from '../audit/audit.decorator';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { AdvertiserPageQueryDto, ID_MESSAGE, ID_PATTERN } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { AlertRow, AlertsRepository } from './alerts.repository';

const COMMAND_TIMEOUT_MS = 10_000;
const NUMERIC_ID = /^\d{1,18}$/;

class AlertsQueryDto extends AdvertiserPageQueryDto {
  @ApiPropertyOptional({ enum: ['firing', 'resolved'] })
  @IsOptional()
  @IsIn(['firing', 'resolved'])
  state?: 'firing' | 'resolved';

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  campaignId?: string;

  @ApiPropertyOptional({ description: 'fired at or after (ISO-8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;
}

class AcknowledgeDto {
  @ApiPropertyOptional({ description: 'who acknowledged' })
  @IsOptional()
  @IsString()
  @MaxLength(120)
  by?: string;
}

class SnoozeDto {
  @ApiPropertyOptional({ description: 'ISO-8601 instant; null ends a snooze' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string | null;

  @ApiPropertyOptional({ description: 'alternative to until' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60 * 24 * 90)
  minutes?: number;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(120)
  by?: string;
}

class AlertRulePatchDto extends OmitType(AlertRuleUpdateRequestV1, ['id'] as const) {}

const iso = (d: Date | null) => d?.toISOString() ?? null;

function alertView(r: AlertRow) {
  return {
    id: r.id,
    state: r.state,
    severity: r.severity,
    rule: { id: r.rule_id, name: r.rule_name, metric: r.metric },
    advertiserId: r.advertiser_id,
    entity: { type: r.entity_type, id: r.entity_id, name: r.entity_name, campaignId: r.campaign_id },
    window: r.window_start ? { start: iso(r.window_start), end: iso(r.window_end), key: r.window_key } : null,
    value: r.last_value,
    baseline: r.last_baseline,
    changePct: r.last_change_pct,
    threshold: r.threshold,
    acknowledged: r.acknowledged,
    acknowledgedBy: r.acknowledged_by,
    snoozedUntil: iso(r.snoozed_until),
    firedAt: iso(r.fired_at),
    resolvedAt: iso(r.resolved_at),
    lastNotifiedAt: iso(r.last_notified_at),
  };
}

function ruleView(r: Record<string, unknown>) {
  const d = (v: unknown) => (v instanceof Date ? v.toISOString() : v);
  return {
    id: r['id'],
    defaultKey: r['default_key'],
    name: r['name'],
    metric: r['metric'],
    condition: r['condition'],
    threshold: r['threshold'],
    baseline: r['baseline'],
    windowHours: r['window_hours'],
    entityLevel: r['entity_level'],
    scopeType: r['scope_type'],
    scopeId: r['scope_id'],
    minImpressions: Number(r['min_impressions']),
    minClicks: Number(r['min_clicks']),
    minSpend: r['min_spend'],
    settlingHours: r['settling_hours'],
    severity: r['severity'],
    destination: r['destination'],
    repeatIntervalMinutes: r['repeat_interval_minutes'],
    enabled: r['enabled'],
    customized: r['customized'],
    createdAt: d(r['created_at']),
    updatedAt: d(r['updated_at']),
  };
}

function ruleVisible(who: Principal, r: Record<string, unknown>): boolean {
  if (who.advertiserIds === null || r['scope_type'] === 'all') return true;
  return r['scope_type'] === 'advertiser' && mayAccess(who, r['scope_id'] as string | null);
}

function checkId(field: string, id: string): void {
  if (!NUMERIC_ID.test(id)) throw badRequest(field, 'must be a numeric id');
}

@ApiTags('alerts')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/alerts')
export class AlertsHttpController {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly messaging: JetStreamService,
  ) {}

  /** Alerts newest first; filter by state, advertiser, campaign, time. */
  @Get()
  async list(@Query() q: AlertsQueryDto, @CurrentPrincipal() who: Principal) {
    const advertiserIds = advertiserFilter(who, q.advertiserId);
    const after = q.cursor ? (decodeCursor(q.cursor, 2) as [string, string]) : undefined;
    if (after && (!NUMERIC_ID.test(after[1]) || Number.isNaN(Date.parse(after[0]))))
      throw badRequest('cursor', 'is not a cursor returned by this endpoint');
    const rows = await this.repo.list({
      state: q.state,
      advertiserIds,
      campaignId: q.campaignId,
      since: q.since,
      after,
      limit: q.limit + 1,
    });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.fired_at.toISOString(), r.id]);
    return { data: data.map(alertView), nextCursor };
  }

  /** One alert with its history (every state change) and its notifications. */
  @Get(':id')
  async one(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    checkId('id', id);
    const row = await this.repo.one(id);
    if (!row || !mayAccess(who, row.advertiser_id)) throw notFound(`alert ${id} does not exist`);
    const [history, notifications] = await Promise.all([this.repo.history(id), this.repo.notifications(id)]);
    return { ...alertView(row), history, notifications };
  }

  @Post(':id/acknowledge')
  @HttpCode(200)
  @RequireScope('operator')
  @Audit('alert.acknowledge', (req) => `alert:${String(req.params['id'])}`)
  async acknowledge(
    @Param('id') id: string,
    @Body() body: AcknowledgeDto,
    @CurrentPrincipal() who: Principal,
  ): Promise<AlertV1> {
    checkId('id', id);
    await this.visible(id, who);
    return this.messaging.request(ALERT_ACKNOWLEDGE, { alertId: id, ...body }, COMMAND_TIMEOUT_MS);
  }

  @Post(':id/snooze')
  @HttpCode(200)
  @RequireScope('operator')
  @Audit('alert.snooze', (req) => `alert:${String(req.params['id'])}`)
  async snooze(@Param('id') id: string, @Body() body: SnoozeDto, @CurrentPrincipal() who: Principal): Promise<AlertV1> {
    checkId('id', id);
    await this.visible(id, who);
    if (body.until === undefined && body.minutes === undefined) throw badRequest('until', 'or minutes is required');
    return this.messaging.request(ALERT_SNOOZE, { alertId: id, ...body }, COMMAND_TIMEOUT_MS);
  }

  /** A key limited to advertisers may command only their alerts: the others are 404, as if they did not exist. */
  private async visible(id: string, who: Principal): Promise<void> {
    if (who.advertiserIds === null) return;
    const advertiserId = await this.repo.advertiserOf(id);
    if (!mayAccess(who, advertiserId)) throw notFound(`alert ${id} does not exist`);
  }
}

@ApiTags('alert-rules')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/alert-rules')
export class AlertRulesHttpController {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly messaging: JetStreamService,
  ) {}

  /** Every rule; a key limited to advertisers sees the rules for all advertisers and those scoped to its own. */
  @Get()
  async list(@CurrentPrincipal() who: Principal) {
    return { data: (await this.repo.rules()).filter((r) => ruleVisible(who, r)).map(ruleView) };
  }

  @Get(':id')
  async one(@Param('id') id: string, @CurrentPrincipal() who: Principal) {
    checkId('id', id);
    const [row] = await this.repo.rules(id);
    if (!row || !ruleVisible(who, row)) throw notFound(`alert rule ${id} does not exist`);
    return ruleView(row);
  }

  @Post()
  @Audit('rule.create')
  create(@Body() body: AlertRuleCreateRequestV1): Promise<AlertRuleV1> {
    return this.messaging.request(ALERT_RULE_CREATE, body, COMMAND_TIMEOUT_MS);
  }

  @Patch(':id')
  @Audit('rule.update', (req) => `alert-rule:${String(req.params['id'])}`)
  update(@Param('id') id: string, @Body() body: AlertRulePatchDto): Promise<AlertRuleV1> {
    checkId('id', id);
    return this.messaging.request(ALERT_RULE_UPDATE, { ...body, id }, COMMAND_TIMEOUT_MS);
  }

  @Delete(':id')
  @HttpCode(200)
  @Audit('rule.delete', (req) => `alert-rule:${String(req.params['id'])}`)
  remove(@Param('id') id: string): Promise<AlertRuleDeleteReplyV1> {
    checkId('id', id);
    return this.messaging.request(ALERT_RULE_DELETE, { id }, COMMAND_TIMEOUT_MS);
  }
}
