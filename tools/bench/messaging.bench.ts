/**
 * Micro-benchmark of the messaging module against a real NATS (not a jest test):
 *   npm run bench:messaging
 * Env: NATS_URL (default nats://127.0.0.1:4222), BENCH_MESSAGES (default 50000).
 */
import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Address } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { deleteStreams } from '@ams/testing';

const url = process.env['NATS_URL'] ?? 'nats://127.0.0.1:4222';
const total = Number(process.env['BENCH_MESSAGES'] ?? 50_000);
const prefix = `bench${randomBytes(4).toString('hex')}`;
/** The bench's own test streams are outside the message catalog. */
const rawAddress = <T = unknown>(subject: string): Address<T> => ({ subject });
const out = (line: string) => process.stdout.write(`${line}\n`);
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} msg/s`;

function record(i: number) {
  return {
    idempotency_id: `bench-${i}-${randomBytes(6).toString('hex')}`,
    dataset_id: 'sp-traffic',
    marketplace_id: 'ATVPDKIKX0DER',
    advertiser_id: 'ENTITY2XYZ123',
    campaign_id: String(10_000_000_000_000_000n + BigInt(i % 5000)),
    ad_group_id: String(20_000_000_000_000_000n + BigInt(i % 20000)),
    time_window_start: '2026-03-01T10:00:00-08:00',
    impressions: 120,
    clicks: 3,
    cost: 1.27,
    currency: 'USD',
  };
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const svc = new JetStreamService({ url, prefix, connectionName: 'messaging-bench' });
  await svc.connect();
  await svc.ensureStream({ name: 'BENCH', subjects: ['bench.>'], maxAgeMs: 3_600_000 });
  await svc.ensureStream({ name: 'BENCHCHUNK', subjects: ['benchchunk.>'], maxAgeMs: 3_600_000 });
  const items = Array.from({ length: total }, (_, i) => {
    const data = record(i);
    return { to: rawAddress('bench.sp-traffic'), data, msgId: data.idempotency_id };
  });
  out(`messaging bench: ${total} messages of ~${JSON.stringify(items[0].data).length} B, NATS ${url}`);

  try {
    // 1. publishMany: all in flight at once, wait for every PubAck
    let t0 = Date.now();
    await svc.publishMany(items, { timeoutMs: 30_000 });
    const pubMs = Date.now() - t0;
    out(`publishMany (one call of ${total})     ${rate(total, pubMs)}  (${pubMs} ms)`);

    // 1b. the ingestor's shape: calls of 500 one after the other
    t0 = Date.now();
    for (let i = 0; i < total; i += 500) {
      await svc.publishMany(items.slice(i, i + 500).map((it) => ({ ...it, to: rawAddress('benchchunk.sp-traffic') })));
    }
    const chunkMs = Date.now() - t0;
    out(`publishMany (sequential calls of 500)   ${rate(total, chunkMs)}  (${chunkMs} ms)`);

    // 2. consume in batches of 500, no work
    let seen = 0;
    let batches = 0;
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    t0 = Date.now();
    const handle = await svc.consumeBatches(
      { stream: 'BENCH', durable: 'bench', filterSubject: 'bench.>', maxBatch: 500, maxWaitMs: 50, ackWaitMs: 30_000 },
      async (batch) => {
        seen += batch.length;
        batches++;
        if (seen >= total) done();
      },
    );
    await finished;
    const consumeMs = Date.now() - t0;
    while ((await svc.consumerPending('BENCH', 'bench')) > 0) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const ackedMs = Date.now() - t0;
    out(
      `consumeBatches (maxBatch 500, no work)  ${rate(total, consumeMs)}  (${consumeMs} ms, ${batches} batches; all acked at ${ackedMs} ms)`,
    );

    // 3. latency of a lone message at idle (publish -> handler)
    const latencies: number[] = [];
    for (let i = 0; i < 20; i++) {
      const before = seen;
      const t = Date.now();
      await svc.publish(rawAddress('bench.lone'), { i });
      while (seen === before) {
        await new Promise((r) => setImmediate(r));
      }
      latencies.push(Date.now() - t);
    }
    latencies.sort((a, b) => a - b);
    out(`lone message publish->handler (maxWaitMs 50)  median ${latencies[10]} ms, max ${latencies[19]} ms`);
    await handle.stop();
  } finally {
    await svc.close();
    await deleteStreams(prefix, url); // BENCH and BENCHCHUNK, the only streams of this prefix
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
