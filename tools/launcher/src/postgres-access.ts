/**
 * As root, the embedded PostgreSQL runs as the system user `postgres` (PostgreSQL refuses to run as root), which
 * must enter every directory on the way to its binaries and its data directory. A checkout or data dir under a
 * 0700 home or temp directory blocks it, and initdb or postgres then fail with a bare EACCES. This finds the
 * directory that blocks and says, in one line, why and what to do, before anything is started.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SystemUser {
  name: string;
  uid: number;
  gid: number;
}

/** Thrown when the postgres user cannot reach what it needs; the message is the one line to show. */
export class PostgresAccessError extends Error {
  override readonly name = 'PostgresAccessError';
}

/** The directories from `/` down to `path` (which may not exist yet: only the existing ones are returned). */
function existingAncestors(path: string): string[] {
  const dirs: string[] = [];
  for (let d = resolve(path); ; d = dirname(d)) {
    if (existsSync(d) && statSync(d).isDirectory()) dirs.unshift(d);
    if (dirname(d) === d) break;
  }
  return dirs;
}

/** Whether `user` may enter `dir`: asked of the system itself, by a shell running as that user (groups as our spawn). */
function canEnter(dir: string, user: SystemUser): boolean {
  const r = spawnSync('/bin/sh', ['-c', 'test -x "$1"', 'sh', dir], {
    uid: user.uid,
    gid: user.gid,
    stdio: 'ignore',
    timeout: 5_000,
  });
  return r.status === 0;
}

/** The first existing directory on the way to `path` that `user` cannot enter, with its mode; null when none blocks. */
export function blockingDirectory(path: string, user: SystemUser): { dir: string; mode: string } | null {
  for (const dir of existingAncestors(path)) {
    if (!canEnter(dir, user)) return { dir, mode: (statSync(dir).mode & 0o777).toString(8).padStart(4, '0') };
  }
  return null;
}

/**
 * Refuses (PostgresAccessError) when `user` cannot reach the binaries or the data directory, naming the directory that
 * blocks and what to do. `what` says where the paths come from, for the advice.
 */
export function assertPostgresCanReach(paths: { binary: string; dataDir: string }, user: SystemUser): void {
  const bin = blockingDirectory(dirname(paths.binary), user);
  if (bin) {
    throw new PostgresAccessError(
      `the embedded PostgreSQL runs as the system user ${user.name} (not as root), which cannot enter ${bin.dir} (mode ${bin.mode}) ` +
        `on the way to its binaries in ${dirname(paths.binary)}: move the checkout to a directory ${user.name} can enter, ` +
        `run npm start as a user other than root, or set DATABASE_URL to a PostgreSQL of your own`,
    );
  }
  const data = blockingDirectory(paths.dataDir, user);
  if (data) {
    throw new PostgresAccessError(
      `the embedded PostgreSQL runs as the system user ${user.name} (not as root), which cannot enter ${data.dir} (mode ${data.mode}) ` +
        `on the way to its data directory ${paths.dataDir}: set LAUNCHER_DATA_DIR to a directory ${user.name} can enter ` +
        `(e.g. /var/tmp/ams-sentinel), run npm start as a user other than root, or set DATABASE_URL to a PostgreSQL of your own`,
    );
  }
}
