import { Injectable, Logger } from '@nestjs/common';
import type { AdsProfilesSyncReplyV1 } from '@ams/contracts';
import { AdsConnectionService, type ProfileSource } from '../connection/ads-connection.service';
import { describeFailure } from '../connection/ads-errors.logic';
import { connectorMetrics } from '../connector.metrics';
import { SyncStateRepository } from '../sync/sync-state.repository';
import { type ProfileRow, profileRow } from './profile-row.logic';
import { ProfilesRepository } from './profiles.repository';

/**
 * Lists the profiles of every region (or of ADS_API_ENDPOINT alone) and stores them in `ads_profile`: one token for
 * all hosts, the hosts in parallel, each region in its own transaction with its own `ads_sync_state` row, so a
 * failed region leaves the others stored. A profile a region that answered no longer lists turns inactive.
 */
@Injectable()
export class ProfilesService {
  private readonly logger = new Logger(ProfilesService.name);

  constructor(
    private readonly connection: AdsConnectionService,
    private readonly profiles: ProfilesRepository,
    private readonly state: SyncStateRepository,
  ) {}

  /** Every source now (call under the `profiles` lock). */
  async syncAll(): Promise<AdsProfilesSyncReplyV1> {
    const sources = this.connection.profileSources();
    const syncedAt = new Date();
    const outcomes = await Promise.all(sources.map((s) => this.syncSource(s, syncedAt)));
    const failures = outcomes.flatMap((o, i) => ('error' in o ? [{ region: sources[i].region, error: o.error }] : []));
    const profiles = outcomes.reduce((n, o) => n + ('listed' in o ? o.listed : 0), 0);
    return { profiles, syncedAt: syncedAt.toISOString(), failures };
  }

  private async syncSource(
    source: ProfileSource,
    syncedAt: Date,
  ): Promise<{ listed: number; deactivated: number } | { error: string }> {
    const end = connectorMetrics.syncDuration.startTimer({ kind: 'profiles' });
    await this.state.started('profiles', source.region, syncedAt);
    try {
      const listed = await source.client.listProfiles();
      this.connection.noteSuccess();
      const rows: ProfileRow[] = [];
      for (const p of listed) {
        const r = profileRow(p, source);
        if ('problem' in r) throw new Error(`listProfiles: ${r.problem}`);
        rows.push(r.row);
      }
      const deactivated = await this.profiles.storeListing(rows, source.covers, syncedAt);
      await this.state.succeeded('profiles', source.region, { profiles: rows.length, deactivated });
      connectorMetrics.syncItems.inc({ kind: 'profiles', item: 'profile' }, rows.length);
      end({ outcome: 'ok' });
      this.logger.log({ region: source.region, profiles: rows.length, deactivated }, 'profiles synced');
      return { listed: rows.length, deactivated };
    } catch (err) {
      this.connection.noteFailure(err);
      const error = describeFailure(err);
      await this.state.failed('profiles', source.region, error).catch(() => undefined);
      connectorMetrics.syncFailures.inc({ kind: 'profiles' });
      end({ outcome: 'failed' });
      this.logger.warn({ region: source.region, error }, 'profile sync failed');
      return { error };
    }
  }
}
