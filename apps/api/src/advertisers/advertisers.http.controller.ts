import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, ValidateNested } from 'class-validator';
import { DataSource } from 'typeorm';
import { ATTRIBUTION_WINDOWS, type AttributionWindow } from '@ams/ams';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ID_PATTERN } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';

const WINDOWS = ATTRIBUTION_WINDOWS as unknown as string[];

class AttributionWindowsDto {
  @ApiPropertyOptional({ enum: WINDOWS }) @IsOptional() @IsIn(WINDOWS) sp?: AttributionWindow;
  @ApiPropertyOptional({ enum: WINDOWS }) @IsOptional() @IsIn(WINDOWS) sb?: AttributionWindow;
  @ApiPropertyOptional({ enum: WINDOWS }) @IsOptional() @IsIn(WINDOWS) sd?: AttributionWindow;
}

class AdvertiserSettingsDto {
  @ApiPropertyOptional({ type: AttributionWindowsDto, description: 'default window for orders/sales/units per ad product' })
  @IsOptional() @ValidateNested() @Type(() => AttributionWindowsDto)
  attributionWindow?: AttributionWindowsDto;
}

interface SettingRow {
  attribution_window_sp: AttributionWindow;
  attribution_window_sb: AttributionWindow;
  attribution_window_sd: AttributionWindow;
  updated_at: Date | null;
}

/** Per-advertiser settings: the attribution window that "orders/sales/units" use by default. */
@ApiTags('advertisers')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/advertisers/:advertiserId/settings')
export class AdvertisersHttpController {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  @Get()
  async get(@Param('advertiserId') advertiserId: string, @CurrentPrincipal() who: Principal) {
    check(advertiserId, who);
    const [row] = (await this.ds.query(
      `SELECT attribution_window_sp, attribution_window_sb, attribution_window_sd, updated_at FROM advertiser_setting WHERE advertiser_id = $1`,
      [advertiserId],
    )) as SettingRow[];
    return view(advertiserId, row ?? { attribution_window_sp: '7d', attribution_window_sb: '14d', attribution_window_sd: '14d', updated_at: null });
  }

  @Put()
  @Audit('settings.update', (req) => `advertiser:${String(req.params['advertiserId'])}`)
  async put(@Param('advertiserId') advertiserId: string, @Body() body: AdvertiserSettingsDto, @CurrentPrincipal() who: Principal) {
    check(advertiserId, who);
    const w = body.attributionWindow ?? {};
    const [row] = (await this.ds.query(
      `INSERT INTO advertiser_setting (advertiser_id, attribution_window_sp, attribution_window_sb, attribution_window_sd)
       VALUES ($1, coalesce($2, '7d'), coalesce($3, '14d'), coalesce($4, '14d'))
       ON CONFLICT (advertiser_id) DO UPDATE SET
         attribution_window_sp = coalesce($2, advertiser_setting.attribution_window_sp),
         attribution_window_sb = coalesce($3, advertiser_setting.attribution_window_sb),
         attribution_window_sd = coalesce($4, advertiser_setting.attribution_window_sd),
         updated_at = now()
       RETURNING attribution_window_sp, attribution_window_sb, attribution_window_sd, updated_at`,
      [advertiserId, w.sp ?? null, w.sb ?? null, w.sd ?? null],
    )) as SettingRow[];
    return view(advertiserId, row);
  }
}

function check(advertiserId: string, who: Principal): void {
  if (!ID_PATTERN.test(advertiserId)) throw badRequest('advertiserId', 'must be an id of letters, digits, . _ -');
  if (!mayAccess(who, advertiserId)) throw notFound(`advertiser ${advertiserId} does not exist`);
}

function view(advertiserId: string, r: SettingRow) {
  return {
    advertiserId,
    attributionWindow: { sp: r.attribution_window_sp, sb: r.attribution_window_sb, sd: r.attribution_window_sd },
    updatedAt: r.updated_at?.toISOString() ?? null,
  };
}
