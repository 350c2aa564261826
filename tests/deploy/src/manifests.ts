/**
 * Rendering and reading what we ship: `kubectl kustomize` of an overlay, multi-document YAML, and the
 * small shapes the checks need. Nothing here talks to a cluster or a Docker engine.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments, parse } from 'yaml';

export const ROOT = resolve(__dirname, '../../..');
export const APPS = ['ingestor', 'processor', 'aggregator', 'alerter', 'api', 'connector'] as const;
export type AppName = (typeof APPS)[number];
/** Apps scaled by a HorizontalPodAutoscaler (DESIGN.md §5: replicas share the JetStream consumers). */
export const AUTOSCALED: readonly AppName[] = ['processor', 'alerter', 'api'];
/**
 * Apps that run exactly one replica everywhere: the connector (its syncs are single-flight through PostgreSQL advisory
 * locks and Amazon throttles per client, so a second replica would only wait).
 */
export const SINGLE_REPLICA: readonly AppName[] = ['connector'];
export const SECRET_NAME = 'ams-sentinel-secrets';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** `kubectl kustomize <dir>` (offline), parsed. */
export function kustomize(dir: string): K8sObject[] {
  let out: string;
  try {
    out = execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8', maxBuffer: 32 * 1024 * 1024 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('kubectl is not installed (Debian: apt-get install kubectl); it renders the overlays offline');
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`);
  }
  return parseYamlDocuments(out, dir) as K8sObject[];
}

export function parseYamlDocuments(text: string, source: string): unknown[] {
  return parseAllDocuments(text)
    .map((doc, i) => {
      if (doc.errors.length)
        throw new Error(`${source}, document ${i + 1}: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS({ maxAliasCount: -1 }) as unknown;
    })
    .filter((doc) => doc !== null && doc !== undefined);
}

export function readYaml(relPath: string): unknown {
  return parse(readFileSync(join(ROOT, relPath), 'utf8'), { merge: true, maxAliasCount: -1 });
}

export function readText(relPath: string): string {
  return readFileSync(join(ROOT, relPath), 'utf8');
}

export const clone = <T>(value: T): T => structuredClone(value);

/** The value, or an error naming what is missing (instead of a non-null assertion). */
export function must<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`missing: ${what}`);
  return value;
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

export function get(objects: K8sObject[], kind: string, name: string): K8sObject {
  const found = find(objects, kind, name);
  if (!found) throw new Error(`no ${kind} ${name} in the rendered manifests`);
  return found;
}

/** A ConfigMap made by configMapGenerator is named `<name>-<hash>`. */
export function findConfigMap(objects: K8sObject[], name: string): K8sObject | undefined {
  return objects.find(
    (o) =>
      o.kind === 'ConfigMap' &&
      (o.metadata.name === name || new RegExp(`^${name}-[a-z0-9]{10}$`).test(o.metadata.name)),
  );
}

// ---- pod templates -------------------------------------------------------------------------

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    secretKeyRef?: { name: string; key: string; optional?: boolean };
    configMapKeyRef?: { name: string; key: string; optional?: boolean };
    fieldRef?: { fieldPath: string };
  };
}

export interface Probe {
  httpGet?: { path?: string; port: number | string };
  exec?: { command: string[] };
  tcpSocket?: { port: number | string };
}

export interface SecurityContext {
  runAsNonRoot?: boolean;
  runAsUser?: number;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  privileged?: boolean;
  capabilities?: { drop?: string[]; add?: string[] };
  seccompProfile?: { type: string };
}

export interface Container {
  name: string;
  image?: string;
  ports?: Array<{ name?: string; containerPort: number }>;
  env?: EnvVar[];
  envFrom?: Array<{
    configMapRef?: { name: string; optional?: boolean };
    secretRef?: { name: string; optional?: boolean };
  }>;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
  resources?: { requests?: Record<string, string | number>; limits?: Record<string, string | number> };
  securityContext?: SecurityContext;
  volumeMounts?: Array<{ name: string; mountPath: string }>;
}

export interface PodSpec {
  containers: Container[];
  initContainers?: Container[];
  securityContext?: SecurityContext;
  volumes?: Array<{ name: string; emptyDir?: object; configMap?: { name: string }; persistentVolumeClaim?: object }>;
  terminationGracePeriodSeconds?: number;
  automountServiceAccountToken?: boolean;
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
}

export interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: PodSpec;
}

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob'];

/** The pod template of a workload (Deployment, StatefulSet, DaemonSet, Job, CronJob), else undefined. */
export function podTemplate(obj: K8sObject): PodTemplate | undefined {
  const spec = obj['spec'] as Record<string, unknown> | undefined;
  if (!spec || !WORKLOAD_KINDS.includes(obj.kind)) return undefined;
  if (obj.kind === 'CronJob') return (spec['jobTemplate'] as { spec?: { template?: PodTemplate } })?.spec?.template;
  return spec['template'] as PodTemplate | undefined;
}

export function podSpec(obj: K8sObject): PodSpec {
  return must(podTemplate(obj), `pod template of ${obj.kind} ${obj.metadata.name}`).spec;
}

/** The data of a (generated) ConfigMap. */
export function configData(objects: K8sObject[], name: string): Record<string, string> {
  return must(findConfigMap(objects, name)?.['data'] as Record<string, string> | undefined, `ConfigMap ${name}`);
}

export function workloads(objects: K8sObject[]): Array<{ obj: K8sObject; template: PodTemplate }> {
  return objects.flatMap((obj) => {
    const template = podTemplate(obj);
    return template ? [{ obj, template }] : [];
  });
}

export function labelsMatch(selector: LabelSelector | undefined, labels: Record<string, string> = {}): boolean {
  if (!selector) return false;
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  const byExpressions = (selector.matchExpressions ?? []).every((e) => {
    switch (e.operator) {
      case 'In':
        return e.key in labels && (e.values ?? []).includes(labels[e.key]);
      case 'NotIn':
        return !(e.key in labels) || !(e.values ?? []).includes(labels[e.key]);
      case 'Exists':
        return e.key in labels;
      case 'DoesNotExist':
        return !(e.key in labels);
      default:
        return false;
    }
  });
  return byLabels && byExpressions;
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}
