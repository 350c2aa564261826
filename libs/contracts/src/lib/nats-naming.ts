/**
 * How a deployment prefix (NATS_PREFIX) applies to subjects and stream names: written once here and used by the
 * messaging module (what the apps send) and by the NATS permissions (what the server allows), so both agree.
 * Subject `s` becomes `${prefix}.${s}`; stream `N` becomes `${PREFIX_UPPER_SANITISED}_${N}`; '' changes nothing.
 */
export interface NatsNames {
  subject(subject: string): string;
  stream(name: string): string;
  readonly subjectPrefix: string;
  readonly streamPrefix: string;
}

export function natsNames(prefix: string): NatsNames {
  const p = prefix.trim();
  if (/[\s*>]/.test(p) || p.startsWith('.') || p.endsWith('.')) {
    throw new Error(`Invalid messaging prefix '${prefix}'`);
  }
  const subjectPrefix = p ? `${p}.` : '';
  const streamPrefix = p ? `${p.toUpperCase().replace(/[^A-Z0-9_-]/g, '_')}_` : '';
  return {
    subjectPrefix,
    streamPrefix,
    subject: (s) => subjectPrefix + s,
    stream: (n) => streamPrefix + n,
  };
}
