import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, ValidateNested } from 'class-validator';
import { ATTRIBUTION_WINDOWS, type AttributionWindow, defaultAttributionWindow } from '@ams/ams';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ID_PATTERN } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import { AdvertiserSettingsRepository, type SettingRow } from './advertiser-settings.repository';

const WINDOWS = ATTRIBUTION_WINDOWS as unknown as string[];

class AttributionWindowsDto {
  @ApiPropertyOptional({ enum: WINDOWS }) @IsOptional() @IsIn(WINDOWS) sp?: AttributionWindow;
  @ApiPropertyOptional({ enum: WINDOWS }) @IsOptional() @IsIn(WINDOWS) sb?: AttributionWindow;
  @ApiPropertyOptional({ enum: WINDOWS }) @IsOptional() @IsIn(WINDOWS) sd?: AttributionWindow;
}

class AdvertiserSettingsDto {
  @ApiPropertyOptional({
    type: AttributionWindowsDto,
    description: 'default window for orders/sales/units per ad product',
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => AttributionWindowsDto)
  attributionWindow?: AttributionWindowsDto;
}

/** What an advertiser without a row of its own uses: AMS's defaults. */
const DEFAULT_SETTINGS: SettingRow = {
  attribution_window_sp: defaultAttributionWindow('sp'),
  attribution_window_sb: defaultAttributionWindow('sb'),
  attribution_window_sd: defaultAttributionWindow('sd'),
  updated_at: null,
};

/** Per-advertiser settings: the attribution window that "orders/sales/units" use by default. */
@ApiTags('advertisers')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/advertisers/:advertiserId/settings')
export class AdvertisersHttpController {
  constructor(private readonly settings: AdvertiserSettingsRepository) {}

  @Get()
  async get(@Param('advertiserId') advertiserId: string, @CurrentPrincipal() who: Principal) {
    check(advertiserId, who);
    return view(advertiserId, (await this.settings.get(advertiserId)) ?? DEFAULT_SETTINGS);
  }

  @Put()
  @Audit('settings.update', (req) => `advertiser:${String(req.params['advertiserId'])}`)
  async put(
    @Param('advertiserId') advertiserId: string,
    @Body() body: AdvertiserSettingsDto,
    @CurrentPrincipal() who: Principal,
  ) {
    check(advertiserId, who);
    const row = await this.settings.upsert(advertiserId, body.attributionWindow ?? {});
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
