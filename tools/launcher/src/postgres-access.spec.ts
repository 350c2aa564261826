/**
 * As root, the postgres system user must enter every directory on the way to the embedded PostgreSQL's binaries and
 * data: a 0700 directory in between is found and named (the system is asked, as that user), instead of a bare EACCES.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertPostgresCanReach, blockingDirectory, PostgresAccessError, type SystemUser } from './postgres-access';

const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
const postgres: SystemUser = { name: 'postgres', uid: id('-u'), gid: id('-g') };
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempDir(mode: number): string {
  const d = mkdtempSync(join(tmpdir(), 'pg-access-'));
  chmodSync(d, mode);
  dirs.push(d);
  return d;
}

describe('blockingDirectory (as root, for the postgres user)', () => {
  it('names the 0700 directory on the way, even to a path that does not exist yet', () => {
    const closed = tempDir(0o700);
    mkdirSync(join(closed, 'launcher', 'postgres'), { recursive: true });
    expect(blockingDirectory(join(closed, 'launcher', 'postgres'), postgres)).toEqual({ dir: closed, mode: '0700' });
    expect(blockingDirectory(join(closed, 'not', 'made', 'yet'), postgres)).toEqual({ dir: closed, mode: '0700' });
  });

  it('finds nothing in the way through 0755 directories', () => {
    const open = tempDir(0o755);
    expect(blockingDirectory(join(open, 'postgres'), postgres)).toBeNull();
  });

  it('refuses in one line that names the directory and what to do', () => {
    const closed = tempDir(0o700);
    const open = tempDir(0o755);
    let err: unknown;
    try {
      assertPostgresCanReach({ binary: '/usr/bin/true', dataDir: join(closed, 'postgres') }, postgres);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PostgresAccessError);
    const msg = (err as Error).message;
    expect(msg).not.toContain('\n');
    expect(msg).toContain(
      `cannot enter ${closed} (mode 0700) on the way to its data directory ${join(closed, 'postgres')}`,
    );
    expect(msg).toMatch(/set LAUNCHER_DATA_DIR to a directory postgres can enter/);
    expect(() =>
      assertPostgresCanReach({ binary: join(closed, 'bin', 'postgres'), dataDir: join(open, 'postgres') }, postgres),
    ).toThrow(new RegExp(`cannot enter ${closed} \\(mode 0700\\) on the way to its binaries`));
    expect(() =>
      assertPostgresCanReach({ binary: '/usr/bin/true', dataDir: join(open, 'postgres') }, postgres),
    ).not.toThrow();
  });
});
