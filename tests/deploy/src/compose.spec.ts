/**
 * docker/docker-compose.yml, checked without a Docker engine: the whole system (PostgreSQL, NATS with
 * durable JetStream, an SQS endpoint with the ams-stream queue and its dead-letter queue, the
 * migration step, the six apps) wired as in production, each app starting with the environment it
 * gets (its own validation decides), after the migration succeeded.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPort, loadAppConfig } from './app-env';
import { APPS, ROOT, readText, readYaml } from './manifests';
import { jetStreamSyncInterval, natsVersionProblems } from './nats-config';
import { imageProblems } from './policies';

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  ports?: string[];
  volumes?: string[];
  restart?: string;
  read_only?: boolean;
  cap_drop?: string[];
  stop_grace_period?: string;
}

/** Compose interpolation: `${X:-default}` takes the default, `${X:?message}` (required) a sample value. */
function interpolate(value: string): string {
  return value
    .replace(/\$\{(\w+):?-([^}]*)\}/g, (_, _name: string, fallback: string) => fallback)
    .replace(/\$\{(\w+):?\?[^}]*\}/g, (_, name: string) =>
      name === 'API_KEYS' ? 'compose-check-key-0123456789' : `<${name}>`,
    );
}

const compose = readYaml('docker/docker-compose.yml') as { services: Record<string, Service> };
const services = compose.services;
const env = (name: string): Record<string, string> =>
  Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));

describe('docker/docker-compose.yml', () => {
  it('runs PostgreSQL, NATS, an SQS endpoint, the migration step and the six apps, none on a floating tag', () => {
    expect(Object.keys(services).sort()).toEqual(['elasticmq', 'migrate', 'nats', 'postgres', ...APPS].sort());
    for (const [name, s] of Object.entries(services))
      expect({ name, problems: imageProblems(s.image) }).toEqual({ name, problems: [] });
  });

  it('runs a current NATS with JetStream that fsyncs before acknowledging (sync_interval: always)', () => {
    const nats = services['nats'];
    expect(natsVersionProblems(nats.image ?? '')).toEqual([]);
    expect(nats.command).toEqual(['-c', '/etc/nats/nats.conf']);
    expect(nats.volumes).toContain('./nats.conf:/etc/nats/nats.conf:ro');
    const conf = readText('docker/nats.conf');
    expect(jetStreamSyncInterval(conf)).toBe('always');
    expect(conf).toMatch(/store_dir:\s*\/data\//);
    expect(nats.volumes).toContain('nats-data:/data');
    expect(nats.healthcheck?.test.join(' ')).toContain('/healthz');
  });

  it('serves the SQS queue ams-stream with a dead-letter queue after 5 receives, and points the ingestor at it', () => {
    expect(services['elasticmq'].volumes).toContain('./elasticmq.conf:/opt/elasticmq.conf:ro');
    const conf = readText('docker/elasticmq.conf');
    expect(conf).toMatch(
      /ams-stream\s*\{[^}]*deadLettersQueue\s*\{\s*name\s*=\s*"ams-stream-dlq"\s*maxReceiveCount\s*=\s*5\s*\}/,
    );
    expect(conf).toMatch(/\n\s*ams-stream-dlq\s*\{/);
    expect(env('ingestor')['SQS_QUEUE_URLS']).toBe('http://elasticmq:9324/000000000000/ams-stream');
    expect(env('ingestor')['SQS_ENDPOINT']).toBe('http://elasticmq:9324');
  });

  it('migrates once against the same database, after PostgreSQL is healthy', () => {
    const migrate = services['migrate'];
    expect(migrate.build).toEqual({ context: '..', dockerfile: 'docker/migrate.Dockerfile' });
    expect(migrate.restart).toBe('no');
    expect(migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(env('migrate')['DATABASE_URL']).toBe(env('api')['DATABASE_URL']);
    const url = new URL(env('migrate')['DATABASE_URL']);
    const pg = env('postgres');
    expect([url.username, url.password, url.pathname.slice(1)]).toEqual([
      pg['POSTGRES_USER'],
      pg['POSTGRES_PASSWORD'],
      pg['POSTGRES_DB'],
    ]);
  });

  describe.each(APPS)('%s', (app) => {
    const s = services[app];

    it('is built from its Dockerfile and starts after PostgreSQL and NATS are healthy and the migration succeeded', () => {
      expect(s.build).toEqual({ context: '..', dockerfile: `docker/${app}.Dockerfile` });
      expect(existsSync(join(ROOT, 'docker', `${app}.Dockerfile`))).toBe(true);
      expect(s.image).toBe(`ams-sentinel/${app}:${(services['migrate'].image ?? '').split(':')[1]}`);
      expect(s.depends_on).toMatchObject({
        postgres: { condition: 'service_healthy' },
        nats: { condition: 'service_healthy' },
        migrate: { condition: 'service_completed_successfully' },
      });
      expect(s.healthcheck?.test.join(' ')).toContain('/health/ready');
    });

    it('listens on its default port, published on 127.0.0.1 only', () => {
      const port = defaultPort(app);
      expect(env(app)['PORT']).toBe(String(port));
      expect(s.ports).toEqual([`127.0.0.1:${port}:${port}`]);
    });

    it("gets every variable it requires (the app's own validation accepts its environment)", () => {
      const { config, problems } = loadAppConfig(app, env(app));
      expect(problems).toEqual([]);
      if (app === 'api') expect(config?.['API_INSECURE_NO_AUTH']).toBe(false);
    });

    it('runs read-only, without capabilities, and gets longer than its drain to stop', () => {
      expect(s.read_only).toBe(true);
      expect(s.cap_drop).toEqual(['ALL']);
      const shutdownMs = Number(env(app)['SHUTDOWN_TIMEOUT_MS'] ?? 25_000);
      expect(Number(/^(\d+)s$/.exec(s.stop_grace_period ?? '')?.[1]) * 1000).toBeGreaterThan(shutdownMs);
    });
  });
});
