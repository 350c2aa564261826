/**
 * The local Amazon Ads API for `npm start` without Ads credentials: the repo's emulator (tools/ads-api-emulator) as a
 * child process, seeded with the simulator's own advertisers (same defaults as `npm run simulate`), so the connector
 * lists the profiles, names and budgets of the AMS traffic the simulator sends.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  DEFAULT_CLIENT_ID,
  DEFAULT_CLIENT_SECRET,
  DEFAULT_REFRESH_TOKEN,
  seedFromScenario,
  type EmulatorSeed,
} from '@ams/ads-api-emulator';
// The simulator is a tool of this same scope (scope:system, a dev tool like the launcher), not an app: the seed must
// come from its own scenario code so that ids, names, budgets and time zones match what it sends.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { parseCli as simulatorDefaults } from '../../simulator/src/cli-options';
// eslint-disable-next-line @nx/enforce-module-boundaries
import { buildScenario } from '../../simulator/src/market-scenario';
import { spawnManaged, type ManagedProcess } from './managed-process';
import { freePort, isPortFree } from './probes';
import type { AdsEmulatorEndpoints } from './service-plan';

/** The datasets `npm run simulate` delivers (tools/simulator traffic-generator.ts). */
export const SIMULATED_DATASETS = [
  'sp-traffic',
  'sp-conversion',
  'sb-traffic',
  'sb-conversion',
  'sd-traffic',
  'sd-conversion',
  'budget-usage',
  'campaigns',
] as const;

/** The ARN of an SQS queue from its URL (`http://host/<account>/<name>`), as Amazon's subscriptions name it. */
export function queueArnOf(queueUrl: string, region: string): string {
  const [account, name] = new URL(queueUrl).pathname.split('/').filter(Boolean);
  return `arn:aws:sqs:${region}:${account}:${name}`;
}

/**
 * The emulator's seed: the advertisers `npm run simulate` (no flags) sends traffic for, as Ads API profiles, each
 * subscribed (ACTIVE) to the simulated datasets at `queue` when given: the queue the simulator plays AMS delivering to.
 */
export function simulatorSeed(nowMs = Date.now(), queue?: { url: string; region: string }): EmulatorSeed {
  const o = simulatorDefaults([], nowMs);
  if ('error' in o) throw new Error(`the simulator's defaults did not parse: ${o.error}`);
  const advertisers = buildScenario({
    seed: o.seed,
    advertisers: o.advertisers,
    campaigns: o.campaigns,
    hours: o.hours,
    endMs: o.endMs,
    anomalies: o.anomalies,
  });
  return seedFromScenario(
    advertisers,
    { clientId: DEFAULT_CLIENT_ID, clientSecret: DEFAULT_CLIENT_SECRET, refreshTokens: [DEFAULT_REFRESH_TOKEN] },
    queue ? { destinationArn: queueArnOf(queue.url, queue.region), dataSetIds: SIMULATED_DATASETS } : undefined,
  );
}

export interface RunningAdsEmulator extends AdsEmulatorEndpoints {
  port: number;
  profiles: string[];
  process: ManagedProcess;
}

/** The first line the emulator prints once it listens: `{url, tokenUrl, clientId, profiles}`. */
export function parseReadyLine(line: string): { url: string; tokenUrl: string; profiles: string[] } | null {
  if (!line.startsWith('{')) return null;
  try {
    const j = JSON.parse(line) as { url?: unknown; tokenUrl?: unknown; profiles?: unknown };
    if (typeof j.url !== 'string' || typeof j.tokenUrl !== 'string') return null;
    return { url: j.url, tokenUrl: j.tokenUrl, profiles: Array.isArray(j.profiles) ? j.profiles.map(String) : [] };
  } catch {
    return null;
  }
}

export async function startAdsEmulatorProcess(opts: {
  root: string;
  /** LAUNCHER_ADS_PORT (refused if taken), or null for a free port */
  port: number | null;
  seedFile: string;
  logFile: string;
  timeoutMs?: number;
  /** the queue the simulator sends to: every profile is seeded as subscribed to it */
  queue?: { url: string; region: string };
}): Promise<RunningAdsEmulator> {
  let port: number;
  if (opts.port !== null) {
    if (!(await isPortFree(opts.port))) throw new Error(`port ${opts.port} (LAUNCHER_ADS_PORT) is already in use`);
    port = opts.port;
  } else port = await freePort();

  mkdirSync(dirname(opts.seedFile), { recursive: true });
  writeFileSync(opts.seedFile, JSON.stringify(simulatorSeed(Date.now(), opts.queue)));

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  for (const k of Object.keys(env)) if (k.startsWith('TS_NODE_')) delete env[k];
  let resolveReady: (r: { url: string; tokenUrl: string; profiles: string[] }) => void = () => undefined;
  const ready = new Promise<{ url: string; tokenUrl: string; profiles: string[] }>((r) => (resolveReady = r));
  const proc = spawnManaged(
    'ads-api-emulator',
    process.execPath,
    [
      join(opts.root, 'node_modules/ts-node/dist/bin.js'),
      '--transpile-only',
      '-P',
      'tools/tsconfig.json',
      'tools/ads-api-emulator/src/main.ts',
      '--port',
      String(port),
      '--host',
      '127.0.0.1',
      '--seed',
      opts.seedFile,
    ],
    {
      env,
      cwd: opts.root,
      logFile: opts.logFile,
      onLine: (line, stream) => {
        const r = stream === 'stdout' ? parseReadyLine(line) : null;
        if (r) resolveReady(r);
      },
    },
  );
  const timeoutMs = opts.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    ready,
    proc.exited.then(() => 'exited' as const),
    new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (outcome === 'exited' || outcome === 'late') {
    if (proc.running()) await proc.stop('SIGKILL', 2_000);
    throw new Error(
      `the Ads API emulator ${outcome === 'late' ? `did not listen within ${timeoutMs / 1000} s` : 'exited during startup'}:\n${proc.tail(20)}`,
    );
  }
  return {
    url: outcome.url,
    tokenUrl: outcome.tokenUrl,
    clientId: DEFAULT_CLIENT_ID,
    clientSecret: DEFAULT_CLIENT_SECRET,
    refreshToken: DEFAULT_REFRESH_TOKEN,
    profiles: outcome.profiles,
    port,
    process: proc,
  };
}
