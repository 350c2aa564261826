import { Injectable, Logger } from '@nestjs/common';
import {
  AdsApiError,
  AdsHttpError,
  AdsNeedsReauthorizationError,
  deriveClientRequestToken,
  type StreamSubscription,
} from '@ams/ads-api';
import {
  ADS_SUBSCRIPTIONS_STATUS,
  CommandError,
  type StreamSubscriptionArchiveRequestV1,
  type StreamSubscriptionCreateReplyV1,
  type StreamSubscriptionCreateRequestV1,
  type StreamSubscriptionResultV1,
  type StreamSubscriptionsPollReplyV1,
  type StreamSubscriptionV1,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { AdsConnectionService } from '../connection/ads-connection.service';
import { commandErrorOf, describeFailure, upstreamDetail } from '../connection/ads-errors.logic';
import { connectorMetrics } from '../connector.metrics';
import { type KnownProfile, ProfilesRepository } from '../profiles/profiles.repository';
import { SyncStateRepository } from '../sync/sync-state.repository';
import { planSubscriptions } from './subscription-plan.logic';
import { type StoredSubscription, SubscriptionsRepository } from './subscriptions.repository';

/**
 * Marketing Stream subscriptions (v1): create (idempotent: Amazon's list is read first and a live subscription of the
 * same dataset and destination is reused; a create sends a clientRequestToken derived from profile, dataset and
 * destination, so a retry after a timeout creates nothing twice), archive, and the status poll that stores what
 * Amazon lists and publishes `ads.stream-subscriptions.status.v1`.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    private readonly connection: AdsConnectionService,
    private readonly profiles: ProfilesRepository,
    private readonly subscriptions: SubscriptionsRepository,
    private readonly state: SyncStateRepository,
    private readonly messaging: JetStreamService,
  ) {}

  async create(req: StreamSubscriptionCreateRequestV1): Promise<StreamSubscriptionCreateReplyV1> {
    this.connection.requireClient();
    const profile = await this.knownProfile(req.profileId);
    const client = this.connection.clientFor(profile.region);
    const existing = await this.call(() => client.listStreamSubscriptions(profile.profileId));
    const results: StreamSubscriptionResultV1[] = [];
    const tokens = new Map<string, string>();
    for (const step of planSubscriptions(existing, req.dataSetIds, req.destinationArn)) {
      if (step.action === 'reuse') {
        results.push({
          dataSetId: step.dataSetId,
          outcome: 'reused',
          subscriptionId: step.subscription.subscriptionId,
          status: step.subscription.status,
        });
        continue;
      }
      const clientRequestToken = deriveClientRequestToken(profile.profileId, step.dataSetId, req.destinationArn);
      try {
        const created = await client.createStreamSubscription(profile.profileId, {
          clientRequestToken,
          dataSetId: step.dataSetId,
          destinationArn: req.destinationArn,
          notes: req.notes,
        });
        this.connection.noteSuccess();
        tokens.set(created.subscriptionId, clientRequestToken);
        results.push({ dataSetId: step.dataSetId, outcome: 'created', subscriptionId: created.subscriptionId });
      } catch (err) {
        this.connection.noteFailure(err);
        if (err instanceof AdsNeedsReauthorizationError || !(err instanceof AdsApiError)) throw commandErrorOf(err);
        results.push({ dataSetId: step.dataSetId, outcome: 'failed', error: upstreamDetail(err) });
      }
    }
    for (const r of results) connectorMetrics.subscriptionResults.inc({ outcome: r.outcome });
    // read back what Amazon now lists (statuses of the new ones) and store it; a failure here leaves it to the poll
    try {
      const now = await client.listStreamSubscriptions(profile.profileId);
      await this.subscriptions.storePolled(profile.profileId, now, new Date(), tokens);
      const byId = new Map(now.map((s) => [s.subscriptionId, s]));
      for (const r of results) if (r.subscriptionId) r.status = byId.get(r.subscriptionId)?.status ?? r.status;
    } catch (err) {
      this.connection.noteFailure(err);
      this.logger.warn(
        { profileId: profile.profileId, error: describeFailure(err) },
        'subscriptions created but not read back: the next poll stores them',
      );
    }
    this.logger.log(
      { profileId: profile.profileId, results: results.map((r) => `${r.dataSetId}:${r.outcome}`).join(',') },
      'stream subscriptions requested',
    );
    return { profileId: profile.profileId, destinationArn: req.destinationArn, results };
  }

  async archive(req: StreamSubscriptionArchiveRequestV1): Promise<StreamSubscriptionV1> {
    this.connection.requireClient();
    const known = await this.subscriptions.find(req.subscriptionId);
    if (!known)
      throw new CommandError(
        'NOT_FOUND',
        `subscription ${req.subscriptionId} is not known to the connector (poll the subscriptions first)`,
      );
    const profile = await this.knownProfile(known.profileId);
    const client = this.connection.clientFor(profile.region);
    let after: StreamSubscription;
    try {
      await client.archiveStreamSubscription(profile.profileId, known.subscriptionId);
      after = await client.getStreamSubscription(profile.profileId, known.subscriptionId);
      this.connection.noteSuccess();
    } catch (err) {
      this.connection.noteFailure(err);
      if (err instanceof AdsHttpError && err.status === 404)
        throw new CommandError(
          'NOT_FOUND',
          `Amazon does not know subscription ${known.subscriptionId}: ${err.message}`,
        );
      throw commandErrorOf(err);
    }
    await this.subscriptions.storePolled(profile.profileId, [after], new Date());
    const stored = await this.subscriptions.find(known.subscriptionId);
    if (!stored) throw new Error(`subscription ${known.subscriptionId} vanished after archiving`);
    return withoutProfileFlag(stored);
  }

  /**
   * Reads the subscriptions of every active profile (or one) from Amazon, stores them, and publishes the
   * non-archived ones of the profiles read. A profile whose listing fails is reported and left out of the event.
   */
  async poll(profileId?: string): Promise<StreamSubscriptionsPollReplyV1> {
    this.connection.requireClient();
    const profiles = profileId ? [await this.knownProfile(profileId)] : await this.profiles.active();
    const polled: string[] = [];
    const failures: Array<{ profileId: string; error: string }> = [];
    for (const p of profiles) {
      const error = await this.pollProfile(p);
      if (error === undefined) polled.push(p.profileId);
      else failures.push({ profileId: p.profileId, error });
    }
    const live = await this.subscriptions.ofProfiles(polled, false);
    await this.messaging.publish(ADS_SUBSCRIPTIONS_STATUS, {
      version: 1,
      profileIds: polled,
      subscriptions: live.map((s) => ({
        subscriptionId: s.subscriptionId,
        profileId: s.profileId,
        advertiserId: s.advertiserId,
        profileActive: s.profileActive,
        dataSetId: s.dataSetId,
        destinationArn: s.destinationArn,
        status: s.status,
        statusSince: s.statusSince,
      })),
      emittedAt: new Date().toISOString(),
    });
    const all = await this.subscriptions.ofProfiles(polled, true);
    return { subscriptions: all.map(withoutProfileFlag), failures };
  }

  private async pollProfile(p: KnownProfile): Promise<string | undefined> {
    const end = connectorMetrics.syncDuration.startTimer({ kind: 'subscriptions' });
    const at = new Date();
    await this.state.started('subscriptions', p.profileId, at);
    try {
      const subs = await this.connection.clientFor(p.region).listStreamSubscriptions(p.profileId);
      this.connection.noteSuccess();
      await this.subscriptions.storePolled(p.profileId, subs, at);
      await this.state.succeeded('subscriptions', p.profileId, { subscriptions: subs.length });
      connectorMetrics.syncItems.inc({ kind: 'subscriptions', item: 'subscription' }, subs.length);
      end({ outcome: 'ok' });
      return undefined;
    } catch (err) {
      this.connection.noteFailure(err);
      const error = describeFailure(err);
      await this.state.failed('subscriptions', p.profileId, error).catch(() => undefined);
      connectorMetrics.syncFailures.inc({ kind: 'subscriptions' });
      end({ outcome: 'failed' });
      this.logger.warn({ profileId: p.profileId, error }, 'subscription poll failed');
      return error;
    }
  }

  private async knownProfile(profileId: string): Promise<KnownProfile> {
    const p = await this.profiles.find(profileId);
    if (!p)
      throw new CommandError(
        'NOT_FOUND',
        `profile ${profileId} is not known to the connector (sync the profiles first)`,
      );
    return p;
  }

  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      const out = await fn();
      this.connection.noteSuccess();
      return out;
    } catch (err) {
      this.connection.noteFailure(err);
      throw commandErrorOf(err);
    }
  }
}

function withoutProfileFlag(s: StoredSubscription): StreamSubscriptionV1 {
  const { profileActive: _flag, ...rest } = s;
  return rest;
}
