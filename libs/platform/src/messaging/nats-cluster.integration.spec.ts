import { Logger } from '@nestjs/common';
import { natsNames } from '@ams/contracts';
import { type PrivateNatsCluster, startPrivateNatsCluster, uniquePrefix, waitFor } from '@ams/testing';
import type { JetStreamService } from './jetstream.service';
import type { ConsumerHandle } from './messaging.types';
import { rawAddress } from './raw-address';
import { ServiceTracker } from './messaging.spec-env';

jest.setTimeout(120_000);
Logger.overrideLogger(['error']);

const prefix = uniquePrefix('cl');
const tracker = new ServiceTracker();
const STREAM = natsNames(prefix).stream('CLUSTER');

/** Publishes with a msg id, retrying while the stream has no leader (an election, or no quorum). */
async function publishEventually(svc: JetStreamService, id: string): Promise<void> {
  await waitFor(
    async () => {
      await svc.publish(rawAddress('cluster.x'), { id }, { msgId: id, timeoutMs: 1000 });
      return true;
    },
    { description: `publish of ${id}`, timeoutMs: 45_000, intervalMs: 100 },
  );
}

/**
 * JetStreamService on a three-server JetStream cluster (private nats-servers), given as NATS_URL gives it: a
 * comma-separated list. Streams are created with `streamReplicas: 3`; the client survives losing the server it is
 * connected to, and the stream survives losing its leader, without losing or storing twice an acknowledged message.
 */
describe('JetStreamService on a three-server JetStream cluster', () => {
  let cluster: PrivateNatsCluster;
  let svc: JetStreamService;
  let handle: ConsumerHandle | undefined;
  /** msg id → stream sequences it was delivered with */
  const deliveries = new Map<string, number[]>();

  beforeAll(async () => {
    cluster = await startPrivateNatsCluster({ size: 3 });
    svc = await tracker.start({ url: cluster.url, prefix, connectionName: 'cluster-spec', streamReplicas: 3 });
    await svc.ensureStream({ name: 'CLUSTER', subjects: ['cluster.>'], maxAgeMs: 3_600_000 });
    handle = await svc.consumeBatches(
      {
        stream: 'CLUSTER',
        durable: 'cluster',
        filterSubject: 'cluster.>',
        maxBatch: 50,
        maxWaitMs: 20,
        ackWaitMs: 3000,
        nakDelayMs: 100,
      },
      async (batch) => {
        for (const m of batch) {
          const id = m.msgId ?? '?';
          deliveries.set(id, [...(deliveries.get(id) ?? []), m.streamSequence]);
        }
      },
    );
    // a fresh cluster on a loaded machine can take a while to elect its meta leader and the streams' groups
  }, 150_000);

  afterAll(async () => {
    await handle?.stop();
    await tracker.closeAll();
    await cluster?.dispose();
  });

  it('creates the streams with three replicas, and ensuring them again changes nothing', async () => {
    const c = await cluster.streamCluster(STREAM);
    expect(c.leader).toBeDefined();
    expect([c.leader, ...c.replicas.map((r) => r.name)].sort()).toEqual(['n1', 'n2', 'n3']);
    await expect(
      svc.ensureStream({ name: 'CLUSTER', subjects: ['cluster.>'], maxAgeMs: 3_600_000 }),
    ).resolves.toBeUndefined();
  });

  it('keeps publishing and consuming when the stream leader is killed (-9), then when two of three are down', async () => {
    const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `m-${from + i}`);
    for (const id of ids(0, 100)) await publishEventually(svc, id);

    // the leader dies: an election among the two others, and the client may have to reconnect too
    const leader = await cluster.streamLeader(STREAM);
    await leader.kill9();
    for (const id of ids(100, 200)) await publishEventually(svc, id);
    const second = await cluster.streamLeader(STREAM);
    expect(second.name).not.toBe(leader.name);
    await waitFor(() => svc.isConnected(), { description: 'connected to a survivor' });

    // a second server dies: no quorum, publishes fail (never acknowledged) until a server comes back
    await second.kill9();
    await expect(svc.publish(rawAddress('cluster.x'), { id: 'refused' }, { timeoutMs: 1000 })).rejects.toThrow();
    await leader.start();
    for (const id of ids(200, 300)) await publishEventually(svc, id);
    await second.start();

    await waitFor(() => ids(0, 300).every((id) => deliveries.has(id)), {
      description: 'all 300 delivered',
      timeoutMs: 45_000,
    });
    await waitFor(async () => (await svc.consumerPending('CLUSTER', 'cluster')) === 0, {
      description: 'all acknowledged',
      timeoutMs: 30_000,
    });
    // each message stored once (a retried publish was deduplicated by its msg id) and nothing else stored
    for (const [id, seqs] of deliveries) expect({ id, sequences: new Set(seqs).size }).toEqual({ id, sequences: 1 });
    expect([...deliveries.keys()].sort()).toEqual(ids(0, 300).sort());
    // and the restarted members catch up
    await waitFor(
      async () => {
        const c = await cluster.streamCluster(STREAM);
        return c.replicas.length === 2 && c.replicas.every((r) => r.current);
      },
      { description: 'every replica current again', timeoutMs: 30_000, intervalMs: 200 },
    );
  });
});
