/**
 * Authenticated NATS as deployed: the committed nats-server configurations are exactly what the generator renders
 * from the per-app permissions (libs/contracts nats-permissions.ts, `npm run nats:config`), so they cannot drift from
 * what the system test proves the apps need; every app connects as its own user with a password from the
 * environment or the Secret, never a literal in git nor the ConfigMap; only the apps reach the dev NATS.
 */
import {
  NATS_APPS,
  NATS_CONFIG_FILES,
  NATS_USERS,
  natsPasswordVariable,
  natsUserName,
  natsUserVariable,
  renderNatsAccounts,
} from '@ams/contracts';
import {
  configData,
  type EnvVar,
  get,
  type K8sObject,
  kustomize,
  must,
  podSpec,
  readText,
  readYaml,
} from './manifests';
import { flowsByWorkload } from './network-flows';
import { CONFIG_MAP, secretTemplate } from './policies';

const SECRETS_IN_ENV = ['NATS_USER', 'NATS_PASSWORD', 'NATS_TOKEN'];

describe('the committed NATS configurations', () => {
  it.each(Object.keys(NATS_CONFIG_FILES))('%s equals what `npm run nats:config` renders', (path) => {
    expect(readText(path)).toBe(NATS_CONFIG_FILES[path]());
  });

  it('refuse clients without credentials: one account with JetStream, a user per app, passwords only as variables', () => {
    for (const path of ['docker/nats.conf', 'k8s/overlays/dev/nats.conf']) {
      const conf = readText(path);
      expect(conf).toContain(renderNatsAccounts(''));
      expect(conf).not.toMatch(/no_auth_user|authorization\s*\{/);
      for (const user of NATS_USERS) expect(conf).toContain(`password: $${natsPasswordVariable(user)}`);
      expect(conf).not.toMatch(/password:\s*"/);
    }
  });

  it('prod: the Helm values merge the same users, each password from the Secret ams-sentinel-nats-users', () => {
    const values = readYaml('k8s/overlays/prod/nats-helm-values.yaml') as {
      container: { env: Record<string, { valueFrom: { secretKeyRef: { name: string; key: string } } }> };
      config: {
        merge: {
          accounts: {
            AMS: { jetstream: string; users: Array<{ user: string; password: string; permissions: unknown }> };
          };
        };
        jetstream: { merge: Record<string, string> };
      };
    };
    const account = values.config.merge.accounts.AMS;
    expect(account.jetstream).toBe('enabled');
    expect(account.users.map((u) => u.user)).toEqual(NATS_USERS.map(natsUserName));
    for (const app of NATS_USERS) {
      const v = natsPasswordVariable(app);
      expect(account.users.find((u) => u.user === app)?.password).toBe(`<< $${v} >>`);
      expect(values.container.env[v]).toEqual({
        valueFrom: { secretKeyRef: { name: 'ams-sentinel-nats-users', key: v } },
      });
    }
    expect(values.config.jetstream.merge['sync_interval']).toBe('always');
  });
});

describe('docker/docker-compose.yml', () => {
  const services = (
    readYaml('docker/docker-compose.yml') as { services: Record<string, { environment?: Record<string, string> }> }
  ).services;

  it("gives nats-server each user's password from the environment (docker/.env), required, never a literal", () => {
    for (const app of NATS_USERS) {
      const v = natsPasswordVariable(app);
      expect(services['nats'].environment?.[v]).toMatch(new RegExp(`^\\$\\{${v}:\\?[^}]+\\}$`));
    }
  });

  it.each(NATS_APPS)('%s connects as its own user with the same password variable', (app) => {
    const env = must(services[app].environment, `${app} environment`);
    expect(env['NATS_USER']).toBe(natsUserName(app));
    expect(env['NATS_PASSWORD']).toMatch(new RegExp(`^\\$\\{${natsPasswordVariable(app)}:\\?[^}]+\\}$`));
    expect(env['NATS_TOKEN']).toBeUndefined();
  });
});

describe.each(['k8s/overlays/dev', 'k8s/overlays/prod'])('%s', (dir) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = kustomize(dir);
  });

  it.each(NATS_APPS)('%s reads its NATS user and password from the Secret, never the ConfigMap', (app) => {
    const container = must(
      podSpec(get(objects, 'Deployment', app)).containers.find((c) => c.name === app),
      `${app} container`,
    );
    const env = (container.env ?? []) as EnvVar[];
    const ref = (name: string) => env.find((e) => e.name === name)?.valueFrom?.secretKeyRef;
    expect(ref('NATS_USER')).toEqual({ name: 'ams-sentinel-secrets', key: natsUserVariable(app) });
    expect(ref('NATS_PASSWORD')).toEqual({ name: 'ams-sentinel-secrets', key: natsPasswordVariable(app) });
    const secret = secretTemplate();
    expect(secret[natsUserVariable(app)]).toBe(natsUserName(app));
    expect(secret[natsPasswordVariable(app)]).toMatch(/CHANGE_ME/); // a placeholder: the real Secret is made in the cluster
    const config = configData(objects, CONFIG_MAP);
    for (const name of SECRETS_IN_ENV)
      expect({ name, inConfigMap: name in config }).toEqual({ name, inConfigMap: false });
  });
});

describe('k8s/overlays/dev NATS', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = kustomize('k8s/overlays/dev');
  });

  it("gets every user's password from the Secret, and its config (no secret in it) from the generated nats.conf", () => {
    const pod = podSpec(get(objects, 'StatefulSet', 'nats'));
    const env = (pod.containers[0].env ?? []) as EnvVar[];
    for (const app of NATS_USERS) {
      const v = natsPasswordVariable(app);
      expect(env.find((e) => e.name === v)?.valueFrom?.secretKeyRef).toEqual({ name: 'ams-sentinel-secrets', key: v });
    }
    const configMapName = must(pod.volumes?.find((v) => v.configMap)?.configMap, 'nats config volume').name;
    expect(configData(objects, configMapName)['nats.conf']).toBe(readText('k8s/overlays/dev/nats.conf'));
  });

  it('is reachable on 4222 by the app pods only (the migration Job does not use NATS)', () => {
    expect(flowsByWorkload(objects).get('nats')?.ingress).toEqual([
      'TCP/4222 from pods app.kubernetes.io/component=app',
    ]);
    const migrate = podSpec(get(objects, 'Job', 'migrate')).containers[0];
    expect(((migrate.env ?? []) as EnvVar[]).some((e) => e.name.startsWith('NATS_'))).toBe(false);
    expect(readText('tools/migrate/src/main.ts')).not.toMatch(/nats/i);
  });
});
