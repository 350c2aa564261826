/**
 * `.data/launcher/state.json`: the pid of the running launcher and of every process it started, written
 * as they start. A launcher that was SIGKILLed cannot stop its children; the next one reads this file
 * and stops what is left (checking the command line, so a reused pid is never touched).
 * `.data/launcher/services.json`: the endpoints and API key of a ready system, for `npm run simulate`.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandLine, isAlive, stopPid } from './managed-process';

export interface StateEntry {
  pid: number;
  /** a string the process's command line contains (identifies it despite pid reuse) */
  marker: string;
}

interface StateFile {
  launcherPid: number;
  startedAt: string;
  children: Record<string, StateEntry>;
}

export interface ServicesFile {
  launcherPid: number;
  apiUrl: string;
  apiKey: string;
  sqs: { endpoint: string | null; queueUrl: string; region: string };
  apps: Record<string, string>;
  /** the Ads API the connector uses: the launcher's emulator, or Amazon with the user's credentials */
  ads?: { kind: 'emulator' | 'configured'; url: string | null; tokenUrl: string | null };
}

export class LauncherState {
  private readonly file: string;
  private readonly servicesPath: string;
  private readonly state: StateFile;

  constructor(readonly dir: string) {
    this.file = join(dir, 'state.json');
    this.servicesPath = join(dir, 'services.json');
    this.state = { launcherPid: process.pid, startedAt: new Date().toISOString(), children: {} };
  }

  /**
   * Refuses to run beside a live launcher using the same data directory, and stops the leftovers of a
   * dead one. Returns what it did, one line each.
   */
  async takeOver(): Promise<{ ok: true; cleaned: string[] } | { ok: false; error: string }> {
    mkdirSync(this.dir, { recursive: true });
    const cleaned: string[] = [];
    const previous = readJson<StateFile>(this.file);
    if (previous) {
      if (
        previous.launcherPid !== process.pid &&
        isAlive(previous.launcherPid) &&
        /launcher/.test(commandLine(previous.launcherPid))
      ) {
        return {
          ok: false,
          error: `another launcher (pid ${previous.launcherPid}) is running with ${this.dir}: stop it first (Ctrl-C in its terminal, or kill ${previous.launcherPid})`,
        };
      }
      // in reverse start order, the apps together: apps, fauxqs, NATS, PostgreSQL
      const leftovers = Object.entries(previous.children ?? {})
        .filter(([, e]) => isAlive(e.pid) && commandLine(e.pid).includes(e.marker))
        .reverse();
      const stop = async ([name, e]: [string, StateEntry]) => {
        const t = Date.now();
        await stopPid(e.pid, name === 'postgres' ? 'SIGINT' : 'SIGTERM', 10_000);
        cleaned.push(
          `stopped ${name} (pid ${e.pid}, ${Date.now() - t} ms), left running by a launcher that did not exit cleanly`,
        );
      };
      const apps = leftovers.filter(([, e]) => e.marker.startsWith('dist/apps/'));
      await Promise.all(apps.map(stop));
      for (const l of leftovers.filter((x) => !apps.includes(x))) await stop(l);
    }
    rmSync(this.servicesPath, { force: true });
    this.save();
    return { ok: true, cleaned };
  }

  record(name: string, entry: StateEntry): void {
    this.state.children[name] = entry;
    this.save();
  }

  forget(name: string): void {
    delete this.state.children[name];
    this.save();
  }

  writeServices(s: ServicesFile): void {
    writeAtomic(this.servicesPath, JSON.stringify(s, null, 2));
  }

  /** After a clean stop: nothing is left to clean up. */
  clear(): void {
    rmSync(this.servicesPath, { force: true });
    rmSync(this.file, { force: true });
  }

  private save(): void {
    writeAtomic(this.file, JSON.stringify(this.state, null, 2));
  }
}

function writeAtomic(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export function readJson<T>(path: string): T | null {
  if (!existsSync(path)) return null;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
}
