/**
 * Alert latency benchmark (not a jest test): `npm run bench:alerts`.
 *
 * Real PostgreSQL and NATS, the alerter in-process with its production defaults (default rules on,
 * 200 ms grouping wait, 1 message/s per webhook), a local Slack catcher. For each alert: an anomalous
 * hourly_fact row is written (as the processor would), then `perf.hourly.updated.v1` is published;
 * the latency is from just before that publish to the catcher receiving the message that names it.
 *
 *   1. steady load: BENCH_ALERTS (default 200) alerts at BENCH_RATE per second (default 10)
 *   2. isolated alerts: BENCH_ISOLATED (default 10) alerts 1.5 s apart (no queue behind the rate limit)
 *
 * Env: TEST_DATABASE_ADMIN_URL, TEST_NATS_URL as for the tests.
 */
import { Logger } from '@nestjs/common';
import { ALERT_RULE_CREATE } from '@ams/contracts';
import { waitFor } from '@ams/testing';
import { AlerterHarness, HOUR } from '../../apps/alerter/src/testing/alerter.harness';

const total = Number(process.env['BENCH_ALERTS'] ?? 200);
const rate = Number(process.env['BENCH_RATE'] ?? 10);
const isolated = Number(process.env['BENCH_ISOLATED'] ?? 10);
const out = (line: string) => process.stdout.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function runPhase(h: AlerterHarness, label: string, n: number, gapMs: number): Promise<void> {
  const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - HOUR).toISOString();
  const sentAt = new Map<string, number>();
  const firstPost = h.catcher.delivered.length;
  const started = Date.now();
  for (let i = 0; i < n; i++) {
    const campaignId = `${label}-${i}`;
    await h.facts([{ campaignId, hourStart: hour, cost: '150.00', clicks: 30, impressions: 3000 }]);
    sentAt.set(campaignId, Date.now());
    await h.publishPerf([{ campaignId, hourStart: hour }]);
    const next = started + (i + 1) * gapMs;
    if (next > Date.now()) await sleep(next - Date.now());
  }
  const latencies = new Map<string, number>();
  const messages = new Set<number>();
  await waitFor(
    () => {
      h.catcher.delivered.slice(firstPost).forEach((p, idx) => {
        for (const m of p.raw.matchAll(/`([a-z]+-\d+)`/g)) {
          const t0 = sentAt.get(m[1]);
          if (t0 !== undefined && !latencies.has(m[1])) {
            latencies.set(m[1], p.at - t0);
            messages.add(idx);
          }
        }
      });
      return latencies.size === n;
    },
    { timeoutMs: 60_000, intervalMs: 100, description: `${n} alerts at the catcher` },
  );
  const sorted = [...latencies.values()].sort((a, b) => a - b);
  out(
    `${label.padEnd(9)} ${String(n).padStart(4)} alerts in ${String(messages.size).padStart(3)} messages  ` +
      `p50 ${percentile(sorted, 50)} ms  p99 ${percentile(sorted, 99)} ms  max ${sorted[sorted.length - 1]} ms`,
  );
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  const h = await AlerterHarness.create('alert_bench');
  try {
    await h.start({
      ALERT_GROUP_WAIT_MS: '200',
      ALERT_OUTBOX_POLL_MS: '1000',
      ALERT_EVAL_BATCH_WAIT_MS: '20',
      LOG_LEVEL: 'error',
    });
    await h.js.request(
      ALERT_RULE_CREATE,
      {
        name: 'hourly spend above 100',
        metric: 'spend',
        condition: 'above',
        threshold: '100',
        windowHours: 1,
        entityLevel: 'campaign',
      },
      5000,
    );
    out(`alert latency: perf.hourly.updated.v1 publish → Slack catcher (8 default rules + 1 hourly spend rule)`);
    await runPhase(h, 'steady', total, 1000 / rate);
    await runPhase(h, 'isolated', isolated, 1500);
    const outbox = await h.rows<{ status: string; n: string }>(
      `SELECT status, count(*)::text AS n FROM notification_outbox GROUP BY status`,
    );
    out(`outbox: ${outbox.map((r) => `${r.status} ${r.n}`).join(', ')}; catcher posts ${h.catcher.posts.length}`);
  } finally {
    await h.dispose();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
