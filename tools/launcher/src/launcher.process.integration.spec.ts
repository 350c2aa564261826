/**
 * The launcher as a real process (what `npm start` runs): a DATABASE_URL on a closed port fails fast
 * with a clear message; a launcher on the machine's services (own database and NATS prefix) stops every
 * process it started on SIGTERM and exits 0; a SIGKILLed launcher's leftovers (embedded PostgreSQL,
 * nats-server, fauxqs, apps) are stopped by the next one. The apps must be built (the `test` target
 * depends on their builds), so the launcher runs with --skip-build.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, DEFAULT_REFRESH_TOKEN } from '@ams/ads-api-emulator';
import {
  connectNats as connect,
  createTestDatabase,
  freePort,
  uniquePrefix,
  waitFor,
  workspaceRoot,
  type TestDatabase,
} from '@ams/testing';
import { simulatorSeed } from './ads-emulator';

const root = workspaceRoot();

function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`missing: ${what}`);
  return value;
}

interface Launched {
  child: ChildProcess;
  out: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const launched: Launched[] = [];
const tempDirs: string[] = [];

function launch(args: string[], env: NodeJS.ProcessEnv): Launched {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const k of [
    'NODE_OPTIONS',
    'NODE_ENV',
    'JEST_WORKER_ID',
    'DATABASE_URL',
    'NATS_URL',
    'SQS_QUEUE_URLS',
    'SQS_ENDPOINT',
    'PORT',
    'API_KEYS',
    'ADS_API_CLIENT_ID',
    'ADS_API_CLIENT_SECRET',
    'ADS_API_REFRESH_TOKEN',
    'LAUNCHER_ADS_PORT',
  ]) {
    if (!(k in env)) delete childEnv[k];
  }
  // TS_NODE_* (set by Nx's jest executor) would change how ts-node compiles the launcher
  for (const k of Object.keys(childEnv)) if (k.startsWith('TS_NODE_')) delete childEnv[k];
  const child = spawn(
    process.execPath,
    [
      join(root, 'node_modules/ts-node/dist/bin.js'),
      '--transpile-only',
      '-P',
      'tools/tsconfig.json',
      '-r',
      './tools/register-paths.js',
      'tools/launcher/src/main.ts',
      ...args,
    ],
    { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout?.on('data', (d: Buffer) => (text += d.toString('utf8')));
  child.stderr?.on('data', (d: Buffer) => (text += d.toString('utf8')));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const l = { child, out: () => text, exit };
  launched.push(l);
  return l;
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'launcher-test-'));
  chmodSync(dir, 0o755); // the embedded PostgreSQL runs as the postgres user and must reach its data directory
  tempDirs.push(dir);
  return dir;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** The pids the launcher recorded in its state file (every process it started). */
function startedPids(dir: string): Record<string, number> {
  const state = JSON.parse(readFileSync(join(dir, 'launcher', 'state.json'), 'utf8')) as {
    children: Record<string, { pid: number }>;
  };
  return Object.fromEntries(Object.entries(state.children).map(([name, e]) => [name, e.pid]));
}

async function waitReady(l: Launched, timeoutMs: number): Promise<void> {
  await waitFor(
    () => {
      if (l.child.exitCode !== null) throw new Error(`launcher exited early:\n${l.out()}`);
      return l.out().includes('ams-sentinel is running');
    },
    { timeoutMs, intervalMs: 100, description: 'the launcher ready table' },
  ).catch((err: unknown) => {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)}\n--- launcher output ---\n${l.out().slice(-4000)}`,
    );
  });
}

const leftoverPids = new Set<number>();

afterAll(async () => {
  for (const l of launched) if (l.child.exitCode === null && l.child.signalCode === null) l.child.kill('SIGKILL');
  for (const pid of leftoverPids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

describe('launcher process', () => {
  it('fails within seconds with a clear message when DATABASE_URL points at a closed port', async () => {
    // Loading the launcher with ts-node takes seconds of its own, more on a loaded machine: a run refused at its
    // first step (an unknown option) measures that, and the closed port may cost at most 10 s beyond it.
    const deadline = <T>(p: Promise<T>, out: () => string) =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`still running after 40 s:\n${out()}`)), 40_000),
        ),
      ]);
    const baselineStarted = Date.now();
    const refused = launch(['--no-such-option'], { LAUNCHER_DATA_DIR: dataDir() });
    expect((await deadline(refused.exit, refused.out)).code).toBe(2);
    const loadMs = Date.now() - baselineStarted;

    const port = await freePort();
    const started = Date.now();
    const l = launch(['--skip-build'], {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/ams_test_closed`,
      LAUNCHER_DATA_DIR: dataDir(),
    });
    const exit = await deadline(l.exit, l.out);
    expect(Date.now() - started - loadMs).toBeLessThan(10_000);
    expect(exit.code).toBe(69);
    expect(l.out()).toContain(
      `DATABASE_URL (postgres://postgres@127.0.0.1:${port}/ams_test_closed) is not reachable: connection refused`,
    );
    expect(l.out()).toMatch(/unset it to use the machine's PostgreSQL/);
  }, 100_000);

  it('refuses a partial set of Ads API credentials in one line naming the variables, never their values', async () => {
    const l = launch(['--skip-build'], {
      ADS_API_CLIENT_ID: 'amzn1.application-oa2-client.partial',
      ADS_API_REFRESH_TOKEN: 'Atzr|not-to-be-printed',
      LAUNCHER_DATA_DIR: dataDir(),
      LAUNCHER_SQS_PORT: String(await freePort()),
    });
    const exit = await Promise.race([
      l.exit,
      new Promise<never>((_, reject) =>
        // a deadline for a refusal, not a speed test: ts-node loads the launcher slowly on a loaded machine
        setTimeout(() => reject(new Error(`still running after 60 s:\n${l.out()}`)), 60_000),
      ),
    ]);
    expect(exit.code).toBe(78);
    expect(l.out()).toContain(
      'ADS_API_CLIENT_ID, ADS_API_REFRESH_TOKEN are set but ADS_API_CLIENT_SECRET is not: set all three to use Amazon',
    );
    expect(l.out()).not.toContain('not-to-be-printed');
  }, 90_000);

  it('as root, refuses in one line when the postgres user cannot enter the data directory (a 0700 temp dir), not with a bare EACCES', async () => {
    expect(process.getuid?.()).toBe(0); // the embedded PostgreSQL switches to the postgres user only as root (this machine, CI)
    const closed = mkdtempSync(join(tmpdir(), 'launcher-closed-')); // mode 0700
    tempDirs.push(closed);
    const l = launch(['--skip-build', '--embedded-postgres'], {
      LAUNCHER_DATA_DIR: closed,
      LAUNCHER_SQS_PORT: String(await freePort()),
    });
    const exit = await Promise.race([
      l.exit,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`still running after 60 s:\n${l.out()}`)), 60_000),
      ),
    ]);
    expect(exit.code).toBe(78);
    const line = must(
      l
        .out()
        .split('\n')
        .find((x) => x.includes('cannot start:')),
      `the refusal in:\n${l.out()}`,
    );
    expect(line).toContain(
      `the system user postgres (not as root), which cannot enter ${closed} (mode 0700) on the way to its data directory ${join(closed, 'postgres')}`,
    );
    expect(line).toContain('set LAUNCHER_DATA_DIR to a directory postgres can enter');
    expect(l.out()).not.toMatch(/EACCES/);
    expect(existsSync(join(closed, 'launcher', 'state.json'))).toBe(false); // nothing was left running
  }, 90_000);

  describe('on the machine services', () => {
    let db: TestDatabase;
    beforeAll(async () => {
      db = await createTestDatabase();
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('starts the six apps, the connector on the Ads API emulator, passes the environment through, and stops everything it started on SIGTERM', async () => {
      const dir = dataDir();
      const apiPort = await freePort();
      const apiKey = `launcher-test-key-${Date.now()}`;
      const adsPort = await freePort();
      const l = launch(['--skip-build'], {
        LAUNCHER_ADS_PORT: String(adsPort),
        DATABASE_URL: db.url,
        NATS_PREFIX: uniquePrefix('launcher'),
        API_PORT: String(apiPort),
        API_KEYS: apiKey,
        LAUNCHER_SQS_PORT: String(await freePort()),
        LAUNCHER_DATA_DIR: dir,
      });
      await waitReady(l, 50_000);
      const pids = startedPids(dir);
      Object.values(pids).forEach((p) => leftoverPids.add(p));
      expect(Object.keys(pids).sort()).toEqual([
        'ads-api-emulator',
        'aggregator',
        'alerter',
        'api',
        'connector',
        'fauxqs',
        'ingestor',
        'processor',
      ]);
      expect(l.out()).toContain(`${apiKey}   (from API_KEYS)`);
      expect(l.out()).toContain(`http://127.0.0.1:${apiPort}/docs`);
      // the dashboard's line: the api's own / (built or, without dist/apps/web, saying how to build it)
      expect(l.out()).toMatch(new RegExp(`dashboard +http://127\\.0\\.0\\.1:${apiPort}/ +\\((sign in|not built)`));
      const home = await fetch(`http://127.0.0.1:${apiPort}/`);
      expect(home.headers.get('content-type')).toMatch(/text\/(html|plain)/);
      // the machine's NATS is open: said once, before anything starts
      expect(l.out().match(/NATS at nats:\/\/127\.0\.0\.1:4222 has no authentication/g)).toHaveLength(1);

      // the key from the environment reached the api
      const res = await fetch(
        `http://127.0.0.1:${apiPort}/v1/performance?advertiserId=nobody&from=2025-06-01&to=2025-06-02&granularity=day`,
        {
          headers: { authorization: `Bearer ${apiKey}` },
        },
      );
      expect(res.status).toBe(200);
      const services = JSON.parse(readFileSync(join(dir, 'launcher', 'services.json'), 'utf8')) as {
        apiKey: string;
        sqs: { queueUrl: string };
        ads: { kind: string; url: string; tokenUrl: string };
      };
      expect(services.apiKey).toBe(apiKey);
      expect(services.sqs.queueUrl).toMatch(/\/ams-stream$/);

      // without Ads credentials: the emulator, on LAUNCHER_ADS_PORT, serving the simulator's advertisers
      expect(services.ads).toEqual({
        kind: 'emulator',
        url: `http://127.0.0.1:${adsPort}`,
        tokenUrl: `http://127.0.0.1:${adsPort}/auth/o2/token`,
      });
      expect(l.out()).toMatch(
        new RegExp(`Ads API\\s+emulator http://127\\.0\\.0\\.1:${adsPort}, 3 profiles of the simulator's advertisers`),
      );
      const token = await fetch(services.ads.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          refresh_token: DEFAULT_REFRESH_TOKEN,
          client_id: DEFAULT_CLIENT_ID,
          client_secret: DEFAULT_CLIENT_SECRET,
        }),
      });
      expect(token.status).toBe(200);
      const { access_token } = (await token.json()) as { access_token: string };
      const profiles = await fetch(`${services.ads.url}/v2/profiles`, {
        headers: { 'Amazon-Advertising-API-ClientId': DEFAULT_CLIENT_ID, authorization: `Bearer ${access_token}` },
      });
      expect(profiles.status).toBe(200);
      // profile ids are int64 numbers on the wire: read them as text
      const ids = [...(await profiles.text()).matchAll(/"profileId":\s*(\d+)/g)].map((m) => m[1]);
      const seed = simulatorSeed();
      expect(ids).toEqual(seed.profiles.map((p) => p.profileId));

      // the connector synced them at start: the api lists the simulator's advertisers with their time zones
      const listed = await waitFor(
        async () => {
          const r = await fetch(`http://127.0.0.1:${apiPort}/v1/ads/profiles`, {
            headers: { authorization: `Bearer ${apiKey}` },
          });
          const body = (await r.json()) as {
            data?: Array<{ profileId: string; advertiserId: string; timeZone: string }>;
          };
          return r.status === 200 && body.data && body.data.length === seed.profiles.length ? body.data : null;
        },
        { timeoutMs: 20_000, description: "the simulator's profiles in GET /v1/ads/profiles" },
      );
      expect(
        listed.map((p) => [p.profileId, p.advertiserId, p.timeZone]).sort((a, b) => a[0].localeCompare(b[0])),
      ).toEqual(
        seed.profiles.map((p) => [p.profileId, p.accountId, p.timezone]).sort((a, b) => a[0].localeCompare(b[0])),
      );

      l.child.kill('SIGTERM');
      const exit = await l.exit;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(l.out()).toContain('stopped cleanly');
      for (const [name, pid] of Object.entries(pids))
        expect({ name, alive: isAlive(pid) }).toEqual({ name, alive: false });
    }, 60_000);
  });

  it('with the embedded PostgreSQL and its own nats-server: a SIGKILLed launcher leaves processes the next one stops', async () => {
    const dir = dataDir();
    const env = {
      API_PORT: String(await freePort()),
      LAUNCHER_SQS_PORT: String(await freePort()),
      LAUNCHER_DATA_DIR: dir,
    };
    const first = launch(['--skip-build', '--embedded-postgres', '--own-nats'], env);
    await waitReady(first, 50_000);
    expect(first.out()).toMatch(/PostgreSQL\s+embedded, 127\.0\.0\.1:\d+/);
    const orphans = startedPids(dir);
    Object.values(orphans).forEach((p) => leftoverPids.add(p));
    expect(Object.keys(orphans).sort()).toEqual([
      'ads-api-emulator',
      'aggregator',
      'alerter',
      'api',
      'connector',
      'fauxqs',
      'ingestor',
      'nats',
      'postgres',
      'processor',
    ]);
    expect(first.out()).toMatch(/NATS\s+started .*nats-server.*per-app users/);
    expect(first.out()).not.toMatch(/has no authentication/);
    // per-app users with passwords made once, kept 0600; the apps got ready under them; anonymous clients are refused
    const usersFile = join(dir, 'launcher', 'nats-users.json');
    expect(statSync(usersFile).mode & 0o777).toBe(0o600);
    const passwords = JSON.parse(readFileSync(usersFile, 'utf8')) as Record<string, string>;
    // a user per NATS app of libs/contracts (the connector's included, whether or not it runs), and the operator
    expect(Object.keys(passwords).sort()).toEqual([
      'aggregator',
      'alerter',
      'api',
      'connector',
      'ingestor',
      'operator',
      'processor',
    ]);
    for (const pw of Object.values(passwords)) expect(first.out()).not.toContain(pw);
    const natsUrl = must(
      /NATS\s+started \S+, (nats:\/\/127\.0\.0\.1:\d+)/.exec(first.out()),
      'the NATS URL in the table',
    )[1];
    await expect(connect({ servers: natsUrl, reconnect: false })).rejects.toMatchObject({
      code: 'AUTHORIZATION_VIOLATION',
    });
    const api = await connect({ servers: natsUrl, user: 'api', pass: passwords['api'], reconnect: false });
    await api.close();

    first.child.kill('SIGKILL');
    await first.exit;
    expect(isAlive(orphans['postgres'])).toBe(true); // what the issue warns about

    const second = launch(['--skip-build', '--embedded-postgres', '--own-nats'], env);
    await waitReady(second, 50_000);
    for (const name of Object.keys(orphans))
      expect(second.out()).toMatch(new RegExp(`stopped ${name} \\(pid ${orphans[name]}`));
    for (const pid of Object.values(orphans)) expect(isAlive(pid)).toBe(false);
    const pids = startedPids(dir);
    Object.values(pids).forEach((p) => leftoverPids.add(p));
    expect(JSON.parse(readFileSync(usersFile, 'utf8'))).toEqual(passwords); // generated once

    second.child.kill('SIGTERM');
    expect(await second.exit).toEqual({ code: 0, signal: null });
    for (const pid of Object.values(pids)) expect(isAlive(pid)).toBe(false);
  }, 60_000);
});
