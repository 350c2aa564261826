import { ApiProperty } from '@nestjs/swagger';
import { IsString, Matches } from 'class-validator';
import { ID_MESSAGE, ID_PATTERN } from '../../common/pagination.dto';

export class EventsQueryDto {
  /** The advertiser whose changes the stream carries (required: a stream is never for every advertiser). */
  @ApiProperty()
  @IsString()
  @Matches(ID_PATTERN, { message: ID_MESSAGE })
  advertiserId!: string;
}
