import { Logger } from '@nestjs/common';
import type { JetStreamService } from './jetstream.service';
import type { ConsumerHandle } from './messaging.types';
import { rawAddress } from './raw-address';
import { type PrivateNatsServer, startPrivateNatsServer, uniquePrefix, waitFor } from '@ams/testing';
import { ServiceTracker, testOptions } from './messaging.spec-env';

jest.setTimeout(90_000);
Logger.overrideLogger(['error']);

const prefix = uniquePrefix('rs');
const tracker = new ServiceTracker();
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Publishes, retrying while the server is away or JetStream is still recovering. */
async function publishEventually(svc: JetStreamService, i: number): Promise<void> {
  await waitFor(
    async () => {
      await svc.publish(rawAddress('restart.x'), { i }, { msgId: `m-${i}`, timeoutMs: 1000 });
      return true;
    },
    { description: `publish of m-${i}`, timeoutMs: 30_000, intervalMs: 200 },
  );
}

describe('JetStreamService across a NATS restart (private nats-server)', () => {
  let nats: PrivateNatsServer;
  let svc: JetStreamService;
  let handle: ConsumerHandle | undefined;
  const handled = new Map<string, number>();
  /** Every delivery handed to the handler: msgId → `streamSequence/deliveryCount` of each. */
  const deliveries = new Map<string, string[]>();

  beforeAll(async () => {
    nats = await startPrivateNatsServer();
    svc = await tracker.start(testOptions(prefix, 'restart-spec', nats.url));
    await svc.ensureStream({ name: 'RESTART', subjects: ['restart.>'], maxAgeMs: 3_600_000 });
    handle = await svc.consumeBatches(
      {
        stream: 'RESTART',
        durable: 'restart',
        filterSubject: 'restart.>',
        maxBatch: 50,
        maxWaitMs: 20,
        ackWaitMs: 5000,
        nakDelayMs: 100,
      },
      async (batch) => {
        await delay(batch[0]?.msgId?.startsWith('k-') ? 20 : 2);
        for (const m of batch) {
          const id = m.msgId ?? '?';
          handled.set(id, (handled.get(id) ?? 0) + 1);
          deliveries.set(id, [...(deliveries.get(id) ?? []), `${m.streamSequence}/${m.deliveryCount}`]);
        }
      },
    );
  });

  afterAll(async () => {
    await handle?.stop();
    await tracker.closeAll();
    await nats?.dispose();
  });

  it('resumes consumption after the server is stopped and started again on the same store', async () => {
    // before the restart: everything handled and acked
    await svc.publishMany(
      Array.from({ length: 200 }, (_, i) => ({ to: rawAddress('restart.x'), data: { i }, msgId: `m-${i}` })),
    );
    await waitFor(() => handled.size === 200, { description: '200 handled before restart' });
    await waitFor(async () => (await svc.consumerPending('RESTART', 'restart')) === 0, {
      description: 'acked before restart',
    });

    await nats.stop('SIGTERM');
    await waitFor(() => !svc.isConnected(), { description: 'the client to notice the disconnect' });
    await expect(svc.publish(rawAddress('restart.x'), { i: -1 }, { timeoutMs: 500 })).rejects.toThrow();

    await nats.start();
    await waitFor(() => svc.isConnected(), { description: 'reconnect', timeoutMs: 20_000 });
    for (let i = 200; i < 400; i++) {
      await publishEventually(svc, i);
    }

    await waitFor(() => handled.size === 400, { description: '400 handled after restart', timeoutMs: 30_000 });
    await waitFor(async () => (await svc.consumerPending('RESTART', 'restart')) === 0, { description: 'all acked' });
    // JetStream delivers at least once: consumer state the server had not yet written when it went down comes
    // back as a redelivery (seen once in CI under load), which every handler downstream absorbs (idempotent
    // writes). What must hold is that nothing was lost (above) and that the stream stored each message once: the
    // msg-id dedupe survived the restart although publishes were retried across it.
    for (const [id, ds] of deliveries) {
      expect({ id, sequences: new Set(ds.map((d) => d.split('/')[0])).size }).toEqual({ id, sequences: 1 });
    }
    expect(deliveries.size).toBe(400);
    const twice = [...deliveries].filter(([, ds]) => ds.length > 1);
    if (twice.length > 0) console.warn(`server redeliveries across the restart: ${JSON.stringify(twice)}`);
  });

  it('loses nothing when the server is killed while batches are in flight', async () => {
    const items = Array.from({ length: 500 }, (_, i) => ({
      to: rawAddress('restart.x'),
      data: { i },
      msgId: `k-${i}`,
    }));
    await svc.publishMany(items);
    await waitFor(() => [...handled.keys()].some((k) => k.startsWith('k-')), { description: 'consumption under way' });

    expect(handled.size).toBeLessThan(200 + 500); // still busy when the server dies
    await nats.kill9();
    await nats.start();

    await waitFor(() => items.every((it) => handled.has(it.msgId)), {
      description: 'all 500 handled',
      timeoutMs: 45_000,
    });
    await waitFor(async () => (await svc.consumerPending('RESTART', 'restart')) === 0, {
      description: 'all acked',
      timeoutMs: 30_000,
    });
  });
});
