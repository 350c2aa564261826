import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { ExitInfo, LineBuffer, exitOf, isRunning, terminate, trackChild } from './child-registry';
import { workspaceRoot } from './fixtures';
import { freePort } from './ports';
import { HISTORY_RETENTION } from './retention';

export type AppName = 'ingestor' | 'processor' | 'alerter' | 'aggregator' | 'api' | 'connector';

export interface AppProcess {
  name: string;
  pid: number;
  port: number;
  /** http://127.0.0.1:<port> */
  baseUrl: string;
  /** stdout and stderr lines, the last 5,000. */
  logs: string[];
  exited: Promise<ExitInfo>;
  /** Polls GET <baseUrl>/health/ready until 200; fails at once (with the last 50 log lines) if the process exits. */
  waitReady(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (SIGTERM), SIGKILLs after `timeoutMs` (15000); resolves with how the process ended. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ExitInfo>;
  kill9(): Promise<void>;
}

export interface StartAppOptions {
  /** Default: a free port. */
  port?: number;
  /** Default <workspaceRoot>/dist/apps/<name>/main.js */
  entry?: string;
  /** Flags for node itself, before the entry (e.g. --cpu-prof for a benchmark). */
  nodeArgs?: string[];
}

const MAX_LOG_LINES = 5_000;

function httpStatus(url: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out after ${timeoutMs}ms`)));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Runs a built app as a real process: `node <entry>` with the test's environment (minus
 * NODE_OPTIONS, which jest/ts-node hooks would leak into it), HISTORY_RETENTION (the fixtures' 2025 hours stay
 * inside every retention horizon unless `env` says otherwise), `env` and PORT. Does not wait for
 * readiness: call `waitReady()`. Still-running apps are SIGKILLed when the test process exits.
 */
export async function startApp(
  name: AppName,
  env: Record<string, string>,
  opts: StartAppOptions = {},
): Promise<AppProcess> {
  const entry = opts.entry ?? join(workspaceRoot(), 'dist', 'apps', name, 'main.js');
  if (!existsSync(entry)) {
    throw new Error(`${name}: ${entry} does not exist; build it first (npx nx build ${name})`);
  }
  const port = opts.port ?? (await freePort());
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...HISTORY_RETENTION, ...env, PORT: String(port) };
  delete childEnv['NODE_OPTIONS'];

  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), entry], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  trackChild(child);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  spawnError.catch(() => undefined);
  await Promise.race([new Promise<void>((resolve) => child.once('spawn', () => resolve())), spawnError]);

  const buffer = new LineBuffer(MAX_LOG_LINES);
  child.stdout?.on('data', (d: Buffer) => buffer.push(d));
  child.stderr?.on('data', (d: Buffer) => buffer.push(d));
  const exited = exitOf(child).then((info) => {
    buffer.flush();
    return info;
  });
  const baseUrl = `http://127.0.0.1:${port}`;

  const waitReady = async (timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = 'no answer yet';
    for (;;) {
      if (!isRunning(child)) {
        const info = await exited;
        throw new Error(
          `${name} exited (code ${info.code}, signal ${info.signal}) before it was ready; last log lines:\n${buffer.tail(50)}`,
        );
      }
      try {
        const status = await httpStatus(`${baseUrl}/health/ready`, Math.max(Math.min(2_000, deadline - Date.now()), 1));
        if (status === 200) return;
        last = `HTTP ${status}`;
      } catch (err) {
        last = (err as Error).message;
      }
      if (Date.now() >= deadline) {
        throw new Error(
          `Timed out after ${timeoutMs}ms waiting for ${name} to be ready at ${baseUrl}/health/ready (last: ${last}); ` +
            `last log lines:\n${buffer.tail(50)}`,
        );
      }
      // poll again shortly, or at once if the process exits meanwhile
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 100)), exited]);
    }
  };

  return {
    name,
    pid: child.pid ?? -1,
    port,
    baseUrl,
    logs: buffer.lines,
    exited,
    waitReady,
    stop: async (signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 15_000) => {
      await terminate(child, signal, timeoutMs);
      return exited;
    },
    kill9: async () => {
      await terminate(child, 'SIGKILL');
      await exited;
    },
  };
}

/**
 * The environment of a child that runs TypeScript through ts-node: this process's, with `extra` on top, without
 * NODE_OPTIONS and TS_NODE_* (Nx's jest executor sets them for its own config; a child compiling with them fails,
 * e.g. `moduleResolution=node10 is deprecated` under TypeScript 6).
 */
export function tsNodeChildEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of Object.keys(env)) if (k === 'NODE_OPTIONS' || k.startsWith('TS_NODE_')) delete env[k];
  return env;
}

/**
 * Runs `npm run simulate -- <args>` (tools/simulator through ts-node, as the npm script does) to completion,
 * with `env` on top of this process's environment; resolves with the exit code and the merged output.
 */
export function runSimulator(
  args: string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; out: string }> {
  const root = workspaceRoot();
  const childEnv = tsNodeChildEnv(env);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(root, 'node_modules/ts-node/dist/bin.js'),
        '--transpile-only',
        '-P',
        'tools/tsconfig.json',
        '-r',
        './tools/register-paths.js',
        'tools/simulator/src/main.ts',
        ...args,
      ],
      { cwd: root, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    trackChild(child);
    let out = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, out }));
  });
}
