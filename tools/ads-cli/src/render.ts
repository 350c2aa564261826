/** What the CLI prints: aligned tables for people (the default) and the api's JSON for scripts (`--json`). Pure. */
import type {
  AdsProfilesSyncReplyV1,
  StreamSubscriptionCreateReplyV1,
  StreamSubscriptionResultV1,
  StreamSubscriptionV1,
} from '@ams/contracts';

/** An item of `GET /v1/ads/profiles`. */
export interface AdsProfileItem {
  profileId: string;
  advertiserId: string | null;
  region?: string | null;
  marketplaceId: string | null;
  countryCode: string | null;
  currencyCode: string | null;
  timeZone: string | null;
  accountType: string | null;
  /** the account's name (`accountInfo.name`) */
  name: string | null;
  active: boolean;
  syncedAt: string | null;
}

export type SubscriptionItem = Partial<StreamSubscriptionV1> & { subscriptionId: string };

const cell = (v: unknown): string => (v === null || v === undefined || v === '' ? '-' : String(v));

/** Columns padded to their widest cell, two spaces apart; the last column is not padded. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly unknown[]>): string {
  const text = [header, ...rows.map((r) => r.map(cell))];
  const widths = header.map((_, i) => Math.max(...text.map((r) => [...(r[i] ?? '')].length)));
  return text
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i] - [...c].length)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function renderProfiles(items: readonly AdsProfileItem[]): string {
  if (items.length === 0) {
    return 'No profiles yet. Check the connection (npm run ads -- connection), then list them from Amazon: npm run ads -- sync\n';
  }
  const rows = items.map((p) => [
    p.profileId,
    p.advertiserId,
    p.region,
    p.countryCode,
    p.currencyCode,
    p.timeZone,
    p.accountType,
    p.active ? 'yes' : 'no',
    p.syncedAt,
    p.name,
  ]);
  return `${table(['PROFILE', 'ADVERTISER', 'REGION', 'COUNTRY', 'CURRENCY', 'TIME ZONE', 'TYPE', 'ACTIVE', 'SYNCED', 'NAME'], rows)}\n`;
}

export function renderSubscriptions(items: readonly SubscriptionItem[]): string {
  if (items.length === 0) return 'No Marketing Stream subscriptions. Create them with npm run ads -- subscribe\n';
  const rows = items.map((s) => [
    s.subscriptionId,
    s.profileId,
    s.dataSetId,
    s.status,
    s.statusSince ?? s.updatedDate,
    s.destinationArn,
  ]);
  const body = table(['SUBSCRIPTION', 'PROFILE', 'DATASET', 'STATUS', 'SINCE', 'DESTINATION'], rows);
  const hints: string[] = [];
  const has = (status: string) => items.some((s) => s.status === status);
  if (has('PENDING_CONFIRMATION')) {
    hints.push(
      'PENDING_CONFIRMATION: Amazon sent a confirmation to the queue; the ingestor confirms it when it reads the queue.',
    );
  }
  if (has('SUSPENDED') || has('FAILED_CONFIRMATION')) {
    hints.push(
      'SUSPENDED / FAILED_CONFIRMATION cannot be re-activated: archive it and subscribe again (docs/amazon-setup.md).',
    );
  }
  return `${body}\n${hints.map((h) => `\n${h}`).join('')}${hints.length ? '\n' : ''}`;
}

function failure(r: StreamSubscriptionResultV1): string {
  const e = r.error;
  if (!e) return 'failed';
  const extra = [e.status ? `HTTP ${e.status}` : null, e.requestId ? `request id ${e.requestId}` : null].filter(
    Boolean,
  );
  return `${e.code ? `${e.code}: ` : ''}${e.message}${extra.length ? ` (${extra.join(', ')})` : ''}`;
}

export function renderSubscribeResult(reply: StreamSubscriptionCreateReplyV1): string {
  const rows = reply.results.map((r) => [
    r.dataSetId,
    r.outcome,
    r.outcome === 'failed' ? failure(r) : `${cell(r.subscriptionId)}  ${cell(r.status)}`,
  ]);
  const created = reply.results.filter((r) => r.outcome === 'created').length;
  const reused = reply.results.filter((r) => r.outcome === 'reused').length;
  const failed = reply.results.filter((r) => r.outcome === 'failed').length;
  const lines = [
    `Profile ${reply.profileId} → ${reply.destinationArn}`,
    '',
    table(['DATASET', 'OUTCOME', 'SUBSCRIPTION / ERROR'], rows),
    '',
    `${created} created, ${reused} reused, ${failed} failed.`,
  ];
  if (created + reused > 0) {
    lines.push(
      `Amazon now sends a confirmation to the queue, which the ingestor confirms; check for ACTIVE with: npm run ads -- subscriptions --profile ${reply.profileId}`,
    );
  }
  if (failed > 0) lines.push('Fix what the failed datasets report, then run the same command again: it is idempotent.');
  return `${lines.join('\n')}\n`;
}

export function renderSync(reply: AdsProfilesSyncReplyV1): string {
  const lines = [`${reply.profiles} profile(s) listed from Amazon at ${reply.syncedAt}.`];
  for (const f of reply.failures ?? []) lines.push(`${f.region}: ${f.error}`);
  lines.push('See them with: npm run ads -- profiles');
  return `${lines.join('\n')}\n`;
}

/** An item of the connection's `syncs`: each sync's last run. */
interface SyncView {
  kind?: string;
  scope?: string;
  status?: string;
  finishedAt?: string | null;
  lastSuccessAt?: string | null;
  error?: string | null;
}

/** The connection: one `field  value` line per field, then each sync's last run. */
export function renderConnection(conn: Record<string, unknown>): string {
  const fields = Object.entries(conn).filter(([k]) => k !== 'syncs');
  const syncs = Array.isArray(conn['syncs']) ? (conn['syncs'] as SyncView[]) : [];
  let text = `${table(
    ['FIELD', 'VALUE'],
    fields.map(([k, v]) => [k, typeof v === 'object' && v !== null ? JSON.stringify(v) : v]),
  )}\n`;
  if (syncs.length) {
    const rows = syncs.map((s) => [s.kind, s.scope, s.status, s.finishedAt, s.lastSuccessAt, s.error]);
    text += `\n${table(['SYNC', 'SCOPE', 'STATUS', 'FINISHED', 'LAST SUCCESS', 'ERROR'], rows)}\n`;
  }
  const state = conn['state'];
  if (state === 'unconfigured') {
    text +=
      '\nNo Ads API credentials: set ADS_API_CLIENT_ID, ADS_API_CLIENT_SECRET, ADS_API_REFRESH_TOKEN (docs/amazon-setup.md).\n';
  } else if (state === 'needs_reauthorization') {
    text +=
      '\nAmazon refused the refresh token (invalid_grant): consent again and set the new ADS_API_REFRESH_TOKEN (docs/amazon-setup.md).\n';
  }
  return text;
}

export function renderArchived(subscriptionId: string, reply: unknown): string {
  const status = (reply as { status?: unknown } | null)?.status;
  return `Archived ${subscriptionId}${typeof status === 'string' ? ` (status ${status})` : ''}: Amazon stops delivering it; an archived subscription cannot be re-activated.\n`;
}
