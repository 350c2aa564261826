import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AdsApiClient, Page } from '@ams/ads-api';
import { type AdsEntitiesSyncReplyV1, CommandError } from '@ams/contracts';
import { AdsConnectionService } from '../connection/ads-connection.service';
import { describeFailure, REAUTHORIZE_MESSAGE } from '../connection/ads-errors.logic';
import { connectorMetrics } from '../connector.metrics';
import { type KnownProfile, ProfilesRepository } from '../profiles/profiles.repository';
import { SyncStateRepository } from '../sync/sync-state.repository';
import { EntitiesRepository } from './entities.repository';
import {
  type EntityContext,
  type EntityRow,
  sbAdGroupRow,
  sbCampaignRow,
  sbKeywordRow,
  sbTargetRow,
  sdAdGroupRow,
  sdCampaignRow,
  sdTargetRow,
  spAdGroupRow,
  spCampaignRow,
  spKeywordRow,
  spTargetRow,
} from './entity-row.logic';

/** One listing of the entity sync: its pages and how an item becomes a row. */
interface Listing {
  name: string;
  pages: (client: AdsApiClient, profileId: string) => AsyncGenerator<Page<unknown>>;
  row: (item: never, ctx: EntityContext) => EntityRow;
}

const ALL_STATES = ['ENABLED', 'PAUSED', 'ARCHIVED'] as Array<'ENABLED' | 'PAUSED' | 'ARCHIVED'>;

const SD_STATES = ['enabled', 'paused', 'archived'] as Array<'enabled' | 'paused' | 'archived'>;
/** SB v3 keywords in every state, moderation (`pending`) and `draft` included */
const SB_V3_STATES = ['enabled', 'paused', 'archived', 'pending', 'draft'] as Array<
  'enabled' | 'paused' | 'archived' | 'pending' | 'draft'
>;

/**
 * What the client offers, in order: SP campaigns, ad groups, keywords, targets; SB campaigns, ad groups, keywords,
 * targets; SD campaigns, ad groups, targets. Each asks for every state (the lists leave archived out by default).
 * SB targets take no state filter (Amazon's default is not documented; the TARGETING_STATE filter type is not
 * confirmed by a source).
 */
export const LISTINGS: readonly Listing[] = [
  { name: 'spCampaigns', pages: (c, p) => c.spCampaignPages(p, { stateFilter: ALL_STATES }), row: spCampaignRow },
  { name: 'spAdGroups', pages: (c, p) => c.spAdGroupPages(p, { stateFilter: ALL_STATES }), row: spAdGroupRow },
  { name: 'spKeywords', pages: (c, p) => c.spKeywordPages(p, { stateFilter: ALL_STATES }), row: spKeywordRow },
  { name: 'spTargets', pages: (c, p) => c.spTargetPages(p, { stateFilter: ALL_STATES }), row: spTargetRow },
  { name: 'sbCampaigns', pages: (c, p) => c.sbCampaignPages(p, { stateFilter: ALL_STATES }), row: sbCampaignRow },
  { name: 'sbAdGroups', pages: (c, p) => c.sbAdGroupPages(p, { stateFilter: ALL_STATES }), row: sbAdGroupRow },
  { name: 'sbKeywords', pages: (c, p) => c.sbKeywordPages(p, { stateFilter: SB_V3_STATES }), row: sbKeywordRow },
  { name: 'sbTargets', pages: (c, p) => c.sbTargetPages(p), row: sbTargetRow },
  { name: 'sdCampaigns', pages: (c, p) => c.sdCampaignPages(p, { stateFilter: SD_STATES }), row: sdCampaignRow },
  { name: 'sdAdGroups', pages: (c, p) => c.sdAdGroupPages(p, { stateFilter: SD_STATES }), row: sdAdGroupRow },
  { name: 'sdTargets', pages: (c, p) => c.sdTargetPages(p, { stateFilter: SD_STATES }), row: sdTargetRow },
];

export type ProfileSyncResult = AdsEntitiesSyncReplyV1['results'][number];

/**
 * The entity sync of a profile: every listing, page by page (memory holds one page), written into `ads_entity` inside
 * ONE transaction. Any failure (a malformed page, an HTML page, truncated JSON, a 4xx, retries exhausted, the
 * database) rolls the whole profile back, so nothing is half-written, and its `ads_sync_state` row says `failed` with
 * the reason. Entities the listing no longer returns are left as they are.
 */
@Injectable()
export class EntitySyncService {
  private readonly logger = new Logger(EntitySyncService.name);

  constructor(
    private readonly connection: AdsConnectionService,
    private readonly profiles: ProfilesRepository,
    private readonly entities: EntitiesRepository,
    private readonly state: SyncStateRepository,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  /** Every active profile, or one (call under the `entities` lock). */
  async syncAll(profileId?: string): Promise<AdsEntitiesSyncReplyV1> {
    this.connection.requireClient();
    let profiles: KnownProfile[];
    if (profileId) {
      const p = await this.profiles.find(profileId);
      if (!p)
        throw new CommandError(
          'NOT_FOUND',
          `profile ${profileId} is not known to the connector (sync the profiles first)`,
        );
      profiles = [p];
    } else profiles = await this.profiles.active();
    const results: ProfileSyncResult[] = [];
    for (const p of profiles) {
      if (!this.connection.usable) {
        results.push({
          profileId: p.profileId,
          status: 'failed',
          counts: {},
          error: `not run: ${REAUTHORIZE_MESSAGE}`,
        });
        continue;
      }
      results.push(await this.syncProfile(p));
    }
    return { results };
  }

  async syncProfile(profile: KnownProfile): Promise<ProfileSyncResult> {
    const end = connectorMetrics.syncDuration.startTimer({ kind: 'entities' });
    const counts: Record<string, number> = Object.fromEntries(LISTINGS.map((l) => [l.name, 0]));
    counts['pages'] = 0;
    await this.state.started('entities', profile.profileId, new Date());
    const runner = this.ds.createQueryRunner();
    try {
      const client = this.connection.clientFor(profile.region);
      await runner.connect();
      await runner.startTransaction();
      for (const listing of LISTINGS) {
        counts[listing.name] = await this.copyListing(listing, client, profile, runner.manager, counts);
      }
      await runner.commitTransaction();
      this.connection.noteSuccess();
      await this.state.succeeded('entities', profile.profileId, counts);
      for (const l of LISTINGS) connectorMetrics.syncItems.inc({ kind: 'entities', item: l.name }, counts[l.name]);
      end({ outcome: 'ok' });
      this.logger.log({ profileId: profile.profileId, ...counts }, 'entities synced');
      return { profileId: profile.profileId, status: 'ok', counts };
    } catch (err) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      this.connection.noteFailure(err);
      const error = describeFailure(err);
      await this.state.failed('entities', profile.profileId, error, counts).catch(() => undefined);
      connectorMetrics.syncFailures.inc({ kind: 'entities' });
      end({ outcome: 'failed' });
      this.logger.warn({ profileId: profile.profileId, error }, 'entity sync failed: nothing of it was written');
      return { profileId: profile.profileId, status: 'failed', counts, error };
    } finally {
      await runner.release();
    }
  }

  /** Pages of one listing into the transaction; `observed_at` of a page is when its request was sent. */
  private async copyListing(
    listing: Listing,
    client: AdsApiClient,
    profile: KnownProfile,
    em: EntityManager,
    counts: Record<string, number>,
  ): Promise<number> {
    const pages = listing.pages(client, profile.profileId);
    let n = 0;
    for (;;) {
      const sentAt = new Date();
      const next = await pages.next();
      if (next.done) return n;
      const ctx: EntityContext = {
        profileId: profile.profileId,
        advertiserId: profile.advertiserId,
        marketplaceId: profile.marketplaceId,
        currencyCode: profile.currencyCode,
        observedAt: sentAt,
      };
      const rows = next.value.items.map((item) => listing.row(item as never, ctx));
      await this.entities.writePage(em, rows);
      n += rows.length;
      counts['pages']++;
    }
  }
}
