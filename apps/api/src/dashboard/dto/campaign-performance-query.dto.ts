import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN } from '../../common/pagination.dto';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTRIBUTION_WINDOWS, type AttributionWindow } from '@ams/ams';
import { IsCalendarDateOrInstant } from '@ams/contracts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
export const BREAKDOWNS = ['campaign', 'adGroup', 'keyword'] as const;
export type Breakdown = (typeof BREAKDOWNS)[number];

/**
 * A range of advertiser-local days (both inclusive) for the totals and daily values of every campaign, or of every ad
 * group or keyword (of one campaign with `campaignId`).
 */
export class CampaignPerformanceQueryDto {
  @ApiProperty({ description: 'first advertiser-local day, YYYY-MM-DD' })
  @IsString()
  @Matches(DATE, { message: '$property must be a date YYYY-MM-DD' })
  @IsCalendarDateOrInstant()
  from!: string;

  @ApiProperty({ description: 'last advertiser-local day (inclusive), YYYY-MM-DD' })
  @IsString()
  @Matches(DATE, { message: '$property must be a date YYYY-MM-DD' })
  @IsCalendarDateOrInstant()
  to!: string;

  @ApiPropertyOptional({ enum: ATTRIBUTION_WINDOWS, description: "default: the advertiser's setting" })
  @IsOptional()
  @IsIn(ATTRIBUTION_WINDOWS as unknown as string[])
  attributionWindow?: AttributionWindow;

  @ApiPropertyOptional({ enum: BREAKDOWNS, default: 'campaign' })
  @IsOptional()
  @IsIn(BREAKDOWNS as unknown as string[])
  groupBy: Breakdown = 'campaign';

  @ApiPropertyOptional({ description: 'only this campaign (its ad groups or keywords)' })
  @IsOptional()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  campaignId?: string;
}
