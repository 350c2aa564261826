/**
 * The checks of k8s-manifests.spec.ts are worth something only if they fail on broken manifests:
 * each case breaks one thing in a copy of the rendered prod overlay (in memory) and expects the
 * finding that names it.
 */
import { clone, configData, Container, get, K8sObject, kustomize, podSpec } from './manifests';
import { CONFIG_MAP, overlayProblems } from './policies';

type Mutation = (objects: K8sObject[]) => void;

const container = (objects: K8sObject[], app: string): Container & Record<string, unknown> =>
  podSpec(get(objects, 'Deployment', app)).containers[0] as Container & Record<string, unknown>;
const pod = (objects: K8sObject[], kind: string, name: string) => podSpec(get(objects, kind, name));
const config = (objects: K8sObject[]) => configData(objects, CONFIG_MAP);

/** Sets (or, without a value, deletes) the field at a dotted path of an object. */
function edit(target: object, path: string, ...value: [unknown?]): void {
  const keys = path.split('.');
  const last = keys.pop() as string;
  const parent = keys.reduce<Record<string, unknown>>(
    (o, k) => {
      const next = o[k];
      if (next === null || typeof next !== 'object') throw new Error(`no ${path}`);
      return next as Record<string, unknown>;
    },
    target as Record<string, unknown>,
  );
  if (value.length) parent[last] = value[0];
  else delete parent[last];
}
const deploymentSpec = (objects: K8sObject[], app: string) =>
  get(objects, 'Deployment', app)['spec'] as Record<string, unknown>;

const CASES: Array<[string, Mutation, RegExp]> = [
  // probes
  [
    'processor without a readiness probe',
    (o) => delete container(o, 'processor').readinessProbe,
    /Deployment processor, container processor: no readinessProbe/,
  ],
  [
    'api without a liveness probe',
    (o) => delete container(o, 'api').livenessProbe,
    /Deployment api, container api: no livenessProbe/,
  ],
  [
    'a readiness probe on the wrong path',
    (o) => edit(container(o, 'alerter'), 'readinessProbe.httpGet.path', '/health/live'),
    /Deployment alerter: readinessProbe does not ask \/health\/ready/,
  ],
  [
    'a liveness probe on another port',
    (o) => edit(container(o, 'ingestor'), 'livenessProbe.httpGet.port', 8080),
    /Deployment ingestor: livenessProbe asks port 8080, the app listens on 3001/,
  ],
  // schema: wrong types, missing required fields, unknown kinds and fields
  [
    'replicas as a string',
    (o) => (deploymentSpec(o, 'ingestor')['replicas'] = '2'),
    /Deployment ingestor: \/spec\/replicas must be integer/,
  ],
  [
    'a port number as a string',
    (o) => edit(container(o, 'api'), 'ports.0.containerPort', '3000'),
    /containerPort must be integer/,
  ],
  [
    'a container without a name',
    (o) => delete (container(o, 'aggregator') as { name?: string }).name,
    /containers\/0 must have required property name/,
  ],
  ['a misspelt kind', (o) => (get(o, 'Service', 'api').kind = 'Servise'), /unknown apiVersion\/kind v1\/Servise/],
  [
    'a misspelt field (replicaz)',
    (o) => {
      const spec = deploymentSpec(o, 'ingestor');
      spec['replicaz'] = spec['replicas'];
      delete spec['replicas'];
    },
    /Deployment ingestor: unknown field spec\.replicaz/,
  ],
  [
    'a misspelt probe (livenessprobe)',
    (o) => {
      const c = container(o, 'processor');
      c['livenessprobe'] = c.livenessProbe;
      delete c.livenessProbe;
    },
    /unknown field spec\.template\.spec\.containers\[0\]\.livenessprobe/,
  ],
  [
    'a misspelt HPA field (minReplica)',
    (o) => edit(get(o, 'HorizontalPodAutoscaler', 'api'), 'spec.minReplica', 3),
    /HorizontalPodAutoscaler api: unknown field spec\.minReplica$/,
  ],
  [
    'a misspelt NetworkPolicy field (policyType)',
    (o) => edit(get(o, 'NetworkPolicy', 'allow-api-ingress'), 'spec.policyType', ['Ingress']),
    /NetworkPolicy allow-api-ingress: unknown field spec\.policyType$/,
  ],
  // environment
  [
    'a required variable missing from the ConfigMap (SQS_QUEUE_URLS)',
    (o) => delete config(o)['SQS_QUEUE_URLS'],
    /Deployment ingestor: with this configuration the app refuses to start: SQS_QUEUE_URLS/,
  ],
  [
    'a required secret not given to the api (API_KEYS)',
    (o) => {
      const c = container(o, 'api');
      c.env = (c.env ?? []).filter((e) => e.name !== 'API_KEYS');
    },
    /Deployment api: with this configuration the app refuses to start: API_KEYS/,
  ],
  [
    'a secret key the Secret does not have',
    (o) =>
      edit(
        container(o, 'processor').env?.find((e) => e.name === 'DATABASE_URL') ?? {},
        'valueFrom.secretKeyRef.key',
        'DB_URL',
      ),
    /Deployment processor: DATABASE_URL refers to key DB_URL/,
  ],
  [
    'a variable of the wrong type (NATS_STREAM_REPLICAS=three)',
    (o) => (config(o)['NATS_STREAM_REPLICAS'] = 'three'),
    /refuses to start: NATS_STREAM_REPLICAS/,
  ],
  [
    'the api without authentication',
    (o) => (config(o)['API_INSECURE_NO_AUTH'] = 'true'),
    /Deployment api: serves \/v1 without authentication/,
  ],
  [
    'a misspelt ConfigMap key',
    (o) => {
      config(o)['PROCESSOR_BATCH_SIZ'] = config(o)['PROCESSOR_BATCH_SIZE'];
      delete config(o)['PROCESSOR_BATCH_SIZE'];
    },
    /PROCESSOR_BATCH_SIZ is a variable no app reads/,
  ],
  [
    'the envFrom ConfigMap gone',
    (o) => (container(o, 'aggregator').envFrom = [{ configMapRef: { name: 'nope' } }]),
    /Deployment aggregator: envFrom ConfigMap nope does not exist/,
  ],
  // images
  [
    'an image tagged latest',
    (o) => (container(o, 'alerter').image = 'ams-sentinel/alerter:latest'),
    /image ams-sentinel\/alerter:latest uses the tag latest/,
  ],
  [
    'an image without a tag',
    (o) => (container(o, 'api').image = 'ams-sentinel/api'),
    /image ams-sentinel\/api has no tag/,
  ],
  [
    'apps of different releases',
    (o) => (container(o, 'processor').image = 'ams-sentinel/processor:0.0.9'),
    /the images do not run one release/,
  ],
  [
    "another app's image",
    (o) => (container(o, 'api').image = 'ams-sentinel/processor:0.1.0'),
    /Deployment api: image ams-sentinel\/processor:0.1.0 is not the api image/,
  ],
  // resources
  [
    'no memory limit',
    (o) => edit(container(o, 'processor'), 'resources.limits.memory'),
    /container processor: no memory limit/,
  ],
  ['no requests', (o) => edit(container(o, 'api'), 'resources.requests'), /container api: no cpu request/],
  [
    'a request above its limit',
    (o) => edit(container(o, 'ingestor'), 'resources.requests.cpu', '4'),
    /container ingestor: cpu request above its limit/,
  ],
  // security
  [
    'a writable root filesystem',
    (o) => edit(container(o, 'api'), 'securityContext.readOnlyRootFilesystem', false),
    /container api: readOnlyRootFilesystem is not true/,
  ],
  [
    'privilege escalation allowed',
    (o) => edit(container(o, 'ingestor'), 'securityContext.allowPrivilegeEscalation', true),
    /container ingestor: allowPrivilegeEscalation is not false/,
  ],
  [
    'runAsNonRoot dropped',
    (o) => {
      edit(container(o, 'alerter'), 'securityContext.runAsNonRoot');
      edit(pod(o, 'Deployment', 'alerter'), 'securityContext.runAsNonRoot');
    },
    /container alerter: runAsNonRoot is not true/,
  ],
  [
    'no numeric user (USER node cannot be verified)',
    (o) => edit(pod(o, 'Deployment', 'aggregator'), 'securityContext.runAsUser'),
    /container aggregator: no numeric runAsUser/,
  ],
  [
    'capabilities kept',
    (o) => edit(container(o, 'processor'), 'securityContext.capabilities'),
    /container processor: capabilities: ALL are not dropped/,
  ],
  [
    'no seccomp profile',
    (o) => edit(pod(o, 'Job', 'migrate'), 'securityContext.seccompProfile'),
    /Job migrate, container migrate: seccompProfile is not RuntimeDefault/,
  ],
  ['no writable /tmp', (o) => (container(o, 'api').volumeMounts = []), /container api: no writable \/tmp/],
  // wiring
  [
    'a grace period shorter than the drain',
    (o) => edit(pod(o, 'Deployment', 'processor'), 'terminationGracePeriodSeconds', 10),
    /Deployment processor: terminationGracePeriodSeconds 10 s/,
  ],
  [
    'a Service on the wrong port',
    (o) => ((get(o, 'Service', 'api')['spec'] as { ports: Array<{ targetPort: unknown }> }).ports[0].targetPort = 8080),
    /Deployment api: Service api does not reach port 3000/,
  ],
  [
    'a Service that selects nothing',
    (o) =>
      ((get(o, 'Service', 'alerter')['spec'] as { selector: Record<string, string> }).selector = { app: 'alerter' }),
    /Deployment alerter: no Service selects its pods/,
  ],
  [
    'no PodDisruptionBudget',
    (o) => o.splice(o.indexOf(get(o, 'PodDisruptionBudget', 'ingestor')), 1),
    /Deployment ingestor: no PodDisruptionBudget/,
  ],
  [
    'no HorizontalPodAutoscaler for the processor',
    (o) => o.splice(o.indexOf(get(o, 'HorizontalPodAutoscaler', 'processor')), 1),
    /Deployment processor: no HorizontalPodAutoscaler/,
  ],
  [
    'replicas fixed under an HPA',
    (o) => (deploymentSpec(o, 'api')['replicas'] = 3),
    /Deployment api: sets spec.replicas although its HorizontalPodAutoscaler owns the scale/,
  ],
  ['no migration Job', (o) => o.splice(o.indexOf(get(o, 'Job', 'migrate')), 1), /expected one migration Job/],
  [
    'a Secret in the manifests',
    (o) =>
      o.push({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'ams-sentinel-secrets', namespace: 'ams-sentinel' },
        stringData: { API_KEYS: 'x' },
      }),
    /Secret ams-sentinel-secrets is in the manifests/,
  ],
  // network
  [
    'no default-deny policy',
    (o) => o.splice(o.indexOf(get(o, 'NetworkPolicy', 'default-deny-all')), 1),
    /no default-deny NetworkPolicy/,
  ],
  [
    'all egress allowed for the processor',
    (o) =>
      o.push({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'oops', namespace: 'ams-sentinel' },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'processor' } },
          policyTypes: ['Egress'],
          egress: [{}],
        },
      }),
    /processor: egress allows all ports to anywhere, which the design does not/,
  ],
  [
    'HTTPS egress for the api',
    (o) =>
      ((get(o, 'NetworkPolicy', 'allow-alerter-slack-egress')['spec'] as { podSelector: object }).podSelector = {
        matchLabels: { 'app.kubernetes.io/name': 'api' },
      }),
    /api: egress allows TCP\/443 to anywhere/,
  ],
  [
    'metrics open to every namespace',
    (o) =>
      ((
        get(o, 'NetworkPolicy', 'allow-metrics-scraping')['spec'] as { ingress: Array<{ from: object[] }> }
      ).ingress[0].from = [{ namespaceSelector: {} }]),
    /ingress allows TCP\/3000-3005 from any namespace/,
  ],
];

describe('broken manifests fail the checks', () => {
  let prod: K8sObject[];
  beforeAll(() => {
    prod = kustomize('k8s/overlays/prod');
  });

  it.each(CASES)('%s', (_name, mutate, finding) => {
    const broken = clone(prod);
    mutate(broken);
    const problems = overlayProblems(broken);
    expect(problems).toEqual(expect.arrayContaining([expect.stringMatching(finding)]));
  });
});
