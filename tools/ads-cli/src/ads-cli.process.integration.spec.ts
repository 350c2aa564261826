/**
 * The CLI against the real system: the built api and connector as processes on the machine's PostgreSQL and NATS
 * (own test database and NATS prefix), the connector on the repo's Ads API emulator (in this process, so the spec can
 * inject Amazon's refusals and move subscription statuses). No fake of our own api: every command goes through the
 * api's routes, the connector's commands and the emulator's Amazon-shaped answers.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  type AdsEmulator,
  connectorEnvFor,
  DEFAULT_PROFILE_IDS,
  defaultSeed,
  startAdsEmulator,
} from '@ams/ads-api-emulator';
import {
  createTestDatabase,
  startApp,
  tsNodeChildEnv,
  uniquePrefix,
  waitFor,
  workspaceRoot,
  type AppName,
  type AppProcess,
  type TestDatabase,
} from '@ams/testing';
import { runCli } from './cli';

const ADMIN = 'ads-cli-spec-admin-key-0123456789';
const READ = 'ads-cli-spec-read-key-0123456789';
const [US, DE] = DEFAULT_PROFILE_IDS;
const ARN = 'arn:aws:sqs:us-east-1:123456789012:ams-cli-spec';
const root = workspaceRoot();

describe('npm run ads against the api, the connector and the Ads API emulator', () => {
  let db: TestDatabase;
  let emu: AdsEmulator;
  let api: AppProcess;
  let connector: AppProcess;

  async function ads(argv: string[], key = ADMIN) {
    let out = '';
    let err = '';
    const code = await runCli([...argv, '--api-url', api.baseUrl], {
      env: { API_KEY: key },
      cwd: root,
      out: (t) => (out += t),
      err: (t) => (err += t),
    });
    return { code, out, err };
  }

  beforeAll(async () => {
    db = await createTestDatabase();
    emu = await startAdsEmulator({ port: 0, seed: defaultSeed() });
    const base = {
      DATABASE_URL: db.url,
      DATABASE_POOL_SIZE: '4',
      NATS_PREFIX: uniquePrefix('adscli'),
      LOG_LEVEL: 'warn',
    };
    // libs/testing's AppName predates the connector; the name is only used in its messages
    connector = await startApp(
      'connector' as AppName,
      {
        ...base,
        ...connectorEnvFor(emu),
        ADS_SYNC_ON_START: 'false',
        ADS_RETRY_BASE_DELAY_MS: '10',
        ADS_RETRY_MAX_ATTEMPTS: '3',
      },
      { entry: join(root, 'dist', 'apps', 'connector', 'main.js') },
    );
    api = await startApp('api', { ...base, API_KEYS: ADMIN, API_READ_KEYS: READ });
    await Promise.all([connector.waitReady(60_000), api.waitReady(60_000)]);
  }, 120_000);

  afterAll(async () => {
    await Promise.all([api?.stop(), connector?.stop()]);
    await emu?.stop();
    await db?.drop();
  });

  it('syncs and lists the profiles, int64 ids exact, with their time zones', async () => {
    const sync = await ads(['sync']);
    expect(sync).toMatchObject({ code: 0, err: '' });
    expect(sync.out).toContain('3 profile(s) listed from Amazon');

    const table = await ads(['profiles']);
    expect(table.code).toBe(0);
    const rows = table.out.split('\n');
    expect(rows[0]).toMatch(/^PROFILE\s+ADVERTISER\s+REGION\s+COUNTRY\s+CURRENCY\s+TIME ZONE\s+TYPE\s+ACTIVE/);
    expect(rows.find((r) => r.startsWith(DE))).toMatch(/\sDE\s+EUR\s+Europe\/Berlin\s+vendor\s+yes\s/);
    expect(rows.find((r) => r.startsWith(US))).toMatch(/\sUS\s+USD\s+America\/Los_Angeles\s+seller\s+yes\s/);

    const json = await ads(['profiles', '--json']);
    const items = JSON.parse(json.out) as Array<{ profileId: string; timeZone: string }>;
    expect(items.map((p) => p.profileId).sort()).toEqual([...DEFAULT_PROFILE_IDS].sort());

    const conn = await ads(['connection', '--json']);
    expect(JSON.parse(conn.out)).toMatchObject({ configured: true, state: 'authorized' });
  });

  it('subscribes once per dataset, reuses on a repeat, and shows the statuses Amazon reports', async () => {
    const argv = ['subscribe', '--profile', US, '--datasets', 'sp-traffic,budget-usage', '--queue-arn', ARN];
    const first = await ads(argv);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toMatch(/^sp-traffic\s+created\s+\S+\s+PENDING_CONFIRMATION$/m);
    expect(first.out).toMatch(/^budget-usage\s+created\s+\S+\s+PENDING_CONFIRMATION$/m);

    const again = await ads(argv);
    expect(again.code).toBe(0);
    expect(again.out).toContain('0 created, 2 reused, 0 failed.');
    const live = emu.control.subscriptions(US).filter((s) => s.status !== 'ARCHIVED');
    expect(live).toHaveLength(2);

    // Amazon confirms one: --refresh reads the statuses from Amazon first
    const traffic = live.find((s) => s.dataSetId === 'sp-traffic');
    if (!traffic) throw new Error('no sp-traffic subscription at the emulator');
    emu.control.setSubscriptionStatus(traffic.subscriptionId, 'ACTIVE');
    const listed = await ads(['subscriptions', '--profile', US, '--refresh']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(
      new RegExp(`^${traffic.subscriptionId.replace(/\./g, '\\.')}\\s+${US}\\s+sp-traffic\\s+ACTIVE\\s`, 'm'),
    );
    expect(listed.out).toMatch(/\sbudget-usage\s+PENDING_CONFIRMATION\s/);
    expect(listed.out).toContain('the ingestor confirms it');

    const archived = await ads(['archive', '--subscription', traffic.subscriptionId]);
    expect(archived).toMatchObject({ code: 0, err: '' });
    expect(archived.out).toContain(`Archived ${traffic.subscriptionId} (status ARCHIVED)`);
    expect(emu.control.subscriptions(US).find((s) => s.subscriptionId === traffic.subscriptionId)?.status).toBe(
      'ARCHIVED',
    );
  });

  it("prints Amazon's refusal per dataset and exits 1 when a dataset failed", async () => {
    emu.control.injectFault({
      route: 'streams',
      method: 'POST',
      action: {
        kind: 'status',
        status: 400,
        body: JSON.stringify({ code: 'INVALID_ARGUMENT', message: 'destination is not a queue Amazon can reach' }),
      },
    });
    const r = await ads(['subscribe', '--profile', DE, '--datasets', 'sp-conversion', '--queue-arn', ARN]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^sp-conversion\s+failed\s+.*destination is not a queue Amazon can reach.*HTTP 400/m);
    expect(r.out).toContain('0 created, 0 reused, 1 failed.');
  });

  it("exits 1 with the api's code and message when it refuses", async () => {
    const scope = await ads(['subscribe', '--profile', US, '--datasets', 'sp-traffic', '--queue-arn', ARN], READ);
    expect(scope.code).toBe(1);
    expect(scope.out).toBe('');
    expect(scope.err).toMatch(/^error: HTTP 403 SCOPE_REQUIRED: .+\n$/);

    const unknown = await ads(['archive', '--subscription', 'amzn1.fead.cs1.nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.err).toMatch(/^error: HTTP 404 NOT_FOUND: stream subscription amzn1\.fead\.cs1\.nobody is unknown/);

    const badKey = await ads(['profiles'], 'not-a-key-of-this-api-0123456789');
    expect(badKey.code).toBe(1);
    expect(badKey.err).toMatch(/^error: HTTP 401 AUTH_INVALID: .+ \(key from API_KEY\)\n$/);
  });

  it('runs as npm run ads does: a process, clean --json on stdout, exit codes', async () => {
    const run = (argv: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
        const env = tsNodeChildEnv({ API_KEY: ADMIN });
        const child = spawn(
          process.execPath,
          [
            join(root, 'node_modules/ts-node/dist/bin.js'),
            '--transpile-only',
            '-P',
            'tools/tsconfig.json',
            '-r',
            './tools/register-paths.js',
            'tools/ads-cli/src/main.ts',
            ...argv,
          ],
          { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let out = '';
        let err = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        child.once('error', reject);
        child.once('close', (code) => resolve({ code, out, err }));
      });
    const ok = await run(['profiles', '--json', '--api-url', api.baseUrl]);
    expect(ok.err).toBe('');
    expect(ok.code).toBe(0);
    expect((JSON.parse(ok.out) as unknown[]).length).toBe(3);
    const bad = await run(['subscribe', '--profile', US, '--datasets', 'sp-traffic', '--queue-arn', 'arn:aws:sqs:x']);
    expect(bad.code).toBe(64);
    expect(bad.err).toMatch(/^error: --queue-arn: malformed SQS queue ARN/);
    expect(bad.err).not.toMatch(/\n\s+at /);
  }, 60_000);

  it('lists the subscriptions the connector stored, without asking Amazon', async () => {
    const r = await waitFor(
      async () => {
        const x = await ads(['subscriptions', '--json']);
        const items = JSON.parse(x.out) as Array<{ profileId: string; dataSetId: string; status: string }>;
        return items.some((s) => s.dataSetId === 'budget-usage' && s.profileId === US) ? items : null;
      },
      { timeoutMs: 10_000, description: 'the budget-usage subscription in GET /v1/ads/stream-subscriptions' },
    );
    expect(r.find((s) => s.dataSetId === 'budget-usage')?.status).toBe('PENDING_CONFIRMATION');
  });
});
