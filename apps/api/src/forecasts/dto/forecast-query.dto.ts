import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches } from 'class-validator';

const ID = /^[A-Za-z0-9._-]{1,64}$/;
const ID_MESSAGE = { message: '$property must be an id of letters, digits, . _ -' };
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export class BudgetForecastQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID, ID_MESSAGE) advertiserId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(ID, ID_MESSAGE) campaignId?: string;
  @ApiPropertyOptional({ description: 'a portfolio budget: its pacing from its campaigns (campaignId must be absent)' })
  @IsOptional()
  @IsString()
  @Matches(ID, ID_MESSAGE)
  portfolioId?: string;
}

export class PerformanceForecastQueryDto {
  @ApiProperty() @IsString() @Matches(ID, ID_MESSAGE) campaignId!: string;
  @ApiPropertyOptional({ description: 'the campaign is looked up under this advertiser (required for limited keys)' })
  @IsOptional()
  @IsString()
  @Matches(ID, ID_MESSAGE)
  advertiserId?: string;

  @ApiProperty({ description: 'first advertiser-local date, YYYY-MM-DD (inclusive)' })
  @IsString()
  @Matches(DATE, { message: '$property must be a date YYYY-MM-DD' })
  from!: string;

  @ApiProperty({ description: 'last advertiser-local date, YYYY-MM-DD (inclusive; at most 14 days, up to tomorrow)' })
  @IsString()
  @Matches(DATE, { message: '$property must be a date YYYY-MM-DD' })
  to!: string;
}
