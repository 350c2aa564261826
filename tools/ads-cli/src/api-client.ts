/**
 * The ams-sentinel api over HTTP, as the CLI needs it: where it is and which key to send (the environment, else the
 * running `npm start`'s), and one `request` that turns every failure into an `ApiError` with the api's code and
 * message (never a stack).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DEFAULT_API_URL = 'http://127.0.0.1:3000';

/** The api answered with an error (`status` > 0), or could not be reached (`status` 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errorId?: string,
  ) {
    super(message);
  }
}

/** The key is missing: exit 78 with what to set. */
export class ConfigError extends Error {}

export type Env = Readonly<Record<string, string | undefined>>;

export function workspaceRoot(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'nx.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

interface LauncherServices {
  apiUrl?: string;
  apiKey?: string;
}

function launcherDir(env: Env, root: string | null): string | null {
  if (env['LAUNCHER_DATA_DIR']) return join(resolve(env['LAUNCHER_DATA_DIR']), 'launcher');
  return root ? join(root, '.data', 'launcher') : null;
}

function readLauncherServices(dir: string | null): LauncherServices {
  if (!dir) return {};
  try {
    return JSON.parse(readFileSync(join(dir, 'services.json'), 'utf8')) as LauncherServices;
  } catch {
    return {};
  }
}

export interface ApiTarget {
  url: string;
  key: string;
  /** where the key came from, for error messages (never the key) */
  keySource: string;
}

/**
 * URL: --api-url, API_URL, the running launcher's (`.data/launcher/services.json`), else 127.0.0.1:3000.
 * Key: API_KEY, the running launcher's, else the one it generated for this machine (`.data/launcher/api-key`).
 */
export function resolveTarget(apiUrlFlag: string | null, env: Env, cwd: string): ApiTarget {
  const dir = launcherDir(env, workspaceRoot(cwd));
  const services = readLauncherServices(dir);
  const url = (apiUrlFlag ?? (env['API_URL'] || services.apiUrl || DEFAULT_API_URL)).replace(/\/+$/, '');
  if (env['API_KEY']) return { url, key: env['API_KEY'], keySource: 'API_KEY' };
  if (services.apiKey) return { url, key: services.apiKey, keySource: 'the running npm start' };
  if (dir && existsSync(join(dir, 'api-key'))) {
    const key = readFileSync(join(dir, 'api-key'), 'utf8').trim();
    if (key) return { url, key, keySource: join(dir, 'api-key') };
  }
  throw new ConfigError(
    'no API key: set API_KEY to an admin key of the api (one of its API_KEYS), or run npm start, which keeps one in .data/launcher/api-key',
  );
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'DELETE';
  query?: Record<string, string | undefined>;
  body?: unknown;
  timeoutMs?: number;
}

function errorText(message: unknown): string {
  if (Array.isArray(message)) return message.map(String).join('; ');
  if (typeof message === 'string') return message;
  return message === undefined ? '' : JSON.stringify(message);
}

export class ApiClient {
  constructor(
    private readonly target: ApiTarget,
    private readonly fetchImpl: typeof fetch = fetch,
  ) {}

  get url(): string {
    return this.target.url;
  }

  async request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
    const u = new URL(`${this.target.url}${path}`);
    for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) u.searchParams.set(k, v);
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.target.key}`,
      accept: 'application/json',
    };
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await this.fetchImpl(u, {
        method: opts.method ?? 'GET',
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
      });
    } catch (err) {
      const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
      const why =
        e.name === 'TimeoutError'
          ? `no answer within ${Math.round((opts.timeoutMs ?? 60_000) / 1000)} s`
          : (e.cause?.code ?? e.cause?.message ?? e.message ?? String(err));
      throw new ApiError(0, 'UNREACHABLE', `cannot reach the api at ${this.target.url} (${why}); is it running?`);
    }
    const text = await res.text();
    let body: unknown = undefined;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
    }
    if (!res.ok) {
      const b = (body ?? {}) as { code?: unknown; message?: unknown; errorId?: unknown; error?: unknown };
      const code = typeof b.code === 'string' ? b.code : `HTTP_${res.status}`;
      let message = errorText(b.message) || (typeof b.error === 'string' ? b.error : '') || res.statusText;
      if (res.status === 401 || res.status === 403) message += ` (key from ${this.target.keySource})`;
      throw new ApiError(res.status, code, message, typeof b.errorId === 'string' ? b.errorId : undefined);
    }
    if (text && body === undefined) {
      throw new ApiError(res.status, 'BAD_RESPONSE', `the api answered ${res.status} with a body that is not JSON`);
    }
    return body as T;
  }

  /**
   * Every item of a list route, following `nextCursor`: the api's `{data, nextCursor}` pages of up to 1,000.
   */
  async list<T>(path: string, query: Record<string, string | undefined>, what: string): Promise<T[]> {
    const all: T[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 10_000; page++) {
      const body = await this.request<unknown>(path, { query: { ...query, limit: '1000', cursor } });
      const b = (body ?? {}) as Record<string, unknown>;
      const items = Array.isArray(b['data']) ? b['data'] : null;
      if (!items) throw new ApiError(200, 'BAD_RESPONSE', `${path} answered without a list of ${what}`);
      all.push(...(items as T[]));
      const next = b['nextCursor'];
      if (typeof next !== 'string' || next === '') return all;
      cursor = next;
    }
    return all;
  }
}
