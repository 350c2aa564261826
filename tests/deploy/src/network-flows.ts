/**
 * What the NetworkPolicies let each workload do, as readable lines ("TCP/5432 to anywhere"), so a
 * test can compare them with the flows of the design.
 */
import { K8sObject, LabelSelector, labelsMatch, workloads } from './manifests';

interface PolicyPort {
  protocol?: string;
  port?: number | string;
  endPort?: number;
}

interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
  ports?: PolicyPort[];
  to?: PolicyPeer[];
  from?: PolicyPeer[];
}

interface NetworkPolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

export interface WorkloadFlows {
  ingressIsolated: boolean;
  egressIsolated: boolean;
  ingress: string[];
  egress: string[];
}

function describeSelector(selector: LabelSelector): string {
  const labels = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  const expressions = (selector.matchExpressions ?? []).map((e) =>
    e.values ? `${e.key} ${e.operator.toLowerCase()} (${e.values.join(',')})` : `${e.key} ${e.operator.toLowerCase()}`,
  );
  return [...labels, ...expressions].join(', ') || 'all';
}

function describePeer(peer: PolicyPeer): string {
  if (peer.ipBlock)
    return `ip ${peer.ipBlock.cidr}${peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(',')}` : ''}`;
  const ns = peer.namespaceSelector;
  const nsName = ns?.matchLabels?.['kubernetes.io/metadata.name'];
  const nsPart = !ns
    ? ''
    : nsName && Object.keys(ns.matchLabels ?? {}).length === 1 && !ns.matchExpressions
      ? `namespace ${nsName}`
      : describeSelector(ns) === 'all'
        ? 'any namespace'
        : `namespaces ${describeSelector(ns)}`;
  if (!peer.podSelector) return nsPart || 'nothing';
  const podPart = `pods ${describeSelector(peer.podSelector)}`;
  return nsPart ? `${podPart} in ${nsPart}` : podPart;
}

function describePorts(ports: PolicyPort[] | undefined): string[] {
  if (!ports?.length) return ['all ports'];
  return ports.map((p) => `${p.protocol ?? 'TCP'}/${p.port ?? '*'}${p.endPort ? `-${p.endPort}` : ''}`);
}

function describeRule(rule: PolicyRule, peers: PolicyPeer[] | undefined, word: 'to' | 'from'): string[] {
  const who = peers === undefined ? ['anywhere'] : peers.length ? peers.map(describePeer) : ['anywhere'];
  return describePorts(rule.ports).flatMap((port) => who.map((peer) => `${port} ${word} ${peer}`));
}

/** Flows allowed for each workload's pods (by workload name), from the policies of the same namespace. */
export function flowsByWorkload(objects: K8sObject[]): Map<string, WorkloadFlows> {
  const policies = objects.filter((o) => o.kind === 'NetworkPolicy').map((o) => o['spec'] as NetworkPolicySpec);
  const result = new Map<string, WorkloadFlows>();
  for (const { obj, template } of workloads(objects)) {
    const labels = template.metadata?.labels ?? {};
    const flows: WorkloadFlows = { ingressIsolated: false, egressIsolated: false, ingress: [], egress: [] };
    for (const policy of policies.filter((p) => labelsMatch(p.podSelector, labels))) {
      // Kubernetes' defaults: Ingress always, Egress when the policy has egress rules
      const types = policy.policyTypes ?? ['Ingress', ...(policy.egress ? ['Egress'] : [])];
      if (types.includes('Ingress')) {
        flows.ingressIsolated = true;
        for (const rule of policy.ingress ?? []) flows.ingress.push(...describeRule(rule, rule.from, 'from'));
      }
      if (types.includes('Egress')) {
        flows.egressIsolated = true;
        for (const rule of policy.egress ?? []) flows.egress.push(...describeRule(rule, rule.to, 'to'));
      }
    }
    flows.ingress = [...new Set(flows.ingress)].sort();
    flows.egress = [...new Set(flows.egress)].sort();
    result.set(obj.metadata.name, flows);
  }
  return result;
}

const DNS = ['TCP/53 to anywhere', 'UDP/53 to anywhere'];
const METRICS = 'TCP/3000-3005 from namespace monitoring';
const APP_EGRESS = [...DNS, 'TCP/4222 to anywhere', 'TCP/5432 to anywhere'];

/**
 * The flows of DESIGN.md: apps → PostgreSQL 5432 and NATS 4222, ingestor → SQS/SNS 443, alerter →
 * Slack 443, connector → Amazon Ads API and Login with Amazon 443, api 3000 from the cluster, metrics from the monitoring namespace, DNS for everyone.
 * PostgreSQL and NATS may be outside the cluster, hence "anywhere" on their ports.
 */
export const DESIGNED_FLOWS: Record<string, { egress: string[]; ingress: string[] }> = {
  ingestor: { egress: [...APP_EGRESS, 'TCP/443 to anywhere'], ingress: [METRICS] },
  processor: { egress: APP_EGRESS, ingress: [METRICS] },
  aggregator: { egress: APP_EGRESS, ingress: [METRICS] },
  alerter: { egress: [...APP_EGRESS, 'TCP/443 to anywhere'], ingress: [METRICS] },
  api: { egress: APP_EGRESS, ingress: ['TCP/3000 from any namespace', METRICS] },
  connector: { egress: [...APP_EGRESS, 'TCP/443 to anywhere'], ingress: [METRICS] },
  migrate: { egress: [...DNS, 'TCP/5432 to anywhere'], ingress: [] },
  // dev overlay only: NATS and PostgreSQL inside the namespace
  nats: { egress: DNS, ingress: ['TCP/4222 from pods app.kubernetes.io/component=app'] },
  postgres: { egress: DNS, ingress: ['TCP/5432 from pods app.kubernetes.io/component in (app,migration)'] },
};

export function networkProblems(objects: K8sObject[]): string[] {
  const problems: string[] = [];
  const defaultDeny = objects.some((o) => {
    const spec = o['spec'] as NetworkPolicySpec | undefined;
    return (
      o.kind === 'NetworkPolicy' &&
      spec &&
      !Object.keys(spec.podSelector ?? {}).length &&
      !spec.ingress?.length &&
      !spec.egress?.length &&
      ['Ingress', 'Egress'].every((t) => spec.policyTypes?.includes(t))
    );
  });
  if (!defaultDeny) problems.push('no default-deny NetworkPolicy (every pod, Ingress and Egress, no rules)');
  for (const [name, flows] of flowsByWorkload(objects)) {
    if (!flows.ingressIsolated || !flows.egressIsolated)
      problems.push(`${name}: not covered by a default-deny policy (ingress and egress)`);
    const designed = DESIGNED_FLOWS[name];
    if (!designed) {
      problems.push(`${name}: a workload the network design does not know`);
      continue;
    }
    for (const dir of ['egress', 'ingress'] as const) {
      const extra = flows[dir].filter((f) => !designed[dir].includes(f));
      const missing = designed[dir].filter((f) => !flows[dir].includes(f));
      if (extra.length) problems.push(`${name}: ${dir} allows ${extra.join('; ')}, which the design does not`);
      if (missing.length) problems.push(`${name}: ${dir} lacks ${missing.join('; ')}`);
    }
  }
  return problems;
}
