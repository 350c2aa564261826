import { createTestDatabase, freePort, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const KEY = 'exposure-key-0123456789abcdefg';
const READ = 'exposure-read-key-0123456789ab';

/** What the api shows to anyone who can reach it: security headers, /health detail only with a key, /metrics apart. */
describe('api: headers and exposure (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  let metricsPort: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    metricsPort = await freePort();
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, uniquePrefix('apiexpo')),
      API_KEYS: KEY,
      API_READ_KEYS: READ,
      METRICS_PORT: String(metricsPort),
      SQS_QUEUE_URLS: 'https://sqs.us-east-1.amazonaws.com/123456789012/ams-stream-sp-traffic',
      SLACK_WEBHOOKS: 'ops=https://hooks.slack.com/services/T000/B000/SECRETSECRET',
    });
  });
  afterAll(async () => {
    await api?.close();
    await db?.drop();
  });

  it('sends security headers and no X-Powered-By, on answers and refusals alike', async () => {
    for (const [path, key] of [
      ['/health', null],
      ['/v1/campaigns', KEY],
      ['/v1/campaigns', null],
      ['/nope', null],
    ] as const) {
      const res = await fetch(`${api.baseUrl}${path}`, { headers: key ? { authorization: `Bearer ${key}` } : {} });
      await res.arrayBuffer();
      const h = Object.fromEntries(res.headers);
      expect({ path, status: res.status, poweredBy: h['x-powered-by'] }).toEqual({
        path,
        status: res.status,
        poweredBy: undefined,
      });
      expect(h).toMatchObject({
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'SAMEORIGIN',
        'strict-transport-security': expect.stringContaining('max-age='),
        'content-security-policy': expect.stringContaining("default-src 'self'"),
        'referrer-policy': 'no-referrer',
      });
    }
  });

  it('keeps the OpenAPI UI working under the content security policy (no inline scripts)', async () => {
    const res = await fetch(`${api.baseUrl}/docs`);
    expect(res.status).toBe(200);
    const html = await res.text();
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toMatch(/\ssrc=/);
  });

  it('GET /health names the integrations; queue names, destinations and key counts only with a key', async () => {
    const anonymous = await (await fetch(`${api.baseUrl}/health`)).text();
    expect(anonymous).not.toContain('ams-stream');
    expect(anonymous).not.toContain('ops');
    expect(anonymous).not.toContain('apiKeys');
    expect(JSON.parse(anonymous)).toMatchObject({
      status: 'ok',
      integrations: { sqs: { configured: true }, slack: { configured: true } },
    });
    // a wrong key is treated as none
    const wrong = await (
      await fetch(`${api.baseUrl}/health`, { headers: { authorization: 'Bearer wrong-key-0123456789abcdef' } })
    ).text();
    expect(wrong).toBe(anonymous);
    const detailed = (await (
      await fetch(`${api.baseUrl}/health`, { headers: { authorization: `Bearer ${READ}` } })
    ).json()) as Record<string, unknown>;
    expect(detailed).toMatchObject({
      integrations: {
        sqs: { configured: true, queues: ['ams-stream-sp-traffic'], region: 'us-east-1' },
        slack: { configured: true, destinations: ['ops'] },
        auth: { apiKeys: 1, operatorKeys: 0, readKeys: 1 },
      },
    });
    expect(JSON.stringify(detailed)).not.toContain('SECRETSECRET');
  });

  it('serves /metrics on METRICS_PORT only: the main port answers 404', async () => {
    expect((await fetch(`${api.baseUrl}/metrics`)).status).toBe(404);
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('ams_http_request_duration_seconds');
    expect((await fetch(`http://127.0.0.1:${metricsPort}/v1/campaigns`)).status).toBe(404);
  });

  it('refuses a bad METRICS_PORT at start, naming it', async () => {
    await expect(
      startNestApp(appDefinition, {
        ...baseTestEnv(db, uniquePrefix('apiexpo2')),
        API_KEYS: KEY,
        METRICS_PORT: '70000',
      }),
    ).rejects.toThrow(/METRICS_PORT/);
  });
});
