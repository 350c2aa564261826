/**
 * The Kubernetes manifests, checked without a cluster: every overlay renders with `kubectl kustomize`,
 * every object matches the Kubernetes schemas (types, required and unknown fields), and the policies
 * hold: probes, requests and limits, non-root read-only containers, pinned images, every variable an
 * app requires provided, the network flows of the design, durable NATS.
 */
import { parse } from 'yaml';
import { envClassOf } from './app-env';
import {
  APPS,
  SINGLE_REPLICA,
  AUTOSCALED,
  configData,
  get,
  K8sObject,
  kustomize,
  must,
  podSpec,
  readText,
  readYaml,
} from './manifests';
import { jetStreamSyncInterval, natsVersionProblems } from './nats-config';
import { CONFIG_MAP, overlayProblems, quantity, secretTemplate } from './policies';

const OVERLAYS = ['k8s/base', 'k8s/overlays/dev', 'k8s/overlays/prod'];

describe.each(OVERLAYS)('%s', (dir) => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = kustomize(dir);
  });

  it('renders with kubectl kustomize into objects that meet every policy', () => {
    expect(objects.length).toBeGreaterThan(20);
    expect(overlayProblems(objects)).toEqual([]);
  });

  it('has a Deployment with a Service for each of the six apps, HPAs for processor, alerter and api, and the migration Job', () => {
    for (const app of APPS) {
      expect(get(objects, 'Deployment', app)).toBeDefined();
      expect(get(objects, 'Service', app)).toBeDefined();
      expect(get(objects, 'PodDisruptionBudget', app)).toBeDefined();
    }
    expect(
      objects
        .filter((o) => o.kind === 'HorizontalPodAutoscaler')
        .map((o) => o.metadata.name)
        .sort(),
    ).toEqual([...AUTOSCALED].sort());
    expect(get(objects, 'Job', 'migrate')).toBeDefined();
  });

  it('gives the installation its first step: the namespace and the migration Job carry the migrate label', () => {
    const step = objects
      .filter((o) => o.metadata.labels?.['ams-sentinel/deploy-step'] === 'migrate')
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(step.sort()).toEqual(['Job/migrate', 'Namespace/ams-sentinel']);
  });
});

describe('k8s/overlays/dev', () => {
  let objects: K8sObject[];
  beforeAll(() => {
    objects = kustomize('k8s/overlays/dev');
  });

  it('runs a single-node NATS with JetStream on a PersistentVolumeClaim, fsyncing every write (sync_interval: always)', () => {
    const nats = get(objects, 'StatefulSet', 'nats');
    const spec = nats['spec'] as { replicas: number; volumeClaimTemplates: Array<{ metadata: { name: string } }> };
    expect(spec.replicas).toBe(1);
    const pod = podSpec(nats);
    const container = pod.containers[0];
    expect(natsVersionProblems(must(container.image, 'nats image'))).toEqual([]);
    const claim = spec.volumeClaimTemplates[0].metadata.name;
    expect(container.volumeMounts).toContainEqual({ name: claim, mountPath: '/data' });

    const configMapName = must(pod.volumes?.find((v) => v.configMap)?.configMap, 'nats config volume').name;
    const conf = configData(objects, configMapName)['nats.conf'];
    expect(jetStreamSyncInterval(conf)).toBe('always');
    expect(conf).toMatch(/store_dir:\s*\/data\//);
    expect((container as { args?: string[] }).args).toEqual(['-c', '/etc/nats/nats.conf']);
  });

  it('runs PostgreSQL as a StatefulSet on a PersistentVolumeClaim, with its password from the Secret', () => {
    const pg = get(objects, 'StatefulSet', 'postgres');
    const spec = pg['spec'] as { volumeClaimTemplates: Array<{ metadata: { name: string } }> };
    const container = podSpec(pg).containers[0];
    expect(container.volumeMounts).toContainEqual({
      name: spec.volumeClaimTemplates[0].metadata.name,
      mountPath: '/var/lib/postgresql',
    });
    expect(container.env).toContainEqual({
      name: 'POSTGRES_PASSWORD',
      valueFrom: { secretKeyRef: { name: 'ams-sentinel-secrets', key: 'POSTGRES_PASSWORD' } },
    });
    expect(secretTemplate()).toHaveProperty('POSTGRES_PASSWORD');
  });

  it('points the apps at the in-cluster NATS with no more stream replicas than NATS servers', () => {
    const config = configData(objects, CONFIG_MAP);
    expect(config['NATS_URL']).toBe('nats://nats:4222');
    expect(Number(config['NATS_STREAM_REPLICAS'])).toBeLessThanOrEqual(
      (get(objects, 'StatefulSet', 'nats')['spec'] as { replicas: number }).replicas,
    );
  });
});

describe('k8s/overlays/prod', () => {
  let base: K8sObject[];
  let prod: K8sObject[];
  beforeAll(() => {
    base = kustomize('k8s/base');
    prod = kustomize('k8s/overlays/prod');
  });

  it('uses an external NATS cluster and PostgreSQL: no StatefulSet in the namespace, streams replicated 3 times', () => {
    expect(prod.filter((o) => o.kind === 'StatefulSet')).toEqual([]);
    const config = configData(prod, CONFIG_MAP);
    expect(config['NATS_STREAM_REPLICAS']).toBe('3');
    expect(config['NATS_URL']).not.toBe('nats://nats:4222');
  });

  it('lists every server of the NATS cluster in NATS_URL, as many as the Helm values run', () => {
    const values = readYaml('k8s/overlays/prod/nats-helm-values.yaml') as { config: { cluster: { replicas: number } } };
    const urls = configData(prod, CONFIG_MAP)['NATS_URL'].split(',');
    expect(urls).toEqual(
      Array.from(
        { length: values.config.cluster.replicas },
        (_, i) => `nats://nats-${i}.nats-headless.nats.svc.cluster.local:4222`,
      ),
    );
  });

  it('runs more replicas than the base, and at least two of every app but the connector, which runs exactly one', () => {
    for (const app of APPS) {
      const hpa = prod.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === app);
      const baseHpa = base.find((o) => o.kind === 'HorizontalPodAutoscaler' && o.metadata.name === app);
      // the HPA's floor where there is one, else the Deployment's replicas
      const count = (objs: K8sObject[], h: K8sObject | undefined) =>
        h
          ? (h['spec'] as { minReplicas: number }).minReplicas
          : ((get(objs, 'Deployment', app)['spec'] as { replicas?: number }).replicas ?? 1);
      if (SINGLE_REPLICA.includes(app)) {
        expect({ app, hpa: Boolean(hpa), base: count(base, baseHpa), prod: count(prod, hpa) }).toEqual({
          app,
          hpa: false,
          base: 1,
          prod: 1,
        });
        continue;
      }
      expect({ app, atLeastTwo: count(prod, hpa) >= 2, moreThanBase: count(prod, hpa) > count(base, baseHpa) }).toEqual(
        { app, atLeastTwo: true, moreThanBase: true },
      );
    }
  });

  it('has stricter resources: memory requested as much as its limit, no less CPU than the base', () => {
    for (const app of APPS) {
      const c = podSpec(get(prod, 'Deployment', app)).containers[0].resources;
      const b = podSpec(get(base, 'Deployment', app)).containers[0].resources;
      expect({ app, memory: quantity('memory', c?.requests?.['memory']) }).toEqual({
        app,
        memory: quantity('memory', c?.limits?.['memory']),
      });
      expect(must(quantity('cpu', c?.requests?.['cpu']), 'prod cpu')).toBeGreaterThanOrEqual(
        must(quantity('cpu', b?.requests?.['cpu']), 'base cpu'),
      );
    }
  });

  it('documents the NATS cluster it expects: a current release, 3 servers, JetStream with sync_interval: always', () => {
    const values = readYaml('k8s/overlays/prod/nats-helm-values.yaml') as {
      container: { image: { repository: string; tag: string } };
      config: {
        cluster: { enabled: boolean; replicas: number; merge: { name: string } };
        jetstream: { enabled: boolean; merge: { sync_interval: string } };
      };
    };
    expect(natsVersionProblems(`${values.container.image.repository}:${values.container.image.tag}`)).toEqual([]);
    expect(values.config.cluster).toEqual({ enabled: true, replicas: 3, merge: { name: 'ams-nats' } });
    expect(values.config.jetstream.enabled).toBe(true);
    expect(values.config.jetstream.merge.sync_interval).toBe('always');
  });
});

describe('the Secret', () => {
  it('is a template of placeholders only, with every key the manifests refer to', () => {
    const template = secretTemplate();
    // the NATS user names are not secret: they are the users of the generated nats.conf (nats-auth.spec.ts)
    const natsUsers = new Set(APPS.map((app) => `${app.toUpperCase()}_NATS_USER`));
    for (const [key, value] of Object.entries(template)) {
      expect({ key, placeholder: natsUsers.has(key) || /CHANGE_ME/.test(value) }).toEqual({ key, placeholder: true });
    }
    expect(Object.keys(template).sort()).toEqual(
      [
        'API_KEYS',
        'API_OPERATOR_KEYS',
        'API_READ_KEYS',
        'ADS_API_CLIENT_ID',
        'ADS_API_CLIENT_SECRET',
        'ADS_API_REFRESH_TOKEN',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'DATABASE_URL',
        'DATABASE_READ_URL',
        'POSTGRES_PASSWORD',
        'SLACK_WEBHOOKS',
        'SLACK_WEBHOOK_URL',
        ...APPS.flatMap((app) => [`${app.toUpperCase()}_NATS_USER`, `${app.toUpperCase()}_NATS_PASSWORD`]),
        'OPERATOR_NATS_PASSWORD',
      ].sort(),
    );
  });

  it('is not part of any kustomization', () => {
    for (const dir of OVERLAYS) {
      const kustomization = parse(readText(`${dir}/kustomization.yaml`)) as { resources?: string[] };
      expect(kustomization.resources ?? []).not.toContain('secret.template.yaml');
    }
  });
});

describe('the env classes the checks read', () => {
  it.each(APPS)('%s has one', (app) => {
    expect(typeof envClassOf(app)).toBe('function');
  });
});
