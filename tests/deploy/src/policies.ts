/**
 * The deployment policies, as functions from rendered objects to findings (an empty list: all good).
 * The specs run them on every overlay, and on deliberately broken copies to prove they catch things.
 */
import { declaredVariables, defaultPort, envExampleVariables, loadAppConfig } from './app-env';
import {
  APPS,
  AUTOSCALED,
  Container,
  EnvVar,
  findConfigMap,
  K8sObject,
  LabelSelector,
  labelsMatch,
  podTemplate,
  Probe,
  readYaml,
  SECRET_NAME,
  SecurityContext,
  workloads,
} from './manifests';
import { networkProblems } from './network-flows';
import { schemaErrors, UnknownFieldChecker } from './schema';

export const NAMESPACE = 'ams-sentinel';
export const CONFIG_MAP = 'ams-sentinel-config';
export const SECRET_TEMPLATE = 'k8s/base/secret.template.yaml';

/** Keys and placeholder values of the Secret the operator creates by hand. */
export function secretTemplate(): Record<string, string> {
  const doc = readYaml(SECRET_TEMPLATE) as { metadata: { name: string }; stringData: Record<string, string> };
  if (doc.metadata.name !== SECRET_NAME) throw new Error(`${SECRET_TEMPLATE} must describe the Secret ${SECRET_NAME}`);
  return doc.stringData;
}

const CHECKED_KINDS = [
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
];
let fieldChecker: UnknownFieldChecker | undefined;

/** Every finding for a rendered overlay. */
export function overlayProblems(objects: K8sObject[]): string[] {
  fieldChecker ??= new UnknownFieldChecker(CHECKED_KINDS);
  const checker = fieldChecker;
  return [
    ...objects.flatMap((o) => schemaErrors(o)),
    ...objects.flatMap((o) => checker.unknownFields(o)),
    ...namespaceProblems(objects),
    ...workloadProblems(objects),
    ...appProblems(objects),
    ...envProblems(objects),
    ...networkProblems(objects),
  ];
}

// ---- namespace, secrets ----------------------------------------------------------------------

export function namespaceProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const ns = objects.find((o) => o.kind === 'Namespace');
  if (ns?.metadata.name !== NAMESPACE) problems.push(`no Namespace ${NAMESPACE}`);
  else if (ns.metadata.labels?.['pod-security.kubernetes.io/enforce'] !== 'restricted') {
    problems.push(`Namespace ${NAMESPACE}: Pod Security "restricted" is not enforced`);
  }
  for (const o of objects.filter((o) => o.kind !== 'Namespace' && o.metadata.namespace !== NAMESPACE)) {
    problems.push(`${o.kind} ${o.metadata.name}: in namespace ${o.metadata.namespace ?? '(none)'}, not ${NAMESPACE}`);
  }
  for (const o of objects.filter((o) => o.kind === 'Secret')) {
    problems.push(
      `Secret ${o.metadata.name} is in the manifests: secrets are created in the cluster (${SECRET_TEMPLATE}), never committed`,
    );
  }
  return problems;
}

// ---- every workload: images, resources, security, probes -------------------------------------

export function imageProblems(image: string | undefined): string[] {
  if (!image) return ['no image'];
  const [nameAndTag, digest] = image.split('@');
  const tagAt = nameAndTag.lastIndexOf(':');
  const tag = tagAt > nameAndTag.lastIndexOf('/') ? nameAndTag.slice(tagAt + 1) : undefined;
  if (!tag && !digest) return [`image ${image} has no tag (that means latest)`];
  if (tag === 'latest') return [`image ${image} uses the tag latest`];
  return [];
}

const CPU = /^(\d+(?:\.\d+)?)(m?)$/;
const MEMORY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|K|M|G|T|k)?$/;
const MEMORY_UNIT: Record<string, number> = {
  '': 1,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
};

export function quantity(resource: 'cpu' | 'memory', value: string | number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return value;
  const m = (resource === 'cpu' ? CPU : MEMORY).exec(value);
  if (!m) return undefined;
  return resource === 'cpu' ? Number(m[1]) / (m[2] ? 1000 : 1) : Number(m[1]) * MEMORY_UNIT[m[2] ?? ''];
}

function resourceProblems(c: Container): string[] {
  const problems: string[] = [];
  for (const resource of ['cpu', 'memory'] as const) {
    const request = quantity(resource, c.resources?.requests?.[resource]);
    const limit = quantity(resource, c.resources?.limits?.[resource]);
    if (request === undefined) problems.push(`no ${resource} request`);
    if (limit === undefined) problems.push(`no ${resource} limit`);
    if (request !== undefined && limit !== undefined && request > limit)
      problems.push(`${resource} request above its limit`);
  }
  return problems;
}

function securityProblems(pod: SecurityContext | undefined, c: SecurityContext | undefined): string[] {
  const problems: string[] = [];
  if ((c?.runAsNonRoot ?? pod?.runAsNonRoot) !== true) problems.push('runAsNonRoot is not true');
  const uid = c?.runAsUser ?? pod?.runAsUser;
  if (uid === undefined)
    problems.push('no numeric runAsUser (the images say USER node: a kubelet cannot check a user name is not root)');
  else if (uid === 0) problems.push('runs as uid 0');
  if (c?.allowPrivilegeEscalation !== false) problems.push('allowPrivilegeEscalation is not false');
  if (c?.readOnlyRootFilesystem !== true) problems.push('readOnlyRootFilesystem is not true');
  if (!c?.capabilities?.drop?.includes('ALL')) problems.push('capabilities: ALL are not dropped');
  if (c?.capabilities?.add?.length) problems.push(`adds capabilities ${c.capabilities.add.join(', ')}`);
  if (c?.privileged) problems.push('privileged');
  const seccomp = (c?.seccompProfile ?? pod?.seccompProfile)?.type;
  if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push('seccompProfile is not RuntimeDefault');
  return problems;
}

export function workloadProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  for (const { obj, template } of workloads(objects)) {
    const pod = template.spec;
    const where = `${obj.kind} ${obj.metadata.name}`;
    if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: shares a host namespace`);
    if (pod.automountServiceAccountToken !== false)
      problems.push(`${where}: mounts a service account token it does not need`);
    const longRunning = obj.kind !== 'Job' && obj.kind !== 'CronJob';
    const tmpVolumes = new Set((pod.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      const at = `${where}, container ${c.name}`;
      const add = (list: string[]) => problems.push(...list.map((p) => `${at}: ${p}`));
      add(imageProblems(c.image));
      add(resourceProblems(c));
      add(securityProblems(pod.securityContext, c.securityContext));
      if (longRunning && pod.containers.includes(c)) {
        if (!c.livenessProbe) add(['no livenessProbe']);
        if (!c.readinessProbe) add(['no readinessProbe']);
      }
      if (!(c.volumeMounts ?? []).some((m) => m.mountPath === '/tmp' && tmpVolumes.has(m.name))) {
        add(['no writable /tmp (an emptyDir) beside the read-only root filesystem']);
      }
    }
  }
  return problems;
}

// ---- the six apps and the migration Job ------------------------------------------------------

function configValue(objects: K8sObject[], key: string): string | undefined {
  return (findConfigMap(objects, CONFIG_MAP)?.['data'] as Record<string, string> | undefined)?.[key];
}

function resolvePort(port: number | string | undefined, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function appContainer(dep: K8sObject, app: string): Container | undefined {
  const containers = podTemplate(dep)?.spec.containers ?? [];
  return containers.find((c) => c.name === app) ?? containers[0];
}

function imageRepository(image: string | undefined): string {
  const nameAndTag = (image ?? '').split('@')[0];
  const tagAt = nameAndTag.lastIndexOf(':');
  return tagAt > nameAndTag.lastIndexOf('/') ? nameAndTag.slice(0, tagAt) : nameAndTag;
}

function imageTag(image: string | undefined): string {
  return (image ?? '').split('@')[0].slice(imageRepository(image).length + 1);
}

function probeProblems(kind: string, probe: Probe | undefined, path: string, port: number, c: Container): string[] {
  if (!probe) return [`no ${kind}`];
  if (probe.httpGet?.path !== path) return [`${kind} does not ask ${path}`];
  if (resolvePort(probe.httpGet.port, c) !== port)
    return [`${kind} asks port ${probe.httpGet.port}, the app listens on ${port}`];
  return [];
}

export function appProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const services = objects.filter((o) => o.kind === 'Service');
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  const shutdownMs = Number(configValue(objects, 'SHUTDOWN_TIMEOUT_MS') || 25_000);
  const tags = new Set<string>();

  for (const app of APPS) {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app);
    if (!dep) {
      problems.push(`no Deployment ${app}`);
      continue;
    }
    const add = (p: string) => problems.push(`Deployment ${app}: ${p}`);
    const template = podTemplate(dep);
    const labels = template?.metadata?.labels ?? {};
    const spec = dep['spec'] as { selector?: LabelSelector; replicas?: number };
    const c = appContainer(dep, app);
    if (!template || !c) {
      add('no pod template');
      continue;
    }
    if (!labelsMatch(spec.selector, labels)) add('its selector does not match its pod labels');
    if (!imageRepository(c.image).endsWith(`/${app}`)) add(`image ${c.image} is not the ${app} image`);
    tags.add(imageTag(c.image));

    const portValue = c.env?.find((e) => e.name === 'PORT')?.value;
    const port = portValue ? Number(portValue) : defaultPort(app);
    if (!c.ports?.some((p) => p.containerPort === port))
      add(`the container does not declare the port the app listens on (${port})`);
    problems.push(
      ...probeProblems('livenessProbe', c.livenessProbe, '/health/live', port, c).map((p) => `Deployment ${app}: ${p}`),
    );
    problems.push(
      ...probeProblems('readinessProbe', c.readinessProbe, '/health/ready', port, c).map(
        (p) => `Deployment ${app}: ${p}`,
      ),
    );
    const grace = template.spec.terminationGracePeriodSeconds ?? 30;
    if (grace * 1000 <= shutdownMs)
      add(`terminationGracePeriodSeconds ${grace} s does not leave SHUTDOWN_TIMEOUT_MS (${shutdownMs} ms) to drain`);

    const service = services.find((s) =>
      labelsMatch({ matchLabels: (s['spec'] as { selector?: Record<string, string> }).selector }, labels),
    );
    if (!service) add('no Service selects its pods');
    else {
      const ports = (service['spec'] as { ports?: Array<{ port: number; targetPort?: number | string }> }).ports ?? [];
      if (!ports.some((p) => resolvePort(p.targetPort ?? p.port, c) === port))
        add(`Service ${service.metadata.name} does not reach port ${port}`);
    }
    if (!pdbs.some((p) => labelsMatch((p['spec'] as { selector?: LabelSelector }).selector, labels)))
      add('no PodDisruptionBudget covers its pods');

    const hpa = hpas.find((h) => {
      const target = (h['spec'] as { scaleTargetRef: { kind: string; name: string } }).scaleTargetRef;
      return target.kind === 'Deployment' && target.name === app;
    });
    if (AUTOSCALED.includes(app) && !hpa) add('no HorizontalPodAutoscaler');
    if (hpa && spec.replicas !== undefined)
      add('sets spec.replicas although its HorizontalPodAutoscaler owns the scale (each apply would reset it)');
  }

  for (const hpa of hpas) {
    const spec = hpa['spec'] as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas?: number;
      maxReplicas: number;
    };
    const target = objects.find(
      (o) => o.kind === spec.scaleTargetRef.kind && o.metadata.name === spec.scaleTargetRef.name,
    );
    if (!target)
      problems.push(
        `HorizontalPodAutoscaler ${hpa.metadata.name}: its target ${spec.scaleTargetRef.kind} ${spec.scaleTargetRef.name} does not exist`,
      );
    if ((spec.minReplicas ?? 1) > spec.maxReplicas)
      problems.push(`HorizontalPodAutoscaler ${hpa.metadata.name}: minReplicas above maxReplicas`);
  }

  const jobs = objects.filter(
    (o) => o.kind === 'Job' && imageRepository(podTemplate(o)?.spec.containers[0]?.image).endsWith('/migrate'),
  );
  if (jobs.length !== 1) problems.push(`expected one migration Job (image …/migrate), found ${jobs.length}`);
  for (const job of jobs) {
    const c = podTemplate(job)?.spec.containers[0];
    tags.add(imageTag(c?.image));
    if (!['Never', 'OnFailure'].includes((podTemplate(job)?.spec as { restartPolicy?: string }).restartPolicy ?? '')) {
      problems.push(`Job ${job.metadata.name}: restartPolicy must be Never or OnFailure`);
    }
  }
  if (tags.size > 1) problems.push(`the images do not run one release: tags ${[...tags].join(', ')}`);
  return problems;
}

// ---- environment: what each app requires, from the app's own env class -----------------------

/** The environment a container gets from env, envFrom, the ConfigMaps and the Secret template. */
export function providedEnv(
  c: Container,
  objects: K8sObject[],
  secret: Record<string, string>,
): { env: Record<string, string>; problems: string[] } {
  const env: Record<string, string> = {};
  const problems: string[] = [];
  const configMap = (name: string) =>
    objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === name)?.['data'] as
      | Record<string, string>
      | undefined;
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) {
      const data = configMap(from.configMapRef.name);
      if (data) Object.assign(env, data);
      else if (!from.configMapRef.optional) problems.push(`envFrom ConfigMap ${from.configMapRef.name} does not exist`);
    }
    if (from.secretRef) {
      if (from.secretRef.name === SECRET_NAME) Object.assign(env, secret);
      else problems.push(`envFrom Secret ${from.secretRef.name} is not ${SECRET_NAME}`);
    }
  }
  for (const e of (c.env ?? []) as EnvVar[]) {
    const ref = e.valueFrom;
    if (ref?.secretKeyRef) {
      const { name, key, optional } = ref.secretKeyRef;
      if (name !== SECRET_NAME) problems.push(`${e.name} refers to Secret ${name}, not ${SECRET_NAME}`);
      else if (key in secret) env[e.name] = secret[key];
      else if (!optional) problems.push(`${e.name} refers to key ${key}, which ${SECRET_TEMPLATE} does not have`);
    } else if (ref?.configMapKeyRef) {
      const { name, key, optional } = ref.configMapKeyRef;
      const value = configMap(name)?.[key];
      if (value !== undefined) env[e.name] = value;
      else if (!optional) problems.push(`${e.name} refers to ConfigMap ${name} key ${key}, which does not exist`);
    } else if (ref?.fieldRef) {
      env[e.name] = `<${ref.fieldRef.fieldPath}>`;
    } else {
      env[e.name] = e.value ?? '';
    }
  }
  return { env, problems };
}

/**
 * Variables of env.example that no manifest sets, on purpose: NATS_TOKEN is another way to authenticate than the
 * per-app NATS user the manifests give (NATS_USER/NATS_PASSWORD from per-app Secret keys); whoever uses a token
 * adds it to the Deployments from their Secret.
 */
export const SET_BY_THE_OPERATOR: readonly string[] = ['NATS_TOKEN'];

/** Every app's Deployment sets `name` in its container's env (e.g. NATS_USER from its own Secret key). */
function setOnEveryApp(objects: K8sObject[], name: string): boolean {
  return APPS.every((app) => {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app);
    const c = dep && appContainer(dep, app);
    return !!c && ((c.env ?? []) as EnvVar[]).some((e) => e.name === name);
  });
}

/**
 * Every variable an app requires is provided: the app's own validation (its env class, through the
 * loadConfig it runs at start) accepts the environment its Deployment gets, so a missing required
 * variable or a value of the wrong type fails here as it would fail the pod. Every variable of
 * env.example can be set (a key of the ConfigMap or the Secret), and every ConfigMap key is a
 * variable some app declares (a misspelt key would be ignored silently).
 */
export function envProblems(objects: K8sObject[], secret: Record<string, string> = secretTemplate()): string[] {
  const problems: string[] = [];
  for (const app of APPS) {
    const dep = objects.find((o) => o.kind === 'Deployment' && o.metadata.name === app);
    const c = dep && appContainer(dep, app);
    if (!c) continue; // reported by appProblems
    const { env, problems: wiring } = providedEnv(c, objects, secret);
    problems.push(...wiring.map((p) => `Deployment ${app}: ${p}`));
    const { config, problems: loading } = loadAppConfig(app, env);
    problems.push(...loading.map((p) => `Deployment ${app}: with this configuration the app ${p}`));
    if (app === 'api' && config && config['API_INSECURE_NO_AUTH'] !== false)
      problems.push('Deployment api: serves /v1 without authentication (API_INSECURE_NO_AUTH)');
  }
  for (const job of objects.filter((o) => o.kind === 'Job')) {
    const c = podTemplate(job)?.spec.containers[0];
    if (c && !('DATABASE_URL' in providedEnv(c, objects, secret).env))
      problems.push(`Job ${job.metadata.name}: DATABASE_URL is not provided`);
  }
  const config = findConfigMap(objects, CONFIG_MAP)?.['data'] as Record<string, string> | undefined;
  if (!config) return [...problems, `no ConfigMap ${CONFIG_MAP}`];
  for (const name of envExampleVariables().filter((n) => n !== 'PORT' && !SET_BY_THE_OPERATOR.includes(n))) {
    if (!(name in config) && !(name in secret) && !setOnEveryApp(objects, name)) {
      problems.push(
        `${name} (env.example) is in neither the ConfigMap ${CONFIG_MAP} nor the Secret, nor set on every app`,
      );
    }
  }
  const declared = new Set(APPS.flatMap((app) => declaredVariables(app)));
  for (const name of Object.keys(config).filter((n) => !declared.has(n))) {
    problems.push(`ConfigMap ${CONFIG_MAP}: ${name} is a variable no app reads`);
  }
  return problems;
}
