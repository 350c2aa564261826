/**
 * `npm start`: the whole system on local defaults. Decides which services to use (service-plan.ts),
 * starts the missing ones, creates and migrates the database, builds and starts the apps (service-plan.ts APPS), waits
 * until each is ready and prints where everything is. SIGINT/SIGTERM stop what it started, in reverse
 * order (apps, then fauxqs, NATS, PostgreSQL), and nothing else.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { startAdsEmulatorProcess, type RunningAdsEmulator } from './ads-emulator';
import { buildApps, missingBuilds, startAppProcess, waitAllReady, webBuild, type RunningApp } from './app-processes';
import { startEmbeddedPostgres } from './embedded-postgres';
import { LauncherState } from './launcher-state';
import { PostgresAccessError } from './postgres-access';
import { prepareDatabase, startFauxqs, startNatsServer } from './local-services';
import type { ManagedProcess } from './managed-process';
import {
  appNatsEnv,
  loadOrCreateNatsPasswords,
  NATS_USERS_FILE,
  natsServerEnv,
  type NatsPasswords,
  writeLauncherNatsConf,
} from './nats-users';
import { findNatsServer, freePort, isPortFree, probeNats, probePostgres } from './probes';
import {
  APPS,
  DEFAULT_DATABASE,
  assignPorts,
  connectorAdsEnv,
  natsAuthWarning,
  planAds,
  parsePort,
  planServices,
  probesFor,
  requestedPorts,
  safeUrl,
  withoutAdsSecrets,
  type AdsChoice,
  type AppName,
  type Env,
  type Flags,
  type Observations,
  type ServicePlan,
} from './service-plan';

export const EXIT_UNAVAILABLE = 69;
/** The app that talks to Amazon (gets the Ads API variables). */
const ADS_APP: AppName = 'connector';
export const EXIT_CONFIG = 78;
const READY_LINE = 'ams-sentinel is running';

class LauncherError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}
class Interrupted extends Error {}

export interface LauncherOptions extends Flags {
  skipBuild: boolean;
}

export function parseArgs(argv: string[], env: Env): LauncherOptions | { error: string } {
  const opts: LauncherOptions = {
    embeddedPostgres: false,
    ownNats: false,
    skipBuild: ['1', 'true'].includes((env['LAUNCHER_SKIP_BUILD'] ?? '').toLowerCase()),
  };
  for (const a of argv) {
    if (a === '--embedded-postgres') opts.embeddedPostgres = true;
    else if (a === '--own-nats') opts.ownNats = true;
    else if (a === '--skip-build') opts.skipBuild = true;
    else return { error: `unknown option ${a} (known: --embedded-postgres, --own-nats, --skip-build)` };
  }
  return opts;
}

export function workspaceRoot(from = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) throw new Error('no nx.json above the launcher');
  }
}

interface Stoppable {
  name: string;
  stop(): Promise<void>;
  kill(): void;
}

export async function runLauncher(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const t0 = Date.now();
  const root = workspaceRoot();
  const dataDir = env['LAUNCHER_DATA_DIR'] ? resolve(env['LAUNCHER_DATA_DIR']) : join(root, '.data');
  const logDir = join(dataDir, 'logs');
  const say = (line: string) => process.stdout.write(`launcher   │ ${line}\n`);
  const complain = (text: string) =>
    process.stderr.write(
      text
        .split('\n')
        .map((l) => `launcher   │ ${l}\n`)
        .join(''),
    );
  const shown = (p: string) => {
    const r = relative(process.cwd(), p);
    return r && !r.startsWith('..') ? r : p;
  };
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

  const parsed = parseArgs(argv, env);
  if ('error' in parsed) {
    complain(parsed.error);
    return 2;
  }
  const opts = parsed;

  // ---- everything started is pushed here; stopped last-in first-out (apps, fauxqs, NATS, PostgreSQL)
  const started: Stoppable[] = [];
  let stopping: Promise<number> | null = null;
  let startupDone = false;
  let interruptedBy: NodeJS.Signals | null = null;
  const state = new LauncherState(join(dataDir, 'launcher'));
  const track = (name: string, proc: ManagedProcess, marker: string, stop: () => Promise<unknown>) => {
    state.record(name, { pid: proc.pid, marker });
    started.push({
      name,
      stop: async () => {
        await stop();
        state.forget(name);
      },
      kill: () => {
        try {
          proc.child.kill('SIGKILL');
        } catch {
          // gone
        }
      },
    });
  };

  const stopAll = async (): Promise<void> => {
    const apps = started.filter((s) => (APPS as readonly string[]).includes(s.name));
    const others = started.filter((s) => !apps.includes(s)).reverse();
    if (apps.length) {
      say(`stopping ${apps.map((a) => a.name).join(', ')}`);
      await Promise.all(apps.map((a) => a.stop()));
    }
    for (const s of others) {
      say(`stopping ${s.name}`);
      await s.stop();
    }
    started.length = 0;
  };

  let resolveSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<NodeJS.Signals>((r) => (resolveSignal = r));
  let firstSignalAt = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C under `npm start` arrives twice (from the terminal and forwarded by npm): only a later one forces
    if (interruptedBy && Date.now() - firstSignalAt < 1_500) return;
    if (interruptedBy) {
      complain(`${signal} again: killing everything now`);
      for (const s of started) s.kill();
      process.exit(130);
    }
    interruptedBy = signal;
    firstSignalAt = Date.now();
    say(`${signal} received: stopping${startupDone ? '' : ' (after the current startup step)'}`);
    resolveSignal(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const checkpoint = () => {
    if (interruptedBy) throw new Interrupted();
  };

  const shutdown = (code: number): Promise<number> =>
    (stopping ??= (async () => {
      try {
        const anything = started.length > 0;
        await stopAll();
        state.clear();
        if (anything) say(code === 0 ? 'stopped cleanly' : 'stopped what it had started');
      } catch (err) {
        complain(`stopping failed: ${err instanceof Error ? err.message : String(err)}`);
        return code || 1;
      }
      return code;
    })());

  try {
    mkdirSync(logDir, { recursive: true });
    const took = await state.takeOver();
    if (!took.ok) {
      complain(`cannot start: ${took.error}`);
      return 1; // nothing started, and the state file belongs to the other launcher
    }
    for (const line of took.cleaned) say(line);

    // ---- decide
    const request = probesFor(env, opts);
    const [pgReach, natsReach] = await Promise.all([
      request.postgres ? probePostgres(request.postgres.url) : Promise.resolve(undefined),
      request.nats ? probeNats(request.nats.urls) : Promise.resolve(undefined),
    ]);
    const seen: Observations = {
      postgres: pgReach,
      nats: natsReach,
      natsBinary: request.natsBinary ? findNatsServer(env['PATH']) : null,
    };
    const planned = planServices(env, opts, seen);
    if (!planned.ok) throw new LauncherError(planned.errors.join('\n'), EXIT_UNAVAILABLE);
    const plan = planned.plan;
    for (const n of plan.notes) say(n);
    const openNats = natsAuthWarning(plan, seen, env);
    if (openNats) say(openNats);
    const adsPlan = planAds(env);
    if (!adsPlan.ok) throw new LauncherError(adsPlan.error, EXIT_CONFIG);
    const ads: AdsChoice = adsPlan.ads;

    const requests = requestedPorts(env);
    if ('error' in requests) throw new LauncherError(requests.error, EXIT_CONFIG);
    const taken = new Set<number>();
    for (const r of requests) if (!(await isPortFree(r.port))) taken.add(r.port);
    const spare = taken.size ? await Promise.all(APPS.map(() => freePort())) : [];
    const assigned = assignPorts(requests, taken, spare);
    if (!assigned.ok) throw new LauncherError(assigned.error, EXIT_CONFIG);
    for (const m of assigned.moved) say(m);
    checkpoint();

    // ---- build while the services start
    let build: Promise<void> = Promise.resolve();
    if (!opts.skipBuild) {
      say('building the apps and the dashboard (npx nx run-many -t build; from the Nx cache when nothing changed)');
      build = buildApps(root, say);
      build.catch(() => undefined);
    }

    // ---- PostgreSQL
    let databaseUrl: string;
    let postgresLine: string;
    if (plan.postgres.kind === 'embedded') {
      const pg = await startEmbeddedPostgres({
        dataDir: join(dataDir, 'postgres'),
        preferredPort: plan.postgres.port,
        logFile: join(logDir, 'postgres.log'),
        say,
      });
      track('postgres', pg.process, pg.dataDir, () => pg.stop());
      databaseUrl = `${pg.serverUrl}/${DEFAULT_DATABASE}`;
      postgresLine = `embedded, 127.0.0.1:${pg.port}, data in ${shown(pg.dataDir)}, database ${DEFAULT_DATABASE}`;
      say(`embedded PostgreSQL ready on 127.0.0.1:${pg.port} (${elapsed()})`);
    } else {
      databaseUrl = plan.postgres.url;
      postgresLine =
        plan.postgres.kind === 'local'
          ? `the machine's, ${safeUrl(databaseUrl)}`
          : `DATABASE_URL, ${safeUrl(databaseUrl)}`;
    }
    checkpoint();
    const db = await prepareDatabase(databaseUrl);
    if (db.created) say(`created the database ${new URL(databaseUrl).pathname.slice(1)}`);
    say(
      db.applied.length
        ? `migrations applied: ${db.applied.join(', ')}`
        : `database schema is up to date (${elapsed()})`,
    );
    checkpoint();

    // ---- NATS
    let natsUrl: string;
    let natsLine: string;
    let natsPasswords: NatsPasswords | null = null;
    if (plan.nats.kind === 'own') {
      // the production users and permissions, with passwords made once for this machine
      const passwords = loadOrCreateNatsPasswords(NATS_USERS_FILE(dataDir));
      const storeDir = join(dataDir, 'nats');
      const file = writeLauncherNatsConf({
        file: join(dataDir, 'launcher', 'nats.conf'),
        storeDir,
        prefix: env['NATS_PREFIX'] ?? '',
        binary: plan.nats.binary,
      });
      const nats = await startNatsServer({
        binary: plan.nats.binary,
        preferredPort: plan.nats.preferredPort,
        storeDir,
        logFile: join(logDir, 'nats.log'),
        config: { file, env: natsServerEnv(passwords) },
      });
      natsPasswords = passwords;
      track('nats', nats.process, 'nats-server', () => nats.process.stop('SIGTERM', 10_000));
      natsUrl = nats.url;
      natsLine =
        `started ${plan.nats.binary}, ${nats.url}, JetStream store ${shown(storeDir)}, ` +
        `per-app users (passwords in ${shown(NATS_USERS_FILE(dataDir))})`;
      say(`nats-server ready on ${nats.url}`);
    } else {
      natsUrl = plan.nats.url;
      natsLine = plan.nats.kind === 'local' ? `the machine's, ${natsUrl}` : `NATS_URL, ${safeUrl(natsUrl)}`;
    }
    checkpoint();

    // ---- SQS
    const appEnv: NodeJS.ProcessEnv = {
      // the SDK's notice that releases after January 2027 need Node 22 is noise in a local run
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
      DATABASE_URL: databaseUrl,
      NATS_URL: natsUrl,
    };
    delete appEnv['PORT'];
    let sqsLine: string;
    let sqsForSimulator: { endpoint: string | null; queueUrl: string; region: string };
    if (plan.sqs.kind === 'fauxqs') {
      const fq = await startFauxqs({
        root,
        port: plan.sqs.port,
        explicitPort: parsePort(env['LAUNCHER_SQS_PORT']) !== null,
        queue: plan.sqs.queue,
        dlq: plan.sqs.dlq,
        maxReceiveCount: plan.sqs.maxReceiveCount,
        logFile: join(logDir, 'fauxqs.log'),
        say,
      });
      track('fauxqs', fq.process, 'fauxqs', () => fq.process.stop('SIGTERM', 5_000));
      Object.assign(appEnv, {
        SQS_QUEUE_URLS: fq.queueUrl,
        SQS_ENDPOINT: fq.endpoint,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: env['AWS_ACCESS_KEY_ID'] || 'test',
        AWS_SECRET_ACCESS_KEY: env['AWS_SECRET_ACCESS_KEY'] || 'test',
        // fauxqs cannot confirm a subscription to Amazon's topics: record it as refused instead of retrying it
        SNS_CONFIRM_ENABLED: env['SNS_CONFIRM_ENABLED'] ?? 'false',
      });
      delete appEnv['AWS_SESSION_TOKEN'];
      sqsLine = `fauxqs ${fq.endpoint}, queue ${fq.queueUrl} (dead letters: ${plan.sqs.dlq} after ${plan.sqs.maxReceiveCount} receives)`;
      sqsForSimulator = { endpoint: fq.endpoint, queueUrl: fq.queueUrl, region: 'us-east-1' };
      say(`SQS endpoint (fauxqs) ready on ${fq.endpoint} (${elapsed()})`);
    } else {
      sqsLine = `SQS_QUEUE_URLS, ${plan.sqs.queueUrls.join(', ')}${plan.sqs.endpoint ? ` via ${plan.sqs.endpoint}` : ''}`;
      sqsForSimulator = {
        endpoint: plan.sqs.endpoint,
        queueUrl: plan.sqs.queueUrls[0],
        region: env['AWS_REGION'] || 'us-east-1',
      };
    }
    checkpoint();

    // ---- Amazon Ads API: the user's credentials, or the emulator seeded with the simulator's advertisers
    let adsEmulator: RunningAdsEmulator | null = null;
    let adsLine: string;
    if (ads.kind === 'emulator') {
      adsEmulator = await startAdsEmulatorProcess({
        root,
        port: ads.port,
        seedFile: join(dataDir, 'launcher', 'ads-emulator-seed.json'),
        logFile: join(logDir, 'ads-api-emulator.log'),
        queue: { url: sqsForSimulator.queueUrl, region: sqsForSimulator.region },
      });
      const emu = adsEmulator;
      track('ads-api-emulator', emu.process, 'ads-api-emulator', () => emu.process.stop('SIGTERM', 5_000));
      adsLine =
        `emulator ${emu.url}, ${emu.profiles.length} profiles of the simulator's advertisers ` +
        '(set ADS_API_CLIENT_ID, ADS_API_CLIENT_SECRET, ADS_API_REFRESH_TOKEN for Amazon)';
      say(`Ads API emulator ready on ${emu.url} (${elapsed()})`);
    } else {
      adsLine = `Amazon, region ${ads.region}${ads.endpoint ? ` via ${ads.endpoint}` : ''} (credentials from ADS_API_CLIENT_ID, …)`;
    }
    checkpoint();

    // ---- API key
    const apiKey = resolveApiKey(env, join(dataDir, 'launcher', 'api-key'));
    if (apiKey.generated) appEnv['API_KEYS'] = apiKey.key;
    const apiUrl = `http://127.0.0.1:${assigned.ports.api}`;
    appEnv['ALERT_LINK_BASE_URL'] = env['ALERT_LINK_BASE_URL'] || `http://localhost:${assigned.ports.api}`;

    // ---- apps
    await build;
    if (!opts.skipBuild) say(`apps built (${elapsed()})`);
    const missing = missingBuilds(root);
    if (missing.length) {
      throw new LauncherError(
        `not built: ${missing.map((m) => `dist/apps/${m}/main.js`).join(', ')} (run npm run build, or drop --skip-build)`,
      );
    }
    checkpoint();
    // Until every app is ready only warnings, errors and non-JSON output are shown (all of it is in the log files).
    const print = (app: AppName, line: string) => {
      if (startupDone || !/^\d\d:\d\d:\d\d (TRACE|DEBUG|INFO)/.test(line)) {
        process.stdout.write(
          line
            .split('\n')
            .map((l) => `${app.padEnd(10)} │ ${l}\n`)
            .join(''),
        );
      }
    };
    const running: RunningApp[] = [];
    for (const app of APPS) {
      // only the connector talks to Amazon: the others never see its secrets
      const base = app === ADS_APP ? { ...appEnv, ...connectorAdsEnv(ads, adsEmulator) } : withoutAdsSecrets(appEnv);
      const env = natsPasswords ? { ...base, ...appNatsEnv(app, natsPasswords) } : base;
      const a = startAppProcess({
        root,
        app,
        port: assigned.ports[app],
        env,
        logFile: join(logDir, `${app}.log`),
        print,
      });
      running.push(a);
      const deadline = Number(env['SHUTDOWN_TIMEOUT_MS'] ?? '') || 25_000;
      track(app, a.process, `dist/apps/${app}/main.js`, async () => {
        const r = await a.process.stop('SIGTERM', deadline + 5_000);
        if (r.forced) complain(`${app} did not stop within ${deadline + 5_000} ms: killed`);
        else if (r.code !== 0) complain(`${app} exited with code ${r.code}${r.signal ? ` (${r.signal})` : ''}`);
      });
    }
    say(`started ${APPS.join(', ')} at ${elapsed()}; waiting for /health/ready (logs: ${shown(logDir)})`);
    await Promise.race([
      waitAllReady(running, Number(env['LAUNCHER_READY_TIMEOUT_MS'] ?? '') || 120_000),
      signalled.then(() => {
        throw new Interrupted();
      }),
    ]);
    startupDone = true;

    const seconds = ((Date.now() - t0) / 1000).toFixed(1);
    state.writeServices({
      launcherPid: process.pid,
      apiUrl,
      apiKey: apiKey.key,
      sqs: sqsForSimulator,
      apps: Object.fromEntries(running.map((a) => [a.app, a.url])),
      ads: adsEmulator
        ? { kind: 'emulator', url: adsEmulator.url, tokenUrl: adsEmulator.tokenUrl }
        : { kind: 'configured', url: null, tokenUrl: null },
    });
    process.stdout.write(
      readyTable({
        seconds,
        apps: running.map((a) => ({ app: a.app, url: a.url, pid: a.process.pid })),
        apiUrl,
        dashboardBuilt: webBuild(root) !== null,
        apiKey,
        sqsLine,
        adsLine,
        postgresLine,
        natsLine,
        slack: plan.slack,
        logDir: shown(logDir),
      }),
    );

    // ---- run until a signal, or until an app dies
    const appDied = Promise.race(running.map((a) => a.process.exited.then((info) => ({ app: a.app, info }))));
    const outcome = await Promise.race([signalled.then(() => null), appDied]);
    if (outcome) {
      complain(
        `the ${outcome.app} exited (code ${outcome.info.code}, signal ${outcome.info.signal}): stopping everything`,
      );
      return await shutdown(1);
    }
    return await shutdown(0);
  } catch (err) {
    if (err instanceof Interrupted || interruptedBy) return shutdown(0);
    const code = err instanceof LauncherError ? err.exitCode : err instanceof PostgresAccessError ? EXIT_CONFIG : 1;
    complain(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return shutdown(code);
  }
}

function resolveApiKey(env: Env, file: string): { key: string; generated: boolean; insecure: boolean } {
  const configured = (env['API_KEYS'] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (configured.length) return { key: configured[0], generated: false, insecure: false };
  if (['1', 'true', 'yes', 'on'].includes((env['API_INSECURE_NO_AUTH'] ?? '').toLowerCase())) {
    return { key: '', generated: false, insecure: true };
  }
  // A key for this machine, kept in .data so it survives restarts.
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 20) return { key, generated: true, insecure: false };
  }
  const key = `local-${randomBytes(24).toString('base64url')}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return { key, generated: true, insecure: false };
}

export function readyTable(t: {
  seconds: string;
  apps: Array<{ app: string; url: string; pid: number }>;
  apiUrl: string;
  dashboardBuilt?: boolean;
  apiKey: { key: string; generated: boolean; insecure: boolean };
  sqsLine: string;
  adsLine?: string;
  postgresLine: string;
  natsLine: string;
  slack: ServicePlan['slack'];
  logDir: string;
}): string {
  const rows: Array<[string, string]> = [
    ...t.apps.map((a): [string, string] => [a.app, `${a.url}   (pid ${a.pid})`]),
    [
      'dashboard',
      t.dashboardBuilt
        ? `${t.apiUrl}/   (sign in with the API key below)`
        : `${t.apiUrl}/   (not built: npx nx build web, then restart)`,
    ],
    ['API docs', `${t.apiUrl}/docs`],
    [
      'API key',
      t.apiKey.insecure
        ? 'none (API_INSECURE_NO_AUTH=true)'
        : `${t.apiKey.key}${t.apiKey.generated ? '   (generated for this machine; set API_KEYS to use your own)' : '   (from API_KEYS)'}`,
    ],
    ['SQS', t.sqsLine],
    ...(t.adsLine ? [['Ads API', t.adsLine] as [string, string]] : []),
    ['PostgreSQL', t.postgresLine],
    ['NATS', t.natsLine],
    [
      'Slack',
      t.slack.kind === 'configured'
        ? 'webhook from SLACK_WEBHOOK_URL / SLACK_WEBHOOKS'
        : 'not configured: the alerter logs each alert',
    ],
    ['logs', `${t.logDir}/<app>.log`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const example = t.apiKey.insecure
    ? `curl '${t.apiUrl}/v1/performance?advertiserId=…&from=…&to=…&granularity=day'`
    : `curl -H 'Authorization: Bearer ${t.apiKey.key}' '${t.apiUrl}/v1/performance?advertiserId=…&from=…&to=…&granularity=day'`;
  return [
    '',
    `${READY_LINE} (all ${t.apps.length} apps ready in ${t.seconds} s)`,
    '',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    '',
    `  Send traffic: npm run simulate -- --hours 48     Query: ${example}`,
    '  Stop: Ctrl-C (stops only what this launcher started)',
    '',
    '',
  ].join('\n');
}
