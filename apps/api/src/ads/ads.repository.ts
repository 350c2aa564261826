import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ReadDb } from '../replica/read-db.service';

export interface ConnectionRow {
  region: string;
  state: string;
  last_token_refresh_at: Date | null;
  last_error: string | null;
  last_error_at: Date | null;
  updated_at: Date;
}

export interface SyncStateRow {
  kind: string;
  scope: string;
  status: string;
  started_at: Date;
  finished_at: Date | null;
  last_success_at: Date | null;
  error: string | null;
  counts: Record<string, number>;
}

export interface ProfileRow {
  profile_id: string;
  region: string;
  advertiser_id: string;
  marketplace_id: string;
  country_code: string;
  currency_code: string;
  time_zone: string;
  account_type: string;
  account_name: string | null;
  account_sub_type: string | null;
  daily_budget: string | null;
  active: boolean;
  synced_at: Date;
}

export interface StreamSubscriptionRow {
  subscription_id: string;
  profile_id: string;
  advertiser_id: string | null;
  data_set_id: string;
  destination_arn: string | null;
  status: string;
  status_since: Date;
  notes: string | null;
  created_date: Date | null;
  updated_date: Date | null;
  polled_at: Date;
}

/**
 * Reads the connector's tables (`ads_connection`, `ads_sync_state`, `ads_profile`, `ads_stream_subscription`; the
 * connector is their only writer; changes go through its commands). Never a secret: the tables hold none.
 * `advertiserIds` limits every list to those advertisers' profiles (undefined: no limit).
 */
@Injectable()
export class AdsRepository {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly read: ReadDb,
  ) {}

  async connection(): Promise<ConnectionRow | undefined> {
    const [row] = (await this.read.query(
      `SELECT region, state, last_token_refresh_at, last_error, last_error_at, updated_at FROM ads_connection
        WHERE id = 'default'`,
    )) as ConnectionRow[];
    return row;
  }

  /** Every sync's last run; an advertiser-limited caller sees the profiles syncs and its own profiles' runs only. */
  async syncStates(advertiserIds?: string[]): Promise<SyncStateRow[]> {
    const params: unknown[] = [];
    const where = advertiserIds
      ? `WHERE kind = 'profiles' OR scope IN (SELECT profile_id FROM ads_profile WHERE advertiser_id = ANY($${params.push(advertiserIds)}::text[]))`
      : '';
    return (await this.read.query(
      `SELECT kind, scope, status, started_at, finished_at, last_success_at, error, counts FROM ads_sync_state ${where}
        ORDER BY kind, scope`,
      params,
    )) as SyncStateRow[];
  }

  /** Profiles in profile-id (text) order after `after`. */
  async profiles(f: {
    advertiserIds?: string[];
    active?: boolean;
    after?: string;
    limit: number;
  }): Promise<ProfileRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    if (f.advertiserIds) where.push(`advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.active !== undefined) where.push(`active = ${p(f.active)}`);
    if (f.after) where.push(`profile_id > ${p(f.after)}`);
    return (await this.read.query(
      `SELECT profile_id, region, advertiser_id, marketplace_id, country_code, currency_code, time_zone, account_type,
              account_name, account_sub_type, daily_budget::text, active, synced_at
         FROM ads_profile ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY profile_id LIMIT ${p(f.limit)}`,
      params,
    )) as ProfileRow[];
  }

  /** The advertiser of a profile the connector has listed, undefined when it has not. */
  async advertiserOfProfile(profileId: string): Promise<string | undefined> {
    const [row] = (await this.ds.query(`SELECT advertiser_id FROM ads_profile WHERE profile_id = $1`, [
      profileId,
    ])) as Array<{ advertiser_id: string }>;
    return row?.advertiser_id;
  }

  /** Subscriptions in id order after `after`, with their profile's advertiser (null when the profile is unknown). */
  async subscriptions(f: {
    advertiserIds?: string[];
    profileId?: string;
    after?: string;
    limit: number;
  }): Promise<StreamSubscriptionRow[]> {
    const params: unknown[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    const where: string[] = [];
    // a limited key sees only subscriptions of profiles known to belong to its advertisers
    if (f.advertiserIds) where.push(`p.advertiser_id = ANY(${p(f.advertiserIds)}::text[])`);
    if (f.profileId) where.push(`s.profile_id = ${p(f.profileId)}`);
    if (f.after) where.push(`s.subscription_id > ${p(f.after)}`);
    return (await this.read.query(
      `SELECT s.subscription_id, s.profile_id, p.advertiser_id, s.data_set_id, s.destination_arn, s.status,
              s.status_since, s.notes, s.created_date, s.updated_date, s.polled_at
         FROM ads_stream_subscription s LEFT JOIN ads_profile p ON p.profile_id = s.profile_id
         ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY s.subscription_id LIMIT ${p(f.limit)}`,
      params,
    )) as StreamSubscriptionRow[];
  }

  /** One subscription's profile and advertiser, undefined when the connector has not seen it. */
  async subscriptionOwner(
    subscriptionId: string,
  ): Promise<{ profile_id: string; advertiser_id: string | null } | undefined> {
    const [row] = (await this.ds.query(
      `SELECT s.profile_id, p.advertiser_id FROM ads_stream_subscription s
         LEFT JOIN ads_profile p ON p.profile_id = s.profile_id WHERE s.subscription_id = $1`,
      [subscriptionId],
    )) as Array<{ profile_id: string; advertiser_id: string | null }>;
    return row;
  }
}
