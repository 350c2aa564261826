/**
 * The apps (service-plan.ts APPS): built with Nx, started as separate `node dist/apps/<app>/main.js` processes, waited for
 * until `/health/ready` answers 200, their JSON log lines shown with the app's name in front (and kept
 * whole in `.data/logs/<app>.log`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnManaged, type ManagedProcess } from './managed-process';
import { APPS, type AppName } from './service-plan';

export interface RunningApp {
  app: AppName;
  port: number;
  url: string;
  process: ManagedProcess;
}

/** `npx nx run-many -t build` for the apps; resolves with the output tail on failure. */
export function buildApps(root: string, say: (line: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    // the dashboard too (served by the api from dist/apps/web): rebuilt only when its sources changed (Nx cache)
    const projects = [...APPS, ...(hasWebApp(root) ? ['web'] : [])];
    const args = ['nx', 'run-many', '-t', 'build', `--projects=${projects.join(',')}`, '--output-style=static'];
    const env = { ...process.env, NX_DAEMON: process.env['NX_DAEMON'] ?? 'false', NX_NO_CLOUD: 'true' };
    const child = spawn('npx', args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: string[] = [];
    const keep = (d: Buffer) => {
      for (const l of d.toString('utf8').split('\n')) {
        out.push(l);
        if (out.length > 80) out.shift();
        if (/Successfully ran target|Nx read the output from the cache|Failed tasks|ERROR/.test(l))
          say(`  nx: ${l.trim()}`);
      }
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', (e) => reject(new Error(`could not run npx nx: ${e.message}`)));
    child.once('close', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`building the apps failed (nx exit code ${code}):\n${out.slice(-40).join('\n')}`));
    });
  });
}

export function appEntry(root: string, app: AppName): string {
  return join(root, 'dist', 'apps', app, 'main.js');
}

/** The workspace has the dashboard's project (apps/web). */
export function hasWebApp(root: string): boolean {
  return existsSync(join(root, 'apps', 'web', 'project.json'));
}

/** The dashboard's build that the api serves (dist/apps/web beside dist/apps/api), or null when there is none. */
export function webBuild(root: string): string | null {
  const dir = join(root, 'dist', 'apps', 'web');
  return existsSync(join(dir, 'index.html')) ? dir : null;
}

export function missingBuilds(root: string): AppName[] {
  return APPS.filter((a) => !existsSync(appEntry(root, a)));
}

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const DROP = new Set(['level', 'time', 'app', 'pid', 'hostname', 'msg', 'context']);

/** A pino JSON line as `12:00:01 INFO  [Context] message {other fields}`; anything else as it came. */
export function formatLogLine(line: string): string {
  if (!line.startsWith('{')) return line;
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof rec['time'] === 'string' ? rec['time'].slice(11, 19) : '';
  const level =
    typeof rec['level'] === 'number'
      ? (LEVELS[rec['level']] ?? String(rec['level']))
      : String(rec['level'] ?? '')
          .toUpperCase()
          .padEnd(5);
  const context = typeof rec['context'] === 'string' ? `[${rec['context']}] ` : '';
  const rest = Object.fromEntries(Object.entries(rec).filter(([k]) => !DROP.has(k)));
  // a multi-line text field (the alerter's logged Slack message) reads better as lines of its own
  const text = typeof rest['message'] === 'string' && rest['message'].includes('\n') ? rest['message'] : null;
  if (text !== null) delete rest['message'];
  const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
  const head = `${time} ${level} ${context}${String(rec['msg'] ?? '')}${extra}`.trim();
  return text === null
    ? head
    : `${head}\n${text
        .split('\n')
        .map((l) => `    ${l}`)
        .join('\n')}`;
}

export function startAppProcess(opts: {
  root: string;
  app: AppName;
  port: number;
  env: NodeJS.ProcessEnv;
  logFile: string;
  print: (app: AppName, line: string) => void;
}): RunningApp {
  const env: NodeJS.ProcessEnv = { ...opts.env, PORT: String(opts.port) };
  delete env['NODE_OPTIONS'];
  const proc = spawnManaged(opts.app, process.execPath, [appEntry(opts.root, opts.app)], {
    env,
    cwd: opts.root,
    logFile: opts.logFile,
    onLine: (line) => opts.print(opts.app, formatLogLine(line)),
  });
  return { app: opts.app, port: opts.port, url: `http://127.0.0.1:${opts.port}`, process: proc };
}

async function ready(url: string): Promise<boolean> {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 2_000);
  try {
    const res = await fetch(`${url}/health/ready`, { signal: ctrl.signal });
    await res.arrayBuffer().catch(() => undefined);
    return res.status === 200;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves when every app answers 200 on /health/ready; rejects at once when one exits, or at the deadline. */
export async function waitAllReady(apps: RunningApp[], timeoutMs: number): Promise<void> {
  const pending = new Set(apps);
  const deadline = Date.now() + timeoutMs;
  while (pending.size > 0) {
    for (const a of [...pending]) {
      if (!a.process.running()) {
        const info = await a.process.exited;
        throw new Error(
          `the ${a.app} exited during startup (code ${info.code}, signal ${info.signal}); its last lines:\n${a.process.tail(30)}`,
        );
      }
      if (await ready(a.url)) pending.delete(a);
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) {
      const names = [...pending].map((a) => a.app).join(', ');
      throw new Error(`not ready after ${Math.round(timeoutMs / 1000)} s: ${names} (see .data/logs/<app>.log)`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}
