import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';

/** Paths the dashboard never answers: the api's own. Anything else that is not a file gets the SPA's index.html. */
export const API_PATHS = ['/v1', '/health', '/docs', '/docs-json', '/metrics'] as const;

/**
 * `ServeStaticModule`'s `exclude` patterns (path-to-regexp 8): API_PATHS and everything under them, and `/assets/…`
 * (a missing build file is a 404, never index.html under a script's name).
 */
export const SPA_EXCLUDE = [...API_PATHS.flatMap((p) => [p, `${p}/{*rest}`]), '/assets/{*rest}'];

/**
 * Where the dashboard's build is: WEB_DIST_DIR when set (relative to the working directory), else the first of
 * `web/` beside the api's main.js (the image copies it there), `../web` beside it (`dist/apps/api` → `dist/apps/web`)
 * and `dist/apps/web` under the working directory (in-process tests, the workspace). Null: not built.
 */
export function resolveWebDist(configured: string, entry = process.argv[1], cwd = process.cwd()): string | null {
  const candidates = configured
    ? [isAbsolute(configured) ? configured : resolve(cwd, configured)]
    : [
        ...(entry ? [join(dirname(entry), 'web'), join(dirname(entry), '..', 'web')] : []),
        join(cwd, 'dist', 'apps', 'web'),
      ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? null;
}

/** `'sha256-…'` of every inline `<script>` of index.html, so the CSP allows exactly those and no other inline script. */
export function inlineScriptHashes(indexHtml: string): string[] {
  const hashes: string[] = [];
  for (const m of indexHtml.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
    if (/\bsrc\s*=/i.test(m[1]) || m[2].length === 0) continue;
    hashes.push(`'sha256-${createHash('sha256').update(m[2], 'utf8').digest('base64')}'`);
  }
  return hashes;
}

/**
 * The Content-Security-Policy of every answer: the dashboard's own scripts and styles only (inline scripts by hash),
 * requests to this origin only (`connect-src 'self'`: /v1 and the event stream), no plugins, no framing by others.
 * Styles allow 'unsafe-inline' for the `style` attributes the charts and /docs set (no script can run from a style).
 */
export function contentSecurityPolicy(scriptHashes: string[]): Record<string, string[]> {
  return {
    'default-src': ["'self'"],
    'script-src': ["'self'", ...scriptHashes],
    'style-src': ["'self'", "'unsafe-inline'"],
    'img-src': ["'self'", 'data:'],
    'font-src': ["'self'", 'data:'],
    'connect-src': ["'self'"],
    'object-src': ["'none'"],
    'base-uri': ["'self'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'self'"],
    'script-src-attr': ["'none'"],
  };
}

/** Hashed build output (`assets/index-5f2a9c1b.js`): its name changes with its content, so it may be cached for good. */
export function isHashedAsset(path: string): boolean {
  return /[\\/]assets[\\/][^\\/]+[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(path);
}

/** Cache-Control of a served file: a year, immutable, for hashed assets; revalidate everything else (index.html). */
export function cacheControlFor(path: string): string {
  return isHashedAsset(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

export function readIndexHtml(dir: string | null): string | null {
  return dir ? readFileSync(join(dir, 'index.html'), 'utf8') : null;
}
