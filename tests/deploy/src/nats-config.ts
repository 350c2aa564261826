/**
 * NATS durability as configured: the ingestor deletes an SQS message once JetStream acknowledged it,
 * so every NATS we configure must be a current release that fsyncs before acknowledging.
 */

/** nats-server releases that are current and not affected by the stream-loss bugs of 2.10.20–2.10.22. */
export function natsVersionProblems(image: string): string[] {
  const m = /^(?:docker\.io\/)?(?:library\/)?nats:(\d+)\.(\d+)\.(\d+)(?:-[a-z0-9.-]+)?$/.exec(image);
  if (!m) return [`${image} is not a pinned nats:<major>.<minor>.<patch> image`];
  const [major, minor, patch] = m.slice(1).map(Number);
  if (major === 2 && minor === 10 && patch >= 20 && patch <= 22)
    return [`${image}: 2.10.20–2.10.22 can lose whole streams on a process crash`];
  if (major < 2 || (major === 2 && minor < 14)) return [`${image} is not a current release (2.14 or later)`];
  return [];
}

/** The value of `sync_interval` inside the jetstream block of a nats-server config file. */
export function jetStreamSyncInterval(conf: string): string | undefined {
  const block = /jetstream\s*[:=]?\s*\{([\s\S]*?)\n\s*\}/.exec(conf)?.[1] ?? '';
  const line = block
    .split('\n')
    .map((l) => l.replace(/#.*$/, '').trim())
    .find((l) => /^sync_interval\s*[:=]/.test(l));
  return line?.replace(/^sync_interval\s*[:=]\s*/, '').replace(/^["']|["']$/g, '');
}
