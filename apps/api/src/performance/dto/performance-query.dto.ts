import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { ATTRIBUTION_WINDOWS, type AttributionWindow } from '@ams/ams';
import { IsCalendarDateOrInstant } from '@ams/contracts';

const ID = /^[A-Za-z0-9._-]{1,64}$/;
export const GROUP_BY = ['campaign', 'adGroup', 'ad', 'keyword', 'placement'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export class PerformanceQueryDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ID, { message: '$property must be an id of letters, digits, . _ -' })
  advertiserId?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(ID, { message: '$property must be an id of letters, digits, . _ -' })
  campaignId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID) adGroupId?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID) keywordId?: string;

  @ApiPropertyOptional({ description: 'inclusive: a date (advertiser-local day) or an ISO-8601 instant with offset' })
  @IsString()
  @IsCalendarDateOrInstant()
  from!: string;

  @ApiPropertyOptional({ description: 'a date is inclusive (whole local day); an instant is exclusive' })
  @IsString()
  @IsCalendarDateOrInstant()
  to!: string;

  @ApiPropertyOptional({ enum: ['hour', 'day'] })
  @IsOptional()
  @IsIn(['hour', 'day'])
  granularity: 'hour' | 'day' = 'hour';

  @ApiPropertyOptional({ enum: GROUP_BY })
  @IsOptional()
  @IsIn(GROUP_BY as unknown as string[])
  groupBy?: GroupBy;

  @ApiPropertyOptional({ enum: ATTRIBUTION_WINDOWS, description: 'default: SP 7d, SB/SD 14d' })
  @IsOptional()
  @IsIn(ATTRIBUTION_WINDOWS as unknown as string[])
  attributionWindow?: AttributionWindow;

  @ApiPropertyOptional({ default: 500, maximum: 5000 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(5000)
  limit: number = 500;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(512) cursor?: string;
}
