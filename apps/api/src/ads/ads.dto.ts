import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches } from 'class-validator';
import {
  AdsEntitiesSyncRequestV1,
  DATASET_ID,
  PROFILE_ID,
  SQS_QUEUE_ARN,
  StreamSubscriptionCreateRequestV1,
} from '@ams/contracts';
import { PageQueryDto } from '../common/pagination.dto';

/**
 * The bodies are the connector's contract classes (libs/contracts `ads.ts`): the api refuses what the connector would,
 * with the same rules, as a 400 naming each field, before any command is sent. The OpenAPI descriptions are added here.
 */
export class StreamSubscriptionCreateDto extends StreamSubscriptionCreateRequestV1 {}
ApiProperty({
  description: 'Amazon profile id (exact digits)',
  pattern: PROFILE_ID.source,
  example: '3391875528456890',
})(StreamSubscriptionCreateDto.prototype, 'profileId');
ApiProperty({
  description: 'Marketing Stream datasets to subscribe (one subscription each)',
  type: [String],
  minItems: 1,
  maxItems: 50,
  example: ['sp-traffic', 'sp-conversion', 'budget-usage'],
  items: { type: 'string', pattern: DATASET_ID.source },
})(StreamSubscriptionCreateDto.prototype, 'dataSetIds');
ApiProperty({
  description: 'SQS queue ARN Amazon delivers to',
  pattern: SQS_QUEUE_ARN.source,
  example: 'arn:aws:sqs:us-east-1:123456789012:ams-sp-traffic',
})(StreamSubscriptionCreateDto.prototype, 'destinationArn');
ApiPropertyOptional({ maxLength: 128 })(StreamSubscriptionCreateDto.prototype, 'notes');

export class EntitiesSyncDto extends AdsEntitiesSyncRequestV1 {}
ApiPropertyOptional({ description: 'one profile (exact digits); every active profile when absent' })(
  EntitiesSyncDto.prototype,
  'profileId',
);

export class ProfilesQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['true', 'false'], description: 'only active (listed by Amazon) or inactive ones' })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'active must be true or false' })
  active?: 'true' | 'false';
}

export class StreamSubscriptionsQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ description: 'one profile (exact digits)' })
  @IsOptional()
  @IsString()
  @Matches(PROFILE_ID, { message: 'profileId must be an Amazon profile id (digits)' })
  profileId?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'ask the connector to read the statuses from Amazon first (operator or admin)',
  })
  @IsOptional()
  @IsIn(['true', 'false'], { message: 'refresh must be true or false' })
  refresh?: 'true' | 'false';
}
