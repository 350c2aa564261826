import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, type RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'web-admin-key-0123456789abcdef';
const INLINE = "window.__boot = 'ok';";
const INDEX = `<!doctype html><html lang="en"><head><title>ams-sentinel</title><script>${INLINE}</script>
<script type="module" crossorigin src="/assets/index-AbC123_x.js"></script></head><body><div id="app"></div></body></html>`;

/** The dashboard's build served by the api: files, the SPA fallback, cache headers, the CSP; and the api without it. */
describe('api: the dashboard at / (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let dist: string;
  let api: RunningTestApp<ApiEnv>;
  let bare: RunningTestApp<ApiEnv>;

  beforeAll(async () => {
    db = await createTestDatabase();
    dist = mkdtempSync(join(tmpdir(), 'ams-web-'));
    mkdirSync(join(dist, 'assets'));
    writeFileSync(join(dist, 'index.html'), INDEX);
    writeFileSync(join(dist, 'assets', 'index-AbC123_x.js'), 'console.log(1);');
    writeFileSync(join(dist, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    const env = { ...baseTestEnv(db, uniquePrefix('apiweb')), API_KEYS: KEY };
    api = await startNestApp(appDefinition, { ...env, WEB_DIST_DIR: dist });
    bare = await startNestApp(appDefinition, { ...env, WEB_DIST_DIR: join(dist, 'nothing-here') });
  });
  afterAll(async () => {
    await api?.close();
    await bare?.close();
    await db?.drop();
    rmSync(dist, { recursive: true, force: true });
  });

  it('serves index.html at / and at every app route, never cached without revalidation', async () => {
    for (const path of ['/', '/sign-in', '/advertisers/A1/campaigns/123', '/pipeline', '/advertisers/A1/alerts?x=1']) {
      const res = await fetch(`${api.baseUrl}${path}`);
      expect({ path, status: res.status, type: res.headers.get('content-type') }).toEqual({
        path,
        status: 200,
        type: expect.stringContaining('text/html'),
      });
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toBe(INDEX);
    }
  });

  it('serves hashed assets for a year, other files revalidated; a missing asset is a 404, not HTML', async () => {
    const js = await fetch(`${api.baseUrl}/assets/index-AbC123_x.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const svg = await fetch(`${api.baseUrl}/favicon.svg`);
    expect(svg.status).toBe(200);
    expect(svg.headers.get('cache-control')).toBe('no-cache');
    const missing = await fetch(`${api.baseUrl}/assets/index-Zz999999.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).not.toContain('text/html');
  });

  it("leaves the api's own paths alone: /v1, /health, /docs, /metrics never answer index.html", async () => {
    const unknown = await fetch(`${api.baseUrl}/v1/nothing`, { headers: { authorization: `Bearer ${KEY}` } });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ statusCode: 404 });
    expect((await fetch(`${api.baseUrl}/v1/campaigns`)).status).toBe(401);
    expect(await (await fetch(`${api.baseUrl}/health/live`)).json()).toMatchObject({ status: 'ok' });
    expect((await fetch(`${api.baseUrl}/health/nothing`)).status).toBe(404);
    expect(await (await fetch(`${api.baseUrl}/docs`)).text()).toContain('swagger');
    expect(await (await fetch(`${api.baseUrl}/metrics`)).text()).toContain('# HELP');
  });

  it("sends a CSP that allows the app's own scripts, its inline script by hash, and requests to itself only", async () => {
    const csp = (await fetch(`${api.baseUrl}/`)).headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name, values];
      }),
    );
    const hash = `'sha256-${createHash('sha256').update(INLINE).digest('base64')}'`;
    expect(directives['script-src']).toEqual(["'self'", hash]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['script-src']).not.toContain("'unsafe-inline'");
  });

  it('starts without a build: / says the dashboard is not built, the api works', async () => {
    const res = await fetch(`${bare.baseUrl}/`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('dashboard is not built');
    expect((await fetch(`${bare.baseUrl}/v1/campaigns`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${bare.baseUrl}/sign-in`)).status).toBe(404);
  });
});
