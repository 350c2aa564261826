import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { isSteadyDataset, SUPPORTED_DATASETS } from '@ams/ams';
import type { StreamSubscriptionStatus } from '@ams/contracts';
import type { SubscriptionSnapshot } from './ads-health.logic';

/** A firing alert of a subscription rule, as much as resolving it needs. */
export interface FiringSubscriptionAlert {
  ruleId: string;
  advertiserId: string;
  subscriptionId: string;
  details: Record<string, unknown>;
}

interface SubscriptionRow {
  subscription_id: string;
  profile_id: string;
  advertiser_id: string | null;
  profile_active: boolean | null;
  data_set_id: string;
  destination_arn: string | null;
  status: StreamSubscriptionStatus;
  status_since: Date;
  last_received_at: Date | null;
}

/**
 * Reads (never writes) what the Ads API health rules judge: the connector's `ads_stream_subscription` and `ads_profile`,
 * the processor's `dataset_freshness`, and the alerter's own firing subscription alerts (to resolve those whose
 * subscription went away).
 */
@Injectable()
export class AdsHealthRepository {
  /** Subscriptions the stale-data rule judges now: ACTIVE, of an active profile, of a steady dataset we ingest. */
  async staleCandidates(em: EntityManager): Promise<string[]> {
    const rows = (await em.query(
      `SELECT s.subscription_id
         FROM ads_stream_subscription s JOIN ads_profile p ON p.profile_id = s.profile_id
        WHERE s.status = 'ACTIVE' AND p.active AND s.data_set_id = ANY($1::text[])
        ORDER BY s.subscription_id`,
      [SUPPORTED_DATASETS.filter(isSteadyDataset)],
    )) as Array<{ subscription_id: string }>;
    return rows.map((r) => r.subscription_id);
  }

  /** These subscriptions as stored, with their profile and the freshness of their advertiser's dataset. */
  async subscriptions(
    em: EntityManager,
    ids: string[],
  ): Promise<Array<SubscriptionSnapshot & { lastReceivedAt: Date | null }>> {
    if (!ids.length) return [];
    const rows = (await em.query(
      `SELECT s.subscription_id, s.profile_id, p.advertiser_id, p.active AS profile_active, s.data_set_id,
              s.destination_arn, s.status, s.status_since, f.last_received_at
         FROM ads_stream_subscription s
         LEFT JOIN ads_profile p ON p.profile_id = s.profile_id
         LEFT JOIN dataset_freshness f ON f.advertiser_id = p.advertiser_id AND f.dataset_id = s.data_set_id
        WHERE s.subscription_id = ANY($1::text[])`,
      [ids],
    )) as SubscriptionRow[];
    return rows.map((r) => ({
      subscriptionId: r.subscription_id,
      profileId: r.profile_id,
      advertiserId: r.advertiser_id,
      profileActive: r.profile_active === true,
      dataSetId: r.data_set_id,
      destinationArn: r.destination_arn,
      status: r.status,
      statusSince: r.status_since.toISOString(),
      lastReceivedAt: r.last_received_at,
    }));
  }

  /**
   * Firing alerts of these rules at entity level `subscription`: of the given subscriptions, or (`profileIds`) of any
   * subscription of those profiles (the profile is kept in the alert's details).
   */
  async firing(
    em: EntityManager,
    ruleIds: string[],
    by: { subscriptionIds?: string[]; profileIds?: string[] },
  ): Promise<FiringSubscriptionAlert[]> {
    if (!ruleIds.length) return [];
    const rows = (await em.query(
      `SELECT rule_id::text AS rule_id, advertiser_id, entity_id, last_details
         FROM alert
        WHERE state = 'firing' AND entity_type = 'subscription' AND rule_id = ANY($1::bigint[])
          AND ($2::text[] IS NULL OR entity_id = ANY($2::text[]))
          AND ($3::text[] IS NULL OR last_details->>'profileId' = ANY($3::text[]))
        ORDER BY id`,
      [ruleIds, by.subscriptionIds ?? null, by.profileIds ?? null],
    )) as Array<{ rule_id: string; advertiser_id: string; entity_id: string; last_details: Record<string, unknown> }>;
    return rows.map((r) => ({
      ruleId: r.rule_id,
      advertiserId: r.advertiser_id,
      subscriptionId: r.entity_id,
      details: r.last_details ?? {},
    }));
  }
}
