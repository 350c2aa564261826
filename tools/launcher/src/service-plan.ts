/**
 * The launcher's decisions, as pure functions: which PostgreSQL, NATS, SQS and Slack to use (or start),
 * given the environment and what the probes saw, and which HTTP port each app gets. No I/O here, so
 * every branch is unit-tested (service-plan.spec.ts).
 */

export type Env = Readonly<Record<string, string | undefined>>;

export const LOCAL_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/ams_sentinel';
export const LOCAL_NATS_URL = 'nats://127.0.0.1:4222';
export const DEFAULT_DATABASE = 'ams_sentinel';
export const EMBEDDED_POSTGRES_PORT = 54329;
export const OWN_NATS_PORT = 4222;
export const FAUXQS_PORT = 9324;
export const SQS_QUEUE = 'ams-stream';
export const SQS_DLQ = 'ams-stream-dlq';
export const SQS_MAX_RECEIVE_COUNT = 5;
export const NATS_BINARY_CANDIDATES = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'];

/** What a reachability probe saw; `detail` says why not, in a few words ("connection refused"). */
export type Reach = { ok: true } | { ok: false; detail: string };
/** authRequired: the server's INFO says it refuses clients without credentials. */
export type NatsReach = { ok: true; jetstream: boolean; authRequired?: boolean } | { ok: false; detail: string };

export interface Flags {
  /** --embedded-postgres: start the embedded PostgreSQL even if one is reachable */
  embeddedPostgres: boolean;
  /** --own-nats: start nats-server even if one is reachable */
  ownNats: boolean;
}

/** Which probes the launcher has to run before it can decide. */
export interface ProbeRequest {
  /** DATABASE_URL to check, or the machine's default */
  postgres: { url: string; configured: boolean } | null;
  nats: { urls: string[]; configured: boolean } | null;
  /** look for a nats-server binary */
  natsBinary: boolean;
}

export interface Observations {
  postgres?: Reach;
  nats?: NatsReach;
  /** path of a nats-server binary, or null when none was found */
  natsBinary?: string | null;
}

export type PostgresChoice =
  | { kind: 'configured'; url: string }
  | { kind: 'local'; url: string }
  | { kind: 'embedded'; port: number; database: string };
export type NatsChoice =
  | { kind: 'configured'; url: string }
  | { kind: 'local'; url: string }
  | { kind: 'own'; binary: string; preferredPort: number };
export type SqsChoice =
  | { kind: 'configured'; queueUrls: string[]; endpoint: string | null }
  | { kind: 'fauxqs'; port: number; queue: string; dlq: string; maxReceiveCount: number };
export type SlackChoice = { kind: 'configured' } | { kind: 'log' };

export interface ServicePlan {
  postgres: PostgresChoice;
  nats: NatsChoice;
  sqs: SqsChoice;
  slack: SlackChoice;
  /** one line each, for the user: why a default was used */
  notes: string[];
}

export type PlanResult = { ok: true; plan: ServicePlan } | { ok: false; errors: string[] };

const set = (v: string | undefined): v is string => v !== undefined && v.trim() !== '';

export function natsUrls(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Step 1: what to probe, given the environment and flags. */
export function probesFor(env: Env, flags: Flags): ProbeRequest {
  const dbUrl = env['DATABASE_URL'];
  const natsUrl = env['NATS_URL'];
  const needOwnNatsCheck = !set(natsUrl);
  return {
    postgres: set(dbUrl)
      ? { url: dbUrl, configured: true }
      : flags.embeddedPostgres
        ? null
        : { url: LOCAL_POSTGRES_URL, configured: false },
    nats: set(natsUrl)
      ? { urls: natsUrls(natsUrl), configured: true }
      : flags.ownNats
        ? null
        : { urls: [LOCAL_NATS_URL], configured: false },
    natsBinary: needOwnNatsCheck,
  };
}

/** Shows a URL without its password. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(not a URL)';
  }
}

/** Step 2: the decision. Variables the user set are used as they are, and must work; unset ones get a local default. */
export function planServices(env: Env, flags: Flags, seen: Observations): PlanResult {
  const errors: string[] = [];
  const notes: string[] = [];

  // ---- PostgreSQL
  let postgres: PostgresChoice | undefined;
  const dbUrl = env['DATABASE_URL'];
  if (set(dbUrl)) {
    if (seen.postgres?.ok) postgres = { kind: 'configured', url: dbUrl };
    else {
      errors.push(
        `DATABASE_URL (${safeUrl(dbUrl)}) is not reachable: ${seen.postgres && !seen.postgres.ok ? seen.postgres.detail : 'not checked'}. ` +
          "Start PostgreSQL there, fix DATABASE_URL, or unset it to use the machine's PostgreSQL (127.0.0.1:5432) or an embedded one.",
      );
    }
  } else if (!flags.embeddedPostgres && seen.postgres?.ok) {
    postgres = { kind: 'local', url: LOCAL_POSTGRES_URL };
  } else {
    postgres = { kind: 'embedded', port: EMBEDDED_POSTGRES_PORT, database: DEFAULT_DATABASE };
    if (!flags.embeddedPostgres) {
      notes.push(
        `no PostgreSQL at 127.0.0.1:5432 (${seen.postgres && !seen.postgres.ok ? seen.postgres.detail : 'not checked'}): using an embedded one`,
      );
    }
  }

  // ---- NATS (JetStream required)
  let nats: NatsChoice | undefined;
  const natsUrl = env['NATS_URL'];
  const ownNats = (why: string | null): NatsChoice | undefined => {
    if (why) notes.push(why);
    if (seen.natsBinary) return { kind: 'own', binary: seen.natsBinary, preferredPort: OWN_NATS_PORT };
    errors.push(
      `${why ? `${why}, and ` : ''}no nats-server binary was found (looked in PATH and ${NATS_BINARY_CANDIDATES.join(', ')}). ` +
        'Install it (Debian/Ubuntu: `apt-get install nats-server`; macOS: `brew install nats-server`; ' +
        'or a release from https://github.com/nats-io/nats-server/releases), or set NATS_URL to a NATS server with JetStream.',
    );
    return undefined;
  };
  if (set(natsUrl)) {
    const r = seen.nats;
    if (r?.ok && r.jetstream) nats = { kind: 'configured', url: natsUrl };
    else if (r?.ok)
      errors.push(
        `NATS_URL (${safeUrl(natsUrl)}) answers but has no JetStream: start nats-server with -js (JetStream enabled).`,
      );
    else {
      errors.push(
        `NATS_URL (${safeUrl(natsUrl)}) is not reachable: ${r && !r.ok ? r.detail : 'not checked'}. ` +
          'Start NATS (with JetStream) there, fix NATS_URL, or unset it to use 127.0.0.1:4222 or a nats-server the launcher starts.',
      );
    }
  } else if (flags.ownNats) {
    nats = ownNats(null);
  } else if (seen.nats?.ok && seen.nats.jetstream) {
    nats = { kind: 'local', url: LOCAL_NATS_URL };
  } else if (seen.nats?.ok) {
    nats = ownNats('the NATS at 127.0.0.1:4222 has no JetStream: starting a nats-server of our own on another port');
  } else {
    nats = ownNats(
      `no NATS at 127.0.0.1:4222 (${seen.nats && !seen.nats.ok ? seen.nats.detail : 'not checked'}): starting nats-server`,
    );
  }

  // ---- SQS
  const queues = env['SQS_QUEUE_URLS'];
  const sqs: SqsChoice = set(queues)
    ? {
        kind: 'configured',
        queueUrls: natsUrls(queues),
        endpoint: set(env['SQS_ENDPOINT']) ? env['SQS_ENDPOINT'] : null,
      }
    : {
        kind: 'fauxqs',
        port: parsePort(env['LAUNCHER_SQS_PORT']) ?? FAUXQS_PORT,
        queue: SQS_QUEUE,
        dlq: SQS_DLQ,
        maxReceiveCount: SQS_MAX_RECEIVE_COUNT,
      };
  if (env['LAUNCHER_SQS_PORT'] !== undefined && parsePort(env['LAUNCHER_SQS_PORT']) === null) {
    errors.push('LAUNCHER_SQS_PORT must be a port number (1-65535)');
  }

  // ---- Slack
  const slack: SlackChoice =
    set(env['SLACK_WEBHOOK_URL']) || set(env['SLACK_WEBHOOKS']) ? { kind: 'configured' } : { kind: 'log' };

  if (errors.length > 0 || !postgres || !nats) return { ok: false, errors };
  return { ok: true, plan: { postgres, nats, sqs, slack, notes } };
}

export function parsePort(v: string | undefined): number | null {
  if (v === undefined || !/^\d{1,5}$/.test(v.trim())) return null;
  const n = Number(v);
  return n >= 1 && n <= 65535 ? n : null;
}

// ------------------------------------------------------------------------------------------------
// Amazon Ads API (the connector's upstream)

/** The Login with Amazon credentials the connector needs to reach Amazon: all three, or none. */
export const ADS_CREDENTIAL_VARS = ['ADS_API_CLIENT_ID', 'ADS_API_CLIENT_SECRET', 'ADS_API_REFRESH_TOKEN'] as const;
/** Secrets the other apps never need (only the connector gets them). */
export const ADS_SECRET_VARS = ['ADS_API_CLIENT_SECRET', 'ADS_API_REFRESH_TOKEN'] as const;

export type AdsChoice =
  /** the user's credentials: passed through to the connector, no emulator */
  | { kind: 'configured'; region: string; endpoint: string | null }
  /** the repo's Ads API emulator, on `port` (LAUNCHER_ADS_PORT: refused if taken) or a free port when null */
  | { kind: 'emulator'; port: number | null };

/** Amazon when the three credentials are set, the local emulator when none is; a partial set is an error. */
export function planAds(env: Env): { ok: true; ads: AdsChoice } | { ok: false; error: string } {
  const present = ADS_CREDENTIAL_VARS.filter((k) => set(env[k]));
  if (present.length === ADS_CREDENTIAL_VARS.length) {
    return {
      ok: true,
      ads: {
        kind: 'configured',
        region: set(env['ADS_API_REGION']) ? env['ADS_API_REGION'].trim() : 'NA',
        endpoint: set(env['ADS_API_ENDPOINT']) ? env['ADS_API_ENDPOINT'].trim() : null,
      },
    };
  }
  if (present.length > 0) {
    const missing = ADS_CREDENTIAL_VARS.filter((k) => !present.includes(k));
    return {
      ok: false,
      error:
        `${present.join(', ')} ${present.length === 1 ? 'is' : 'are'} set but ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not: ` +
        'set all three to use Amazon (docs/amazon-setup.md), or none for the local Ads API emulator',
    };
  }
  const raw = env['LAUNCHER_ADS_PORT'];
  if (raw !== undefined && raw.trim() !== '' && parsePort(raw) === null) {
    return { ok: false, error: 'LAUNCHER_ADS_PORT must be a port number (1-65535)' };
  }
  return { ok: true, ads: { kind: 'emulator', port: set(raw) ? parsePort(raw) : null } };
}

/** What the launcher's emulator answers with (its process prints this once it listens). */
export interface AdsEmulatorEndpoints {
  url: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

/**
 * The connector's Ads variables: with the emulator, its endpoints and test client (replacing any ADS_API_* of the
 * environment, which held no complete credentials); with the user's credentials, nothing to add (they are in the
 * environment already).
 */
export function connectorAdsEnv(ads: AdsChoice, emulator: AdsEmulatorEndpoints | null): Record<string, string> {
  if (ads.kind === 'configured') return {};
  if (!emulator) throw new Error('the Ads API emulator was planned but not started');
  return {
    ADS_API_CLIENT_ID: emulator.clientId,
    ADS_API_CLIENT_SECRET: emulator.clientSecret,
    ADS_API_REFRESH_TOKEN: emulator.refreshToken,
    ADS_API_REGION: 'NA',
    ADS_API_ENDPOINT: emulator.url,
    ADS_LWA_ENDPOINT: emulator.tokenUrl,
  };
}

/** The environment of an app that is not the connector: without the Ads API secrets. */
export function withoutAdsSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const copy = { ...env };
  for (const k of ADS_SECRET_VARS) delete copy[k];
  return copy;
}

// ------------------------------------------------------------------------------------------------
// App ports

export const APPS = ['ingestor', 'processor', 'alerter', 'aggregator', 'connector', 'api'] as const;
export type AppName = (typeof APPS)[number];
export const DEFAULT_PORTS: Readonly<Record<AppName, number>> = {
  api: 3000,
  ingestor: 3001,
  processor: 3002,
  alerter: 3003,
  aggregator: 3004,
  connector: 3005,
};

export interface PortRequest {
  app: AppName;
  port: number;
  /** the user asked for this port (API_PORT / PORT): do not move it */
  explicit: boolean;
}

/** The api takes API_PORT, else PORT, else 3000 (PORT is the api's, as the other apps get theirs from the launcher). */
export function requestedPorts(env: Env): PortRequest[] | { error: string } {
  const apiPortVar = set(env['API_PORT']) ? 'API_PORT' : set(env['PORT']) ? 'PORT' : null;
  let apiPort = DEFAULT_PORTS.api;
  if (apiPortVar) {
    const p = parsePort(env[apiPortVar]);
    if (p === null) return { error: `${apiPortVar} must be a port number (1-65535)` };
    apiPort = p;
  }
  return APPS.map((app) =>
    app === 'api'
      ? { app, port: apiPort, explicit: apiPortVar !== null }
      : { app, port: DEFAULT_PORTS[app], explicit: false },
  );
}

/**
 * Final ports: a requested port that is free is kept; an explicit one that is taken is an error; a
 * default one that is taken is replaced by the next spare port from `spare` (free ports found by the caller).
 */
export function assignPorts(
  requests: PortRequest[],
  taken: ReadonlySet<number>,
  spare: readonly number[],
): { ok: true; ports: Record<AppName, number>; moved: string[] } | { ok: false; error: string } {
  const ports = {} as Record<AppName, number>;
  const used = new Set<number>();
  const moved: string[] = [];
  const pool = spare.filter((p) => !taken.has(p));
  for (const r of requests) {
    if (!taken.has(r.port) && !used.has(r.port)) {
      ports[r.app] = r.port;
    } else if (r.explicit) {
      return {
        ok: false,
        error: `port ${r.port} for the ${r.app} is already in use: free it or choose another with API_PORT`,
      };
    } else {
      const next = pool.find((p) => !used.has(p) && !requests.some((o) => o.port === p));
      if (next === undefined) return { ok: false, error: `no free port for the ${r.app}` };
      ports[r.app] = next;
      moved.push(`port ${r.port} is taken: the ${r.app} uses ${next}`);
    }
    used.add(ports[r.app]);
  }
  return { ok: true, ports, moved };
}

/**
 * The one warning for a NATS the launcher did not start that accepts anyone (the machine's open NATS, or a NATS_URL
 * without credentials configured): any local process could publish records or commands. Null when the launcher runs
 * its own (per-app users), the server requires authentication, or credentials are configured.
 */
export function natsAuthWarning(plan: ServicePlan, seen: Observations, env: Env): string | null {
  if (plan.nats.kind === 'own') return null;
  if (seen.nats?.ok && seen.nats.authRequired) return null;
  if (['NATS_USER', 'NATS_CREDS_FILE', 'NATS_TOKEN'].some((k) => (env[k] ?? '') !== '')) return null;
  return (
    `warning: NATS at ${safeUrl(plan.nats.url)} has no authentication: any process that reaches it can publish records ` +
    'and commands (npm start --own-nats runs a nats-server with per-app users)'
  );
}
