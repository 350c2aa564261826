import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsOptional, ValidateNested } from 'class-validator';
import { ATTRIBUTION_WINDOWS, type AttributionWindow } from '@ams/ams';
import { accountDefaultAttributionWindow } from '@ams/db';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { Audit } from '../audit/audit.decorator';
import { badRequest } from '../common/cursor';
import { ID_PATTERN } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';
import {
  type AdvertiserProfileRow,
  AdvertiserSettingsRepository,
  type SettingRow,
} from './advertiser-settings.repository';

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

/** What an advertiser without a row of its own uses: its Amazon account type's defaults (AMS's when unknown). */
function defaults(accountType: string | null): SettingRow {
  return {
    attribution_window_sp: accountDefaultAttributionWindow('sp', accountType),
    attribution_window_sb: accountDefaultAttributionWindow('sb', accountType),
    attribution_window_sd: accountDefaultAttributionWindow('sd', accountType),
    updated_at: null,
  };
}

/**
 * Per-advertiser settings: the attribution window that "orders/sales/units" use by default, and the advertiser's Amazon
 * profile (name, account type, IANA time zone) when the connector has listed it.
 */
@ApiTags('advertisers')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/advertisers/:advertiserId/settings')
export class AdvertisersHttpController {
  constructor(private readonly settings: AdvertiserSettingsRepository) {}

  @Get()
  async get(@Param('advertiserId') advertiserId: string, @CurrentPrincipal() who: Principal) {
    check(advertiserId, who);
    const [row, profile] = await Promise.all([this.settings.get(advertiserId), this.settings.profile(advertiserId)]);
    return view(advertiserId, row, profile);
  }

  @Put()
  @Audit('settings.update', (req) => `advertiser:${String(req.params['advertiserId'])}`)
  async put(
    @Param('advertiserId') advertiserId: string,
    @Body() body: AdvertiserSettingsDto,
    @CurrentPrincipal() who: Principal,
  ) {
    check(advertiserId, who);
    const profile = await this.settings.profile(advertiserId);
    const row = await this.settings.upsert(advertiserId, body.attributionWindow ?? {}, profile?.account_type ?? null);
    return view(advertiserId, row, profile);
  }
}

function check(advertiserId: string, who: Principal): void {
  if (!ID_PATTERN.test(advertiserId)) throw badRequest('advertiserId', 'must be an id of letters, digits, . _ -');
  if (!mayAccess(who, advertiserId)) throw notFound(`advertiser ${advertiserId} does not exist`);
}

function view(advertiserId: string, row: SettingRow | undefined, profile: AdvertiserProfileRow | undefined) {
  const base = defaults(profile?.account_type ?? null);
  const r = row ?? base;
  return {
    advertiserId,
    attributionWindow: { sp: r.attribution_window_sp, sb: r.attribution_window_sb, sd: r.attribution_window_sd },
    /** what applies to a product the advertiser has not set: its account type's defaults */
    defaultAttributionWindow: {
      sp: base.attribution_window_sp,
      sb: base.attribution_window_sb,
      sd: base.attribution_window_sd,
    },
    updatedAt: r.updated_at?.toISOString() ?? null,
    profile: profile
      ? {
          profileId: profile.profile_id,
          name: profile.account_name,
          accountType: profile.account_type,
          timeZone: profile.time_zone,
          countryCode: profile.country_code,
          marketplaceId: profile.marketplace_id,
          active: profile.active,
        }
      : null,
  };
}
