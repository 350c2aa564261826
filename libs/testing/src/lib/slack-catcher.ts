import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

export interface CaughtPost {
  /** Date.now() when the request arrived. */
  at: number;
  /** Request path, without the query string. */
  path: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  raw: string;
  headers: Record<string, string | string[] | undefined>;
  answeredStatus: number;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (to simulate a slow Slack). */
  delayMs?: number;
}

export interface SlackCatcher {
  /** http://127.0.0.1:<port>/hooks/default — any path is accepted. */
  url: string;
  /** http://127.0.0.1:<port>/hooks/<name> */
  urlFor(name: string): string;
  /** Every request, including the ones answered with errors, in the order they were answered. */
  posts: CaughtPost[];
  /** Only the requests answered 200. */
  delivered: CaughtPost[];
  /**
   * The next `responses.length` requests to `path` (a path, a full URL from `urlFor`, or '*' for
   * any path without a script of its own) get these answers in order; after that, 200 "ok".
   */
  script(path: string | '*', responses: ScriptedResponse[]): void;
  /** Forgets posts and scripts. */
  reset(): void;
  close(): Promise<void>;
}

function pathOf(pathOrUrl: string): string {
  if (pathOrUrl === '*') return '*';
  if (/^https?:\/\//i.test(pathOrUrl)) return new URL(pathOrUrl).pathname;
  return pathOrUrl.startsWith('/') ? pathOrUrl : `/${pathOrUrl}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Starts an HTTP server on 127.0.0.1 that records every request like a Slack incoming webhook would receive it. */
export async function startSlackCatcher(opts: { port?: number } = {}): Promise<SlackCatcher> {
  const posts: CaughtPost[] = [];
  const delivered: CaughtPost[] = [];
  const scripts = new Map<string, ScriptedResponse[]>();
  const timers = new Set<NodeJS.Timeout>();

  const nextResponse = (path: string): ScriptedResponse => {
    for (const key of [path, '*']) {
      const queue = scripts.get(key);
      const next = queue?.shift();
      if (next) return next;
    }
    return { status: 200, headers: { 'content-type': 'text/html' }, body: 'ok' };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = Date.now();
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let raw = '';
    try {
      raw = await readBody(req);
    } catch {
      // the client went away; record what we have
    }
    let body: unknown = undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    const answer = nextResponse(path);
    if (answer.delayMs && answer.delayMs > 0) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          timers.delete(t);
          resolve();
        }, answer.delayMs);
        timers.add(t);
      });
    }
    const post: CaughtPost = { at, path, body, raw, headers: { ...req.headers }, answeredStatus: answer.status };
    posts.push(post);
    if (answer.status === 200) delivered.push(post);
    if (!res.destroyed) {
      res.writeHead(answer.status, answer.headers ?? { 'content-type': 'text/plain' });
      res.end(answer.body ?? (answer.status === 200 ? 'ok' : ''));
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const urlFor = (name: string) => `${base}/hooks/${encodeURIComponent(name)}`;

  let closed: Promise<void> | undefined;
  return {
    url: urlFor('default'),
    urlFor,
    posts,
    delivered,
    script: (path, responses) => {
      const key = pathOf(path);
      scripts.set(key, [...(scripts.get(key) ?? []), ...responses]);
    },
    reset: () => {
      posts.length = 0;
      delivered.length = 0;
      scripts.clear();
    },
    close: () =>
      (closed ??= new Promise<void>((resolve, reject) => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      })),
  };
}
