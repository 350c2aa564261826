/**
 * The committed nats-server configurations (paths from the repository root), each rendered from the per-app permissions of libs/contracts
 * (nats-permissions.ts) for the deployment prefix '' (NATS_PREFIX is empty in docker/ and k8s/). `npm run nats:config`
 * writes them; tests/deploy/src/nats-auth-config.spec.ts fails when a committed file differs from its rendering.
 */
import { NATS_USERS } from './nats-permissions';
import { natsPasswordVariable, renderNatsAccountsHelmYaml, renderNatsServerConf } from './nats-server-config';

/** NATS_PREFIX of the committed deployments. */
export const DEPLOYED_PREFIX = '';

/** The compose services of the local three-server NATS cluster (docker/docker-compose.nats-cluster.yml). */
export const COMPOSE_NATS_MEMBERS = ['nats', 'nats-2', 'nats-3'] as const;

export const NATS_CONFIG_FILES: Record<string, () => string> = {
  'docker/nats.conf': () =>
    renderNatsServerConf(
      {
        header: [
          'NATS for the local stack (docker compose). The Kubernetes dev overlay (k8s/overlays/dev/nats.conf)',
          'and the production values (k8s/overlays/prod/nats-helm-values.yaml) have the same users and durability.',
          "Each app's password comes from the server's environment (<APP>_NATS_PASSWORD, docker-compose.yml).",
        ],
        serverName: 'ams-nats-local',
        port: 4222,
        httpPort: 8222,
        storeDir: '/data/jetstream',
        maxMemoryStore: '256MB',
        maxFileStore: '10GB',
      },
      DEPLOYED_PREFIX,
    ),
  'docker/nats-cluster.conf': () =>
    renderNatsServerConf(
      {
        header: [
          'NATS as a three-server JetStream cluster for the local stack: docker/docker-compose.nats-cluster.yml runs',
          'nats, nats-2 and nats-3 with this file, each with its own SERVER_NAME and its own volume. The same users and',
          'durability as docker/nats.conf; the same topology as the production values',
          '(k8s/overlays/prod/nats-helm-values.yaml). See docs/nats-cluster.md.',
        ],
        serverName: '$SERVER_NAME',
        port: 4222,
        httpPort: 8222,
        storeDir: '/data/jetstream',
        maxMemoryStore: '256MB',
        maxFileStore: '10GB',
        cluster: {
          name: 'ams-nats',
          listen: '0.0.0.0:6222',
          routes: COMPOSE_NATS_MEMBERS.map((m) => `nats-route://${m}:6222`),
        },
      },
      DEPLOYED_PREFIX,
    ),
  'k8s/overlays/dev/nats.conf': () =>
    renderNatsServerConf(
      {
        header: [
          'Single-node NATS with JetStream for the dev overlay (the same users and durability as',
          'docker/nats.conf and the production values in k8s/overlays/prod/nats-helm-values.yaml).',
          "Each app's password comes from the Secret ams-sentinel-secrets (<APP>_NATS_PASSWORD, nats.yaml).",
        ],
        serverName: '$SERVER_NAME',
        port: 4222,
        httpPort: 8222,
        storeDir: '/data/jetstream',
        maxMemoryStore: '256MB',
        maxFileStore: '8GB',
      },
      DEPLOYED_PREFIX,
    ),
  'k8s/overlays/prod/nats-helm-values.yaml': () => prodHelmValues(),
};

function prodHelmValues(): string {
  const env = NATS_USERS.flatMap((a) => {
    const key = natsPasswordVariable(a);
    return [
      `    ${key}:`,
      '      valueFrom:',
      '        secretKeyRef:',
      '          name: ams-sentinel-nats-users',
      `          key: ${key}`,
    ];
  });
  return [
    '# NOT part of the kustomization: the documented settings of the production NATS cluster, for the',
    '# official chart (https://nats-io.github.io/k8s/helm/charts/, chart `nats` 1.x):',
    '#   kubectl -n nats create secret generic ams-sentinel-nats-users \\',
    `#     ${NATS_USERS.map((a) => `--from-literal=${natsPasswordVariable(a)}=...`).join(' ')}`,
    '#   helm upgrade --install nats nats/nats -n nats --create-namespace -f k8s/overlays/prod/nats-helm-values.yaml',
    '# Three servers (a StatefulSet: nats-0, nats-1, nats-2, server_name = the pod name, each on its own volume) in',
    '# cluster ams-nats, routed through the headless Service nats-headless; the apps list all three in NATS_URL',
    '# (the prod kustomization), so they reconnect to the survivors when one goes. See docs/nats-cluster.md.',
    '# JetStream on persistent volumes, a current release, and fsync before every',
    '# acknowledgement (sync_interval: always): the ingestor deletes an SQS message once JetStream has',
    '# acknowledged it, so an acknowledged message must be on disk (README "Deploying"). The apps create',
    '# their streams with NATS_STREAM_REPLICAS=3 (the prod ConfigMap). One user per app with the subjects',
    '# it uses and no more, and an operator user for the NATS CLI (pausing ingestion); the passwords come from',
    '# the Secret above (the same values as ams-sentinel-secrets has under <APP>_NATS_PASSWORD); a client',
    '# without credentials is refused.',
    '# Check a running server: curl -s http://<nats-pod>:8222/varz | jq .jetstream.config.sync_always  → true',
    '# GENERATED by `npm run nats:config` from libs/contracts/src/lib/nats-permissions.ts: do not edit by hand.',
    'container:',
    '  image:',
    '    repository: nats',
    '    tag: 2.15.0-alpine',
    '  env:',
    ...env,
    'config:',
    '  cluster:',
    '    enabled: true',
    '    replicas: 3',
    '    merge:',
    '      name: ams-nats',
    '  jetstream:',
    '    enabled: true',
    '    fileStore:',
    '      enabled: true',
    '      dir: /data',
    '      pvc:',
    '        enabled: true',
    '        size: 50Gi',
    '    merge:',
    '      sync_interval: always',
    '  merge:',
    renderNatsAccountsHelmYaml(DEPLOYED_PREFIX, '    '),
    'podTemplate:',
    '  topologySpreadConstraints:',
    '    kubernetes.io/hostname:',
    '      maxSkew: 1',
    '      whenUnsatisfiable: DoNotSchedule',
    '',
  ].join('\n');
}
