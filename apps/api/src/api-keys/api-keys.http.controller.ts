import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
} from 'class-validator';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { ApiKeyRow, ApiKeysRepository, keyDigest, newKey } from '../auth/api-keys.repository';
import { CurrentPrincipal, notFound, Principal } from '../auth/principal';
import { RequireScope, Scope, SCOPES } from '../auth/scope';
import { Audit } from '../audit/audit.decorator';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { ID_MESSAGE, ID_PATTERN, PageQueryDto } from '../common/pagination.dto';
import { ThrottledGuard } from '../common/throttled.guard';

class CreateApiKeyDto {
  @ApiProperty({ description: 'who or what the key is for' })
  @IsString()
  @MinLength(1)
  @MaxLength(120)
  name!: string;

  @ApiProperty({ enum: SCOPES })
  @IsIn(SCOPES as unknown as string[])
  scope!: Scope;

  @ApiPropertyOptional({
    type: [String],
    description: 'the only advertisers the key may see (read/operator keys); absent: all',
  })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @IsString({ each: true })
  @Matches(ID_PATTERN, { each: true, message: ID_MESSAGE })
  advertiserIds?: string[];
}

const NUMERIC_ID = /^\d{1,18}$/;

function view(r: ApiKeyRow) {
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    advertiserIds: r.advertiser_ids,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    lastUsedAt: r.last_used_at?.toISOString() ?? null,
    revokedAt: r.revoked_at?.toISOString() ?? null,
  };
}

/** Keys for people and clients (admin). The key itself is shown once, in the answer to its creation. */
@ApiTags('api-keys')
@ApiBearerAuth()
@RequireScope('admin')
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/api-keys')
export class ApiKeysHttpController {
  constructor(private readonly repo: ApiKeysRepository) {}

  /** Creates a key; the answer's `key` is the only time it is shown (only its SHA-256 digest is stored). */
  @Post()
  @Audit('api-key.create')
  async create(@Body() body: CreateApiKeyDto, @CurrentPrincipal() who: Principal) {
    if (body.advertiserIds && body.scope === 'admin')
      throw badRequest('advertiserIds', 'cannot restrict an admin key (use read or operator)');
    const key = newKey();
    const row = await this.repo.create({
      name: body.name,
      scope: body.scope,
      advertiserIds: body.advertiserIds ? [...new Set(body.advertiserIds)] : null,
      digest: keyDigest(key),
      createdBy: who.id,
    });
    return { ...view(row), key };
  }

  /** Every managed key (not the environment's), with its last use (about a minute's resolution). */
  @Get()
  async list(@Query() q: PageQueryDto) {
    const after = q.cursor ? decodeCursor(q.cursor, 1)[0] : undefined;
    if (after !== undefined && !NUMERIC_ID.test(after))
      throw badRequest('cursor', 'is not a cursor returned by this endpoint');
    const rows = await this.repo.list({ after, limit: q.limit + 1 });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.id]);
    return { data: data.map(view), nextCursor };
  }

  /** Revokes a key: from the next request on, on every replica, it gets 403 KEY_REVOKED. */
  @Delete(':id')
  @HttpCode(200)
  @Audit('api-key.revoke', (req) => `api-key:${String(req.params['id'])}`)
  async revoke(@Param('id') id: string) {
    if (!NUMERIC_ID.test(id)) throw badRequest('id', 'must be a numeric id');
    const row = await this.repo.revoke(id);
    if (!row) throw notFound(`api key ${id} does not exist`);
    return view(row);
  }
}
