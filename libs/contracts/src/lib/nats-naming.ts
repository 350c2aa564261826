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

/** Whether a NATS subject pattern (`*` one token, `>` the rest, as in stream subjects and permissions) matches `subject`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}
