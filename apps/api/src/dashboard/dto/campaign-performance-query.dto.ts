import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ATTRIBUTION_WINDOWS, type AttributionWindow } from '@ams/ams';
import { IsCalendarDateOrInstant } from '@ams/contracts';

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A range of advertiser-local days (both inclusive) for every campaign's totals and daily values. */
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
}
