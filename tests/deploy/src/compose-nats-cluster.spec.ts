/**
 * docker/docker-compose.nats-cluster.yml, checked without a Docker engine: on top of docker-compose.yml it runs NATS
 * as the production topology runs it (three servers in one JetStream cluster, each with its own name and volume, fsync
 * before every acknowledgement), and every app lists the three servers and replicates its streams three times.
 */
import { COMPOSE_NATS_MEMBERS, NATS_USERS, natsPasswordVariable } from '@ams/contracts';
import { loadAppConfig } from './app-env';
import { APPS, must, readText, readYaml } from './manifests';
import { jetStreamSyncInterval, natsVersionProblems } from './nats-config';

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  volumes?: string[];
}
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

const base = readYaml('docker/docker-compose.yml') as Compose;
const cluster = readYaml('docker/docker-compose.nats-cluster.yml') as Compose;

/** What `docker compose -f base -f override` gives a service: maps merged key by key, the override's scalars win. */
function merged(name: string): Service {
  const b = base.services[name] ?? {};
  const o = cluster.services[name] ?? {};
  const byTarget = (vs: string[] = []) => new Map(vs.map((v) => [v.split(':')[1], v]));
  return {
    ...b,
    ...o,
    environment: { ...b.environment, ...o.environment },
    depends_on: { ...b.depends_on, ...o.depends_on },
    volumes: [...new Map([...byTarget(b.volumes), ...byTarget(o.volumes)]).values()],
  };
}

/** `${X:?message}` → a sample value; `${X:-default}` → the default. */
const interpolate = (v: string) =>
  v
    .replace(/\$\{(\w+):?-([^}]*)\}/g, (_, _n: string, d: string) => d)
    .replace(/\$\{(\w+):?\?[^}]*\}/g, (_, n: string) => (n === 'API_KEYS' ? 'compose-check-key-0123456789' : `<${n}>`));

describe('docker/docker-compose.nats-cluster.yml', () => {
  const conf = readText('docker/nats-cluster.conf');

  it('runs three NATS servers (the base one is the first), each a current release with the cluster config', () => {
    expect(Object.keys(cluster.services).filter((s) => s.startsWith('nats'))).toEqual([...COMPOSE_NATS_MEMBERS]);
    for (const name of COMPOSE_NATS_MEMBERS) {
      const s = merged(name);
      expect({ name, problems: natsVersionProblems(s.image ?? '') }).toEqual({ name, problems: [] });
      expect(s.command).toEqual(['-c', '/etc/nats/nats-cluster.conf']);
      expect(s.volumes).toContain('./nats-cluster.conf:/etc/nats/nats-cluster.conf:ro');
      expect(s.healthcheck?.test.join(' ')).toContain('/healthz?js-enabled-only=true');
      for (const user of NATS_USERS) {
        const v = natsPasswordVariable(user);
        expect(s.environment?.[v]).toMatch(new RegExp(`^\\$\\{${v}:\\?[^}]+\\}$`));
      }
    }
  });

  it('gives each server its own name and its own volume', () => {
    const members = COMPOSE_NATS_MEMBERS.map(merged);
    const names = members.map((s) => s.environment?.['SERVER_NAME']);
    expect(new Set(names).size).toBe(3);
    const data = members.map(
      (s) =>
        must(
          s.volumes?.find((v) => v.endsWith(':/data')),
          'data volume',
        ).split(':')[0],
    );
    expect(new Set(data).size).toBe(3);
    for (const v of data) expect(Object.keys({ ...base.volumes, ...cluster.volumes })).toContain(v);
    expect(conf).toMatch(/^server_name: \$SERVER_NAME$/m);
    expect(conf).toMatch(/store_dir:\s*\/data\//);
  });

  it('configures one cluster whose routes reach every server, and JetStream fsyncing before acknowledging', () => {
    const block = must(/\ncluster \{([\s\S]*?)\n\}/.exec(conf), 'cluster block')[1];
    expect(block).toMatch(/^\s*name: ams-nats$/m);
    expect(block).toMatch(/^\s*listen: 0\.0\.0\.0:6222$/m);
    const routes = [...block.matchAll(/nats-route:\/\/([\w-]+):6222/g)].map((m) => m[1]);
    expect(routes).toEqual([...COMPOSE_NATS_MEMBERS]);
    expect(jetStreamSyncInterval(conf)).toBe('always');
  });

  describe.each(APPS)('%s', (app) => {
    it('lists the three servers, replicates its streams 3 times, and starts once all three are healthy', () => {
      const s = merged(app);
      const env = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
      expect(env['NATS_URL'].split(',')).toEqual(COMPOSE_NATS_MEMBERS.map((m) => `nats://${m}:4222`));
      expect(env['NATS_STREAM_REPLICAS']).toBe('3');
      for (const m of COMPOSE_NATS_MEMBERS) expect(s.depends_on?.[m]).toEqual({ condition: 'service_healthy' });
      expect(s.depends_on?.['migrate']).toEqual({ condition: 'service_completed_successfully' });
      const { config, problems } = loadAppConfig(app, env);
      expect(problems).toEqual([]);
      expect(config?.['NATS_STREAM_REPLICAS']).toBe(3);
    });
  });
});
