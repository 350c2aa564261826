import { Logger } from '@nestjs/common';
import { connect, ErrorCode, type NatsError } from 'nats';
import { JetStreamService } from './jetstream.service';
import { MessagingNaming } from './messaging.naming';
import { rawAddress } from './raw-address';
import type { BroadcastMessage } from './messaging.types';
import { DEFAULT_NATS_URL, deleteStreams, startPrivateNatsServer, uniquePrefix, waitFor } from '@ams/testing';
import { ServiceTracker, testOptions } from './messaging.spec-env';

jest.setTimeout(60_000);
Logger.overrideLogger(['error']);

const prefix = uniquePrefix('sa');
const tracker = new ServiceTracker();
const HOUR = 3_600_000;
const text = (m: BroadcastMessage) => new TextDecoder().decode(m.data);

afterAll(async () => {
  await tracker.closeAll();
  await deleteStreams(prefix);
});

describe('JetStreamService.subscribeAll (NATS at ' + DEFAULT_NATS_URL + ')', () => {
  let publisher: JetStreamService;
  let replicaA: JetStreamService;
  let replicaB: JetStreamService;

  beforeAll(async () => {
    publisher = await tracker.start(testOptions(prefix, 'processor'));
    // two replicas of one app: same connection name, which is also reply()'s default queue group
    replicaA = await tracker.start(testOptions(prefix, 'api'));
    replicaB = await tracker.start(testOptions(prefix, 'api'));
    await publisher.ensureStream({ name: 'BCAST', subjects: ['bcast.>'], maxAgeMs: HOUR });
  });

  it('hands every JetStream publish to every replica, unprefixed, and the publish is still acked by the stream', async () => {
    const a: BroadcastMessage[] = [];
    const b: BroadcastMessage[] = [];
    const ha = replicaA.subscribeSubject('bcast.>', (m) => a.push(m));
    const hb = replicaB.subscribeSubject('bcast.>', (m) => b.push(m));
    await waitFor(() => ha.live && hb.live, { description: 'both subscriptions live' });

    const acks = [];
    for (let i = 0; i < 20; i++) {
      acks.push(
        await publisher.publish(
          rawAddress('bcast.x'),
          { i },
          { msgId: `b-${i}`, headers: { 'x-correlation-id': `c-${i}` } },
        ),
      );
    }
    expect(acks.map((x) => x.duplicate)).toEqual(Array(20).fill(false));
    expect(new Set(acks.map((x) => x.seq)).size).toBe(20);

    await waitFor(() => a.length === 20 && b.length === 20, { description: '20 messages in each replica' });
    expect(a.map(text)).toEqual(Array.from({ length: 20 }, (_, i) => JSON.stringify({ i })));
    expect(b.map(text)).toEqual(a.map(text));
    expect(a[3]).toMatchObject({ subject: 'bcast.x', headers: { 'x-correlation-id': 'c-3' } });
    ha.unsubscribe();
    hb.unsubscribe();
    expect(ha.live).toBe(false);
  });

  it('never answers: a request on the subject times out although two subscribers received it', async () => {
    const got: string[] = [];
    const ha = replicaA.subscribeSubject('quiet.q', (m) => got.push(text(m)));
    const hb = replicaB.subscribeSubject('quiet.q', (m) => got.push(text(m)));
    await waitFor(() => ha.live && hb.live, { description: 'both subscriptions live' });
    const nc = await connect({ servers: DEFAULT_NATS_URL });
    try {
      const err = await nc
        .request(new MessagingNaming(prefix).subject('quiet.q'), new TextEncoder().encode('"ping"'), { timeout: 300 })
        .then(
          () => undefined,
          (e: unknown) => e as NatsError,
        );
      expect(err?.code).toBe(ErrorCode.Timeout);
      expect(got).toEqual(['"ping"', '"ping"']);
    } finally {
      await nc.close();
      ha.unsubscribe();
      hb.unsubscribe();
    }
  });

  it('stops delivering after unsubscribe, and a throwing handler does not stop the next message', async () => {
    const got: string[] = [];
    const h = replicaA.subscribeSubject('bcast.y', (m) => {
      got.push(text(m));
      if (got.length === 1) throw new Error('handler bug');
    });
    const witness: string[] = [];
    const w = replicaB.subscribeSubject('bcast.y', (m) => witness.push(text(m)));
    await waitFor(() => h.live && w.live, { description: 'live' });
    await publisher.publish(rawAddress('bcast.y'), 1);
    await publisher.publish(rawAddress('bcast.y'), 2);
    await waitFor(() => got.length === 2, { description: 'both messages despite the throw' });
    h.unsubscribe();
    await publisher.publish(rawAddress('bcast.y'), 3);
    await waitFor(() => witness.length === 3, { description: 'the witness got the third' });
    expect(got).toEqual(['1', '2']);
    w.unsubscribe();
  });

  it('can be called before connect, and reports not live → live across a server restart, receiving again after it', async () => {
    const nats = await startPrivateNatsServer();
    const local = new ServiceTracker();
    const svc = new JetStreamService(testOptions(prefix, 'api', nats.url));
    try {
      const states: boolean[] = [];
      const got: string[] = [];
      const h = svc.subscribeSubject('r.x', (m) => got.push(text(m)), { onLive: (l) => states.push(l) });
      expect(h.live).toBe(false);
      await svc.connect();
      const pub = await local.start(testOptions(prefix, 'pub', nats.url));
      await waitFor(() => h.live, { description: 'live after connect' });
      await pub.ensureStream({ name: 'R', subjects: ['r.>'], maxAgeMs: HOUR });
      await pub.publish(rawAddress('r.x'), 'before');
      await waitFor(() => got.includes('before'), { description: 'message before the restart' });

      await nats.stop('SIGTERM');
      await waitFor(() => !h.live, { description: 'not live once disconnected' });
      await nats.start();
      await waitFor(() => h.live, { description: 'live again after the reconnect', timeoutMs: 20_000 });
      await waitFor(
        async () => {
          await pub.publish(rawAddress('r.x'), 'after', { timeoutMs: 1000 });
          return true;
        },
        { description: 'publish after restart', timeoutMs: 20_000, intervalMs: 200 },
      );
      await waitFor(() => got.includes('after'), { description: 'message after the restart' });
      expect(states).toEqual([true, false, true]);
      await svc.close();
      expect(h.live).toBe(false);
    } finally {
      await svc.close();
      await local.closeAll();
      await nats.dispose();
    }
  });
});
