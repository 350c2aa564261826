import {
  Body,
  Controller,
  Delete,
  ForbiddenException,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  type AdsEntitiesSyncReplyV1,
  type AdsProfilesSyncReplyV1,
  CONNECTOR_ENTITIES_SYNC,
  CONNECTOR_PROFILES_SYNC,
  CONNECTOR_SUBSCRIPTION_ARCHIVE,
  CONNECTOR_SUBSCRIPTION_CREATE,
  CONNECTOR_SUBSCRIPTIONS_POLL,
  type StreamSubscriptionCreateReplyV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { ApiKeyGuard } from '../auth/api-key.guard';
import { advertiserFilter, CurrentPrincipal, mayAccess, notFound, Principal } from '../auth/principal';
import { satisfies } from '../auth/scope';
import { Audit } from '../audit/audit.decorator';
import { badRequest, decodeCursor, page } from '../common/cursor';
import { ThrottledGuard } from '../common/throttled.guard';
import { EntitiesSyncDto, ProfilesQueryDto, StreamSubscriptionCreateDto, StreamSubscriptionsQueryDto } from './ads.dto';
import { AdsRepository, type ProfileRow, type StreamSubscriptionRow, type SyncStateRow } from './ads.repository';

/**
 * How long each command may take. A sync lists every page of every entity type of every profile asked (paged, with
 * retries on 429): minutes for a big account. A subscription create is one call per dataset; archive and poll are short.
 */
export const ADS_COMMAND_TIMEOUT_MS = {
  profilesSync: 60_000,
  entitiesSync: 300_000,
  subscriptionCreate: 60_000,
  subscriptionArchive: 30_000,
  subscriptionsPoll: 30_000,
} as const;

/** An archive path parameter: what the contract accepts (no spaces, at most 255). */
const SUBSCRIPTION_ID = /^[A-Za-z0-9._:-]{1,255}$/;

/**
 * The Amazon Ads API connection as the connector keeps it: its state, profiles and Marketing Stream subscriptions
 * (read from the connector's tables), and the commands that change them (sent to the connector over NATS; admin).
 * Advertiser-limited keys see only their advertisers' profiles and subscriptions; anything else is 404.
 */
@ApiTags('ads')
@ApiBearerAuth()
@UseGuards(ApiKeyGuard, ThrottledGuard)
@Controller('v1/ads')
export class AdsHttpController {
  constructor(
    private readonly repo: AdsRepository,
    private readonly messaging: JetStreamService,
  ) {}

  /**
   * The connection: configured (credentials given), region, state, last token refresh, last error, and each sync's
   * last run. Never a secret. `configured: false, state: unconfigured` until the connector has written its state.
   */
  @Get('connection')
  async connection(@CurrentPrincipal() who: Principal) {
    const [row, syncs] = await Promise.all([
      this.repo.connection(),
      this.repo.syncStates(who.advertiserIds ?? undefined),
    ]);
    const state = row?.state ?? 'unconfigured';
    return {
      configured: state !== 'unconfigured',
      region: row?.region ?? null,
      state,
      lastTokenRefreshAt: iso(row?.last_token_refresh_at),
      lastError: row?.last_error ?? null,
      lastErrorAt: iso(row?.last_error_at),
      updatedAt: iso(row?.updated_at),
      syncs: syncs.map(syncView),
    };
  }

  /** Amazon profiles the connector listed: one per advertiser and marketplace, with its time zone and account type. */
  @Get('profiles')
  async profiles(@Query() q: ProfilesQueryDto, @CurrentPrincipal() who: Principal) {
    const after = q.cursor ? decodeCursor(q.cursor, 1)[0] : undefined;
    const rows = await this.repo.profiles({
      advertiserIds: who.advertiserIds ?? undefined,
      active: q.active === undefined ? undefined : q.active === 'true',
      after,
      limit: q.limit + 1,
    });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.profile_id]);
    return { data: data.map(profileView), nextCursor };
  }

  /** Lists the profiles of every region at Amazon now (the connector also does it every ADS_PROFILE_SYNC_MINUTES). */
  @Post('profiles/sync')
  @HttpCode(200)
  @Audit('ads.profiles.sync', () => 'ads:profiles')
  profilesSync(): Promise<AdsProfilesSyncReplyV1> {
    return this.messaging.request(CONNECTOR_PROFILES_SYNC, {}, ADS_COMMAND_TIMEOUT_MS.profilesSync);
  }

  /** Syncs campaigns, ad groups, keywords and targets of one profile (or every active one) now. */
  @Post('entities/sync')
  @HttpCode(200)
  @Audit('ads.entities.sync', (req) => `ads:profile:${String((req.body as { profileId?: unknown })?.profileId ?? '*')}`)
  entitiesSync(@Body() body: EntitiesSyncDto): Promise<AdsEntitiesSyncReplyV1> {
    return this.messaging.request(
      CONNECTOR_ENTITIES_SYNC,
      body.profileId ? { profileId: body.profileId } : {},
      ADS_COMMAND_TIMEOUT_MS.entitiesSync,
    );
  }

  /**
   * Marketing Stream subscriptions as the connector last read them from Amazon (every ADS_SUBSCRIPTION_POLL_MINUTES).
   * `refresh=true` has the connector read them from Amazon first (operator or admin; a key limited to advertisers must
   * name the profile).
   */
  @Get('stream-subscriptions')
  async subscriptions(@Query() q: StreamSubscriptionsQueryDto, @CurrentPrincipal() who: Principal) {
    const advertiserIds = advertiserFilter(who, undefined);
    if (q.profileId && advertiserIds) await this.checkProfile(q.profileId, who);
    if (q.refresh === 'true') {
      if (!satisfies(who.scope, 'operator')) {
        throw new ForbiddenException({
          statusCode: 403,
          code: 'SCOPE_REQUIRED',
          requiredScope: 'operator',
          message: `refresh=true needs an API key of scope operator; this key's scope is ${who.scope}`,
        });
      }
      if (advertiserIds && !q.profileId) {
        throw badRequest('profileId', 'is required with refresh=true for a key limited to advertisers');
      }
      await this.messaging.request(
        CONNECTOR_SUBSCRIPTIONS_POLL,
        q.profileId ? { profileId: q.profileId } : {},
        ADS_COMMAND_TIMEOUT_MS.subscriptionsPoll,
      );
    }
    const after = q.cursor ? decodeCursor(q.cursor, 1)[0] : undefined;
    const rows = await this.repo.subscriptions({ advertiserIds, profileId: q.profileId, after, limit: q.limit + 1 });
    const { data, nextCursor } = page(rows, q.limit, (r) => [r.subscription_id]);
    return { data: data.map(subscriptionView), nextCursor };
  }

  /**
   * Subscribes a profile to datasets at one SQS queue: one result per dataset, `created`, `reused` (a non-archived
   * subscription of the same dataset and destination exists, or the same request was made before) or `failed` with
   * Amazon's error. Repeating the request creates nothing twice.
   */
  @Post('stream-subscriptions')
  @HttpCode(200)
  @Audit('ads.stream-subscription.create', (req) => {
    const b = req.body as { profileId?: unknown; destinationArn?: unknown };
    return `ads:profile:${String(b?.profileId)}:${String(b?.destinationArn)}`;
  })
  create(@Body() body: StreamSubscriptionCreateDto): Promise<StreamSubscriptionCreateReplyV1> {
    const { profileId, dataSetIds, destinationArn, notes } = body;
    return this.messaging.request(
      CONNECTOR_SUBSCRIPTION_CREATE,
      { profileId, dataSetIds, destinationArn, ...(notes === undefined ? {} : { notes }) },
      ADS_COMMAND_TIMEOUT_MS.subscriptionCreate,
    );
  }

  /** Archives a subscription at Amazon (the only status that can be set); 404 for one the connector has not seen. */
  @Delete('stream-subscriptions/:subscriptionId')
  @Audit('ads.stream-subscription.archive', (req) => `ads:subscription:${String(req.params['subscriptionId'])}`)
  async archive(@Param('subscriptionId') subscriptionId: string, @CurrentPrincipal() who: Principal) {
    if (!SUBSCRIPTION_ID.test(subscriptionId)) {
      throw badRequest('subscriptionId', 'must be a subscription id (letters, digits, . _ : -, at most 255)');
    }
    const owner = await this.repo.subscriptionOwner(subscriptionId);
    if (!owner || !mayAccess(who, owner.advertiser_id)) {
      throw notFound(`stream subscription ${subscriptionId} is unknown (GET ?refresh=true reads Amazon's list)`);
    }
    const archived = await this.messaging.request(
      CONNECTOR_SUBSCRIPTION_ARCHIVE,
      { subscriptionId },
      ADS_COMMAND_TIMEOUT_MS.subscriptionArchive,
    );
    // the connector's reply is the subscription as Amazon now has it, in the same shape as the list's rows
    return { ...archived, advertiserId: archived.advertiserId ?? owner.advertiser_id };
  }

  /** 404 for a profile the key may not see (or that the connector has not listed), never 403. */
  private async checkProfile(profileId: string, who: Principal): Promise<void> {
    const advertiser = await this.repo.advertiserOfProfile(profileId);
    if (!mayAccess(who, advertiser)) throw notFound(`profile ${profileId} does not exist`);
  }
}

function iso(d: Date | string | null | undefined): string | null {
  if (d === null || d === undefined) return null;
  return typeof d === 'string' ? new Date(d).toISOString() : d.toISOString();
}

function syncView(r: SyncStateRow) {
  return {
    kind: r.kind,
    scope: r.scope,
    status: r.status,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    lastSuccessAt: iso(r.last_success_at),
    error: r.error,
    counts: r.counts,
  };
}

function profileView(r: ProfileRow) {
  return {
    profileId: r.profile_id,
    advertiserId: r.advertiser_id,
    region: r.region,
    marketplaceId: r.marketplace_id,
    countryCode: r.country_code,
    currencyCode: r.currency_code,
    timeZone: r.time_zone,
    accountType: r.account_type,
    accountSubType: r.account_sub_type,
    name: r.account_name,
    dailyBudget: r.daily_budget,
    active: r.active,
    syncedAt: iso(r.synced_at),
  };
}

function subscriptionView(r: StreamSubscriptionRow) {
  return {
    subscriptionId: r.subscription_id,
    profileId: r.profile_id,
    advertiserId: r.advertiser_id,
    dataSetId: r.data_set_id,
    destinationArn: r.destination_arn,
    status: r.status,
    statusSince: iso(r.status_since),
    notes: r.notes,
    createdDate: iso(r.created_date),
    updatedDate: iso(r.updated_date),
    polledAt: iso(r.polled_at),
  };
}
