import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { StreamSubscription } from '@ams/ads-api';
import type { StreamSubscriptionStatus, StreamSubscriptionV1 } from '@ams/contracts';

export interface StoredSubscription extends StreamSubscriptionV1 {
  profileActive: boolean;
}

/** The queue (or stream) a subscription delivers to: the legacy `destinationArn`, else the destination's ARN. */
export function destinationOf(s: Pick<StreamSubscription, 'destinationArn' | 'destination'>): string | null {
  return (
    s.destinationArn ??
    s.destination?.sqsDestination?.queueArn ??
    s.destination?.firehoseDestination?.deliveryStreamArn ??
    null
  );
}

/** `ads_stream_subscription` (writer: connector). */
@Injectable()
export class SubscriptionsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Stores a profile's subscriptions as Amazon listed them. `status_since` moves only when the status changes
   * (a new row: now); `polled_at` always. `tokens` adds the clientRequestToken of subscriptions we created.
   */
  async storePolled(
    profileId: string,
    subs: StreamSubscription[],
    polledAt: Date,
    tokens: ReadonlyMap<string, string> = new Map(),
  ): Promise<void> {
    if (!subs.length) return;
    const cols: unknown[][] = Array.from({ length: 8 }, () => []);
    const unique = [...new Map(subs.map((s) => [s.subscriptionId, s])).values()];
    for (const s of unique)
      [
        s.subscriptionId,
        s.dataSetId,
        destinationOf(s),
        s.status,
        tokens.get(s.subscriptionId) ?? s.clientRequestToken ?? null,
        s.notes ?? null,
        isoOrNull(s.createdDate),
        isoOrNull(s.updatedDate),
      ].forEach((v, i) => cols[i].push(v));
    await this.ds.query(
      `INSERT INTO ads_stream_subscription (subscription_id, profile_id, data_set_id, destination_arn, status,
                                            status_since, client_request_token, notes, created_date, updated_date,
                                            polled_at)
       SELECT subscription_id, $9, data_set_id, destination_arn, status, $10, client_request_token, notes,
              created_date, updated_date, $10
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::timestamptz[],
                   $8::timestamptz[])
         AS t(subscription_id, data_set_id, destination_arn, status, client_request_token, notes, created_date,
              updated_date)
       ON CONFLICT (subscription_id) DO UPDATE SET profile_id = EXCLUDED.profile_id,
         data_set_id = EXCLUDED.data_set_id, destination_arn = EXCLUDED.destination_arn, status = EXCLUDED.status,
         status_since = CASE WHEN ads_stream_subscription.status = EXCLUDED.status
                             THEN ads_stream_subscription.status_since ELSE EXCLUDED.status_since END,
         client_request_token = COALESCE(EXCLUDED.client_request_token, ads_stream_subscription.client_request_token),
         notes = EXCLUDED.notes, created_date = EXCLUDED.created_date, updated_date = EXCLUDED.updated_date,
         polled_at = EXCLUDED.polled_at`,
      [...cols, profileId, polledAt],
    );
  }

  async find(subscriptionId: string): Promise<StoredSubscription | undefined> {
    return (await this.select('s.subscription_id = $1', [subscriptionId]))[0];
  }

  /** The subscriptions of these profiles (without the archived ones unless asked). */
  async ofProfiles(profileIds: string[], withArchived: boolean): Promise<StoredSubscription[]> {
    if (!profileIds.length) return [];
    return this.select(`s.profile_id = ANY($1::text[])${withArchived ? '' : ` AND s.status <> 'ARCHIVED'`}`, [
      profileIds,
    ]);
  }

  private async select(where: string, params: unknown[]): Promise<StoredSubscription[]> {
    const rows = (await this.ds.query(
      `SELECT s.subscription_id, s.profile_id, p.advertiser_id, COALESCE(p.active, false) AS profile_active,
              s.data_set_id, s.destination_arn, s.status, s.status_since, s.notes, s.created_date, s.updated_date,
              s.polled_at
       FROM ads_stream_subscription s LEFT JOIN ads_profile p ON p.profile_id = s.profile_id
       WHERE ${where}
       ORDER BY s.profile_id, s.data_set_id, s.subscription_id`,
      params,
    )) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      subscriptionId: r['subscription_id'] as string,
      profileId: r['profile_id'] as string,
      advertiserId: (r['advertiser_id'] as string | null) ?? null,
      profileActive: r['profile_active'] as boolean,
      dataSetId: r['data_set_id'] as string,
      destinationArn: (r['destination_arn'] as string | null) ?? null,
      status: r['status'] as StreamSubscriptionStatus,
      statusSince: (r['status_since'] as Date).toISOString(),
      notes: (r['notes'] as string | null) ?? null,
      createdDate: iso(r['created_date']),
      updatedDate: iso(r['updated_date']),
      polledAt: (r['polled_at'] as Date).toISOString(),
    }));
  }
}

function iso(v: unknown): string | null {
  return v instanceof Date ? v.toISOString() : null;
}

/** Amazon's ISO-8601 dates; anything unreadable is stored as unknown rather than failing the poll. */
function isoOrNull(v: string | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}
