import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The Ads API connection's state (writer: connector): one row, never a secret. */
@Entity({ name: 'ads_connection' })
export class AdsConnectionEntity {
  @PrimaryColumn('text') id!: 'default';
  @Column('text') region!: 'NA' | 'EU' | 'FE';
  @Column('text') state!: 'unconfigured' | 'unauthorized' | 'authorized' | 'needs_reauthorization' | 'error';
  @Column('timestamptz', { name: 'last_token_refresh_at', nullable: true }) lastTokenRefreshAt!: Date | null;
  @Column('text', { name: 'last_error', nullable: true }) lastError!: string | null;
  @Column('timestamptz', { name: 'last_error_at', nullable: true }) lastErrorAt!: Date | null;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}

/** An Amazon Ads profile (writer: connector); `advertiserId` is the AMS advertiser_id (`accountInfo.id`). */
@Entity({ name: 'ads_profile' })
export class AdsProfileEntity {
  /** int64 as exact digits */
  @PrimaryColumn('text', { name: 'profile_id' }) profileId!: string;
  @Column('text') region!: 'NA' | 'EU' | 'FE';
  @Column('text', { name: 'advertiser_id' }) advertiserId!: string;
  @Column('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @Column('text', { name: 'country_code' }) countryCode!: string;
  @Column('text', { name: 'currency_code' }) currencyCode!: string;
  /** IANA time zone of the advertiser's local days */
  @Column('text', { name: 'time_zone' }) timeZone!: string;
  @Column('text', { name: 'account_type' }) accountType!: 'seller' | 'vendor' | 'agency';
  @Column('text', { name: 'account_name', nullable: true }) accountName!: string | null;
  @Column('text', { name: 'account_sub_type', nullable: true }) accountSubType!: string | null;
  @Column('numeric', { name: 'daily_budget', nullable: true }) dailyBudget!: string | null;
  /** false once a profile sync no longer lists it */
  @Column('boolean') active!: boolean;
  @Column('timestamptz', { name: 'first_seen_at' }) firstSeenAt!: Date;
  @Column('timestamptz', { name: 'synced_at' }) syncedAt!: Date;
}

/** The last run of one sync (writer: connector): profiles per region, entities or subscriptions per profile. */
@Entity({ name: 'ads_sync_state' })
export class AdsSyncStateEntity {
  @PrimaryColumn('text') kind!: 'profiles' | 'entities' | 'subscriptions';
  /** a region (profiles) or a profile id */
  @PrimaryColumn('text') scope!: string;
  @Column('text') status!: 'running' | 'ok' | 'failed';
  @Column('timestamptz', { name: 'started_at' }) startedAt!: Date;
  @Column('timestamptz', { name: 'finished_at', nullable: true }) finishedAt!: Date | null;
  @Column('timestamptz', { name: 'last_success_at', nullable: true }) lastSuccessAt!: Date | null;
  @Column('text', { nullable: true }) error!: string | null;
  @Column('jsonb') counts!: Record<string, number>;
}

/** A Marketing Stream subscription as last read from Amazon (writer: connector). */
@Entity({ name: 'ads_stream_subscription' })
export class AdsStreamSubscriptionEntity {
  @PrimaryColumn('text', { name: 'subscription_id' }) subscriptionId!: string;
  @Column('text', { name: 'profile_id' }) profileId!: string;
  @Column('text', { name: 'data_set_id' }) dataSetId!: string;
  @Column('text', { name: 'destination_arn', nullable: true }) destinationArn!: string | null;
  @Column('text') status!: string;
  /** when the connector first saw the current status */
  @Column('timestamptz', { name: 'status_since' }) statusSince!: Date;
  @Column('text', { name: 'client_request_token', nullable: true }) clientRequestToken!: string | null;
  @Column('text', { nullable: true }) notes!: string | null;
  @Column('timestamptz', { name: 'created_date', nullable: true }) createdDate!: Date | null;
  @Column('timestamptz', { name: 'updated_date', nullable: true }) updatedDate!: Date | null;
  @Column('timestamptz', { name: 'polled_at' }) polledAt!: Date;
}

/** A campaign, ad group, keyword or target as the entity sync read it (writer: connector). */
@Entity({ name: 'ads_entity' })
export class AdsEntityEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  /** AMS's vocabulary: keywords and product targets are both `target` (see targetKind) */
  @PrimaryColumn('text', { name: 'entity_type' }) entityType!: 'campaign' | 'ad_group' | 'target';
  @PrimaryColumn('text', { name: 'entity_id' }) entityId!: string;
  @Column('text', { name: 'profile_id' }) profileId!: string;
  @Column('text', { name: 'marketplace_id' }) marketplaceId!: string;
  @Column('text', { name: 'ad_product' }) adProduct!: 'SPONSORED_PRODUCTS' | 'SPONSORED_BRANDS' | 'SPONSORED_DISPLAY';
  @Column('text', { name: 'target_kind', nullable: true }) targetKind!: 'keyword' | 'target' | null;
  @Column('text', { name: 'campaign_id', nullable: true }) campaignId!: string | null;
  @Column('text', { name: 'ad_group_id', nullable: true }) adGroupId!: string | null;
  @Column('text', { name: 'portfolio_id', nullable: true }) portfolioId!: string | null;
  @Column('text', { nullable: true }) name!: string | null;
  @Column('text', { nullable: true }) state!: string | null;
  @Column('numeric', { name: 'budget_amount', nullable: true }) budgetAmount!: string | null;
  @Column('text', { name: 'budget_type', nullable: true }) budgetType!: string | null;
  @Column('text', { name: 'budget_currency', nullable: true }) budgetCurrency!: string | null;
  @Column('numeric', { nullable: true }) bid!: string | null;
  @Column('text', { name: 'match_type', nullable: true }) matchType!: string | null;
  @Column('timestamptz', { name: 'amazon_updated_at', nullable: true }) amazonUpdatedAt!: Date | null;
  /** when the listing request that returned this row was sent: Amazon's state as of then */
  @Column('timestamptz', { name: 'observed_at' }) observedAt!: Date;
  @Column('jsonb') raw!: Record<string, unknown>;
}

/** When each advertiser's dataset last delivered a record (writer: processor). */
@Entity({ name: 'dataset_freshness' })
export class DatasetFreshnessEntity {
  @PrimaryColumn('text', { name: 'advertiser_id' }) advertiserId!: string;
  @PrimaryColumn('text', { name: 'dataset_id' }) datasetId!: string;
  @Column('timestamptz', { name: 'last_received_at' }) lastReceivedAt!: Date;
  @Column('timestamptz', { name: 'latest_hour_start', nullable: true }) latestHourStart!: Date | null;
}
