import { Logger } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { IsInt } from 'class-validator';
import { connect, nanos, StorageType } from 'nats';
import { register } from 'prom-client';
import { JetStreamService } from './jetstream.service';
import { MessagingPublishError, MessagingTimeoutError } from './messaging.errors';
import { MessagingModule } from './messaging.module';
import { MessagingNaming } from './messaging.naming';
import { rawAddress } from './raw-address';
import type { EventDescriptor } from '@ams/contracts';
import type { ConsumedMessage, ConsumerDefinition, ConsumerHandle } from './messaging.types';
import { DEFAULT_NATS_URL, deleteStreams, gate, streamMessageCount, uniquePrefix, waitFor } from '@ams/testing';
import { ServiceTracker, testOptions } from './messaging.spec-env';

jest.setTimeout(60_000);
Logger.overrideLogger(['error', 'warn']);

const prefix = uniquePrefix('js');
const tracker = new ServiceTracker();
const HOUR = 3_600_000;
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

function consumerDef(stream: string, durable: string, overrides: Partial<ConsumerDefinition> = {}): ConsumerDefinition {
  return {
    stream,
    durable,
    filterSubject: `${stream.toLowerCase()}.>`,
    maxBatch: 100,
    maxWaitMs: 20,
    ackWaitMs: 10_000,
    nakDelayMs: 100,
    ...overrides,
  };
}

class CountedV1 {
  @IsInt() n!: number;
}
/** An event outside the catalog, on a stream of these specs. */
const COUNTED: EventDescriptor<CountedV1> = {
  kind: 'event',
  name: 'COUNTED',
  subject: 'valid.counted',
  payload: CountedV1,
  stream: 'VALID' as 'EVENTS',
  producer: 'processor',
};

async function streamFixture(svc: JetStreamService, name: string): Promise<void> {
  await svc.ensureStream({ name, subjects: [`${name.toLowerCase()}.>`], maxAgeMs: HOUR });
}

afterAll(async () => {
  await tracker.closeAll();
  await deleteStreams(prefix);
});

describe('JetStreamService (integration, NATS at ' + DEFAULT_NATS_URL + ')', () => {
  let svc: JetStreamService;
  const handles: ConsumerHandle[] = [];

  beforeAll(async () => {
    svc = await tracker.start(testOptions(prefix));
  });

  afterEach(async () => {
    await Promise.all(handles.splice(0).map((h) => h.stop()));
  });

  describe('ensureStream', () => {
    it('is idempotent when called twice and creates a file-storage stream with the prefixed subjects', async () => {
      const def = { name: 'IDEM', subjects: ['idem.>'], maxAgeMs: HOUR };
      await svc.ensureStream(def);
      await svc.ensureStream(def);

      const nc = await connect({ servers: DEFAULT_NATS_URL });
      const jsm = await nc.jetstreamManager();
      const si = await jsm.streams.info(new MessagingNaming(prefix).stream('IDEM'));
      await nc.close();
      expect(si.config.subjects).toEqual([`${prefix}.idem.>`]);
      expect(si.config.storage).toBe(StorageType.File);
      expect(si.config.max_age).toBe(nanos(HOUR));
      expect(si.config.duplicate_window).toBe(nanos(120_000));
      expect(si.config.num_replicas).toBe(1);
    });

    it('does not fail when several services create and then update the same stream concurrently', async () => {
      const others = await Promise.all([1, 2, 3].map((i) => tracker.start(testOptions(prefix, `other-${i}`))));
      const all = [svc, ...others];
      const def = { name: 'CONC', subjects: ['conc.>'], maxAgeMs: HOUR };
      await Promise.all(all.map((s) => s.ensureStream(def)));
      const changed = { ...def, maxAgeMs: 2 * HOUR, duplicateWindowMs: 60_000 };
      await Promise.all(all.map((s) => s.ensureStream(changed)));

      const nc = await connect({ servers: DEFAULT_NATS_URL });
      const jsm = await nc.jetstreamManager();
      const si = await jsm.streams.info(new MessagingNaming(prefix).stream('CONC'));
      await nc.close();
      expect(si.config.max_age).toBe(nanos(2 * HOUR));
      expect(si.config.duplicate_window).toBe(nanos(60_000));
    });
  });

  describe('publish', () => {
    beforeAll(async () => {
      await streamFixture(svc, 'PUB');
    });

    it('deduplicates by msgId: the second publish reports duplicate and the stream holds one message', async () => {
      await streamFixture(svc, 'DEDUP');
      const first = await svc.publish(rawAddress('dedup.x'), { n: 1 }, { msgId: 'idem-1' });
      const second = await svc.publish(rawAddress('dedup.x'), { n: 1 }, { msgId: 'idem-1' });
      expect(first.duplicate).toBe(false);
      expect(second).toEqual({ seq: first.seq, duplicate: true });
      expect(await streamMessageCount(prefix, 'DEDUP')).toBe(1);
    });

    it('publishMany resolves with every PubAck in order, deduplicating repeated ids', async () => {
      const items = Array.from({ length: 200 }, (_, i) => ({
        to: rawAddress('pub.many'),
        data: { i },
        msgId: `many-${i % 150}`,
      }));
      const acks = await svc.publishMany(items);
      expect(acks).toHaveLength(200);
      expect(acks.filter((a) => a.duplicate)).toHaveLength(50);
      const fresh = acks.filter((a) => !a.duplicate).map((a) => a.seq);
      expect(new Set(fresh).size).toBe(150);
    });

    it('throws MessagingTimeoutError at once when no stream takes the subject', async () => {
      const started = Date.now();
      await expect(svc.publish(rawAddress('nostream.x'), 'x', { timeoutMs: 3000 })).rejects.toBeInstanceOf(
        MessagingTimeoutError,
      );
      expect(Date.now() - started).toBeLessThan(2000);
    });

    it('publishMany rejects with per-item outcomes when any publish fails', async () => {
      const err = await svc
        .publishMany([
          { to: rawAddress('pub.ok'), data: 1 },
          { to: rawAddress('nostream.y'), data: 2 },
          { to: rawAddress('pub.ok'), data: 3 },
        ])
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MessagingPublishError);
      const outcomes = (err as MessagingPublishError).outcomes;
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    });

    it('delivers data, headers (x-correlation-id unchanged), msgId and JetStream metadata to the consumer', async () => {
      await streamFixture(svc, 'META');
      const before = Date.now();
      const ack = await svc.publish(
        rawAddress('meta.thing'),
        { hello: 'world' },
        { msgId: 'meta-1', headers: { 'x-correlation-id': 'corr-123' } },
      );
      await svc.publish(rawAddress('meta.raw'), new TextEncoder().encode('bytes'));
      await svc.publish(rawAddress('meta.str'), 'plain');
      const seen: ConsumedMessage<{ hello: string }>[] = [];
      handles.push(
        await svc.consumeBatches<{ hello: string }>(consumerDef('META', 'meta'), async (batch) => {
          seen.push(...batch);
        }),
      );
      await waitFor(() => seen.length === 3, { description: '3 messages' });
      const m = seen[0];
      expect(m.subject).toBe('meta.thing');
      expect(m.json()).toEqual({ hello: 'world' });
      expect(m.header('x-correlation-id')).toBe('corr-123'); // straight from the NATS headers
      expect(m.header('x-absent')).toBeUndefined();
      expect(seen[2].header('x-correlation-id')).toBeUndefined(); // published without headers
      expect(m.headers['x-correlation-id']).toBe('corr-123');
      expect(m.header('x-correlation-id')).toBe('corr-123'); // from the record built by `headers`
      expect(m.msgId).toBe('meta-1');
      expect(m.streamSequence).toBe(ack.seq);
      expect(m.deliveryCount).toBe(1);
      expect(m.publishedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(m.publishedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
      expect(seen[1].string()).toBe('bytes');
      expect(seen[1].msgId).toBeNull();
      expect(seen[2].string()).toBe('plain');
    });
  });

  describe('consumeBatches', () => {
    it('acks only after the handler resolves: a failed batch is redelivered and handled exactly once in the end', async () => {
      await streamFixture(svc, 'RETRY');
      await svc.publishMany([1, 2, 3].map((i) => ({ to: rawAddress('retry.x'), data: { i }, msgId: `r-${i}` })));
      const deliveries: Array<{ id: string | null; count: number }> = [];
      const committed = new Map<string, number>();
      let failures = 0;
      handles.push(
        await svc.consumeBatches(consumerDef('RETRY', 'retry'), async (batch) => {
          deliveries.push(...batch.map((m) => ({ id: m.msgId, count: m.deliveryCount })));
          if (failures === 0) {
            failures++;
            throw new Error('simulated failure before commit');
          }
          for (const m of batch) committed.set(m.msgId ?? '', (committed.get(m.msgId ?? '') ?? 0) + 1);
        }),
      );
      await waitFor(() => committed.size === 3, { description: 'all three committed' });
      await waitFor(async () => (await svc.consumerPending('RETRY', 'retry')) === 0, { description: 'all acked' });
      expect([...committed.values()]).toEqual([1, 1, 1]);
      const first = deliveries.filter((d) => d.count === 1).map((d) => d.id);
      const second = deliveries.filter((d) => d.count === 2).map((d) => d.id);
      expect(first.length).toBeGreaterThan(0);
      expect(second.sort()).toEqual([...first].sort());
    });

    it('hands over batches of at most maxBatch, every message once', async () => {
      await streamFixture(svc, 'BATCH');
      await svc.publishMany(
        Array.from({ length: 2000 }, (_, i) => ({ to: rawAddress(`batch.s${i % 7}`), data: { i }, msgId: `b-${i}` })),
      );
      const sizes: number[] = [];
      const seen = new Map<number, number>();
      handles.push(
        await svc.consumeBatches(consumerDef('BATCH', 'batch', { maxBatch: 100, maxWaitMs: 50 }), async (batch) => {
          sizes.push(batch.length);
          for (const m of batch) seen.set(m.streamSequence, (seen.get(m.streamSequence) ?? 0) + 1);
        }),
      );
      await waitFor(() => seen.size === 2000, { description: '2000 messages', timeoutMs: 20_000 });
      await waitFor(async () => (await svc.consumerPending('BATCH', 'batch')) === 0, { description: 'all acked' });
      expect(Math.max(...sizes)).toBe(100);
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(2000);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    });

    it('runs up to `concurrency` batches at once', async () => {
      await streamFixture(svc, 'PAR');
      await svc.publishMany(Array.from({ length: 300 }, (_, i) => ({ to: rawAddress('par.x'), data: { i } })));
      let running = 0;
      let peak = 0;
      let handled = 0;
      handles.push(
        await svc.consumeBatches(consumerDef('PAR', 'par', { maxBatch: 25, concurrency: 3 }), async (batch) => {
          running++;
          peak = Math.max(peak, running);
          await delay(30);
          running--;
          handled += batch.length;
        }),
      );
      await waitFor(() => handled === 300, { description: '300 handled' });
      expect(peak).toBe(3);
    });

    it('consume(event) hands over validated payloads only; a mismatch (bad or unknown field, not JSON) is told and acked', async () => {
      await streamFixture(svc, 'VALID');
      const got: unknown[] = [];
      const invalid: string[] = [];
      handles.push(
        await svc.consume(
          COUNTED,
          {
            durable: 'valid',
            maxBatch: 100,
            maxWaitMs: 20,
            ackWaitMs: 10_000,
            onInvalid: (reason) => invalid.push(reason),
          },
          async (batch) => {
            got.push(...batch.map((m) => m.payload));
          },
        ),
      );
      const malformed = (body: unknown) => body as CountedV1;
      await svc.publish(COUNTED, { n: 1 });
      await svc.publish(COUNTED, malformed({ n: 'two' }));
      await svc.publish(COUNTED, malformed({ n: 3, extra: true }));
      await svc.publish(rawAddress('valid.counted'), 'not json {');
      await svc.publish(COUNTED, { n: 5 });
      await waitFor(() => got.length === 2 && invalid.length === 3, {
        description: 'two valid, three invalid',
        timeoutMs: 5000,
      });
      expect(got).toEqual([expect.any(CountedV1), expect.any(CountedV1)]);
      expect(got).toEqual([{ n: 1 }, { n: 5 }]);
      expect(invalid).toEqual([
        expect.stringContaining('n:'),
        'extra: is not a field of this event',
        'payload: must be a JSON object',
      ]);
      await waitFor(async () => (await svc.consumerPending('VALID', 'valid')) === 0, {
        description: 'all five acked',
        timeoutMs: 5000,
      });
    });

    it('hands over a partial batch after maxWaitMs', async () => {
      await streamFixture(svc, 'LONE');
      const got: number[] = [];
      handles.push(
        await svc.consumeBatches(consumerDef('LONE', 'lone', { maxBatch: 500, maxWaitMs: 30 }), async (batch) => {
          got.push(batch.length);
        }),
      );
      await svc.publish(rawAddress('lone.x'), { lonely: true });
      await waitFor(() => got.length === 1, { description: 'the lone message', timeoutMs: 5000 });
      expect(got).toEqual([1]);
    });

    it('stop() waits for the in-flight slow batch to finish and be acked', async () => {
      await streamFixture(svc, 'SLOW');
      await svc.publishMany([1, 2, 3, 4, 5].map((i) => ({ to: rawAddress('slow.x'), data: { i } })));
      const started = gate();
      const events: string[] = [];
      const handle = await svc.consumeBatches(consumerDef('SLOW', 'slow', { maxWaitMs: 50 }), async (batch) => {
        events.push(`start:${batch.length}`);
        started.open();
        await delay(700);
        events.push('end');
      });
      await started.promise;
      expect(handle.pending).toBeGreaterThan(0);
      await handle.stop();
      events.push('stopped');
      expect(events.slice(-2)).toEqual(['end', 'stopped']);
      expect(handle.pending).toBe(0);
      await waitFor(async () => (await svc.consumerPending('SLOW', 'slow')) === 0, {
        description: 'acks of the slow batch',
      });
    });

    it('keeps a long-running batch (and the messages waiting behind it) from being redelivered', async () => {
      await streamFixture(svc, 'LONG');
      await svc.publishMany([1, 2, 3].map((i) => ({ to: rawAddress('long.x'), data: { i }, msgId: `l-${i}` })));
      const deliveries: Array<{ id: string | null; count: number }> = [];
      handles.push(
        await svc.consumeBatches(
          consumerDef('LONG', 'long', { maxBatch: 2, maxWaitMs: 20, ackWaitMs: 1500 }),
          async (batch) => {
            deliveries.push(...batch.map((m) => ({ id: m.msgId, count: m.deliveryCount })));
            await delay(4000); // longer than 2 × ack wait
          },
        ),
      );
      await waitFor(() => deliveries.length >= 3, { description: 'three deliveries', timeoutMs: 15_000 });
      await waitFor(async () => (await svc.consumerPending('LONG', 'long')) === 0, {
        description: 'all acked',
        timeoutMs: 15_000,
      });
      expect(deliveries.map((d) => d.count)).toEqual([1, 1, 1]);
      expect(deliveries.map((d) => d.id).sort()).toEqual(['l-1', 'l-2', 'l-3']);
    });

    it('shares the work of one durable between two service instances, no message handled by both', async () => {
      await streamFixture(svc, 'SHARE');
      const other = await tracker.start(testOptions(prefix, 'share-2'));
      const byA = new Set<number>();
      const byB = new Set<number>();
      const def = consumerDef('SHARE', 'share', { maxBatch: 20, maxWaitMs: 10 });
      const work = (mine: Set<number>) => async (batch: ConsumedMessage[]) => {
        for (const m of batch) mine.add(m.streamSequence);
        await delay(5);
      };
      handles.push(await svc.consumeBatches(def, work(byA)), await other.consumeBatches(def, work(byB)));
      await svc.publishMany(Array.from({ length: 1000 }, (_, i) => ({ to: rawAddress('share.x'), data: { i } })));
      await waitFor(() => byA.size + byB.size >= 1000, { description: '1000 handled', timeoutMs: 20_000 });
      await waitFor(async () => (await svc.consumerPending('SHARE', 'share')) === 0, { description: 'all acked' });
      const both = [...byA].filter((s) => byB.has(s));
      expect(both).toEqual([]);
      expect(new Set([...byA, ...byB]).size).toBe(1000);
      expect(byA.size).toBeGreaterThan(0);
      expect(byB.size).toBeGreaterThan(0);
    });

    it('recreates its durable when the consumer is deleted from under it', async () => {
      await streamFixture(svc, 'GONE');
      const seen = new Set<string>();
      handles.push(
        await svc.consumeBatches(consumerDef('GONE', 'gone'), async (batch) => {
          for (const m of batch) seen.add(m.string());
        }),
      );
      await svc.publish(rawAddress('gone.x'), 'before');
      await waitFor(() => seen.has('before'), { description: 'first message' });

      const nc = await connect({ servers: DEFAULT_NATS_URL });
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.delete(new MessagingNaming(prefix).stream('GONE'), 'gone');
      await nc.close();

      await svc.publish(rawAddress('gone.x'), 'after');
      await waitFor(() => seen.has('after'), { description: 'message after the deletion', timeoutMs: 30_000 });
    });

    it('recreates a stream it ensured, and its durable, when the stream is deleted from under it', async () => {
      await streamFixture(svc, 'VANISH');
      const seen = new Set<string>();
      handles.push(
        await svc.consumeBatches(consumerDef('VANISH', 'vanish'), async (batch) => {
          for (const m of batch) seen.add(m.string());
        }),
      );
      await svc.publish(rawAddress('vanish.x'), 'before');
      await waitFor(() => seen.has('before'), { description: 'first message' });

      const nc = await connect({ servers: DEFAULT_NATS_URL });
      const jsm = await nc.jetstreamManager();
      await jsm.streams.delete(new MessagingNaming(prefix).stream('VANISH'));
      await nc.close();

      await waitFor(() => svc.publish(rawAddress('vanish.x'), 'after', { timeoutMs: 1000 }), {
        description: 'the stream to be back',
      });
      await waitFor(() => seen.has('after'), { description: 'message after the deletion', timeoutMs: 30_000 });
    });

    it('reports consumer lag and counters through prom-client', async () => {
      await streamFixture(svc, 'LAG');
      await svc.publishMany(Array.from({ length: 10 }, (_, i) => ({ to: rawAddress('lag.x'), data: { i } })));
      expect(await svc.consumerPending('LAG', 'lag').catch(() => -1)).toBe(-1); // no consumer yet
      const release = gate();
      const handle = await svc.consumeBatches(consumerDef('LAG', 'lag'), async () => {
        await release.promise;
      });
      handles.push(handle);
      await waitFor(() => handle.pending === 10, { description: 'ten held' });
      const scraped = await register.getSingleMetricAsString('ams_messaging_consumer_pending');
      expect(scraped).toMatch(/ams_messaging_consumer_pending\{stream="LAG",durable="lag"\} 10/);
      release.open();
      await waitFor(async () => (await svc.consumerPending('LAG', 'lag')) === 0, { description: 'lag drained' });
      const consumed = await register.getSingleMetricAsString('ams_messaging_consumed_total');
      expect(consumed).toMatch(/ams_messaging_consumed_total\{durable="lag"\} 10/);
      const published = await register.getSingleMetricAsString('ams_messaging_published_total');
      expect(published).toMatch(/ams_messaging_published_total\{subject="lag.x"\} 10/);
    });
  });
});

describe('MessagingModule', () => {
  it('forRoot provides a connected JetStreamService and drains it on shutdown', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRoot(testOptions(prefix, 'module-spec'))],
    }).compile();
    const app = await moduleRef.init();
    const js = app.get(JetStreamService);
    expect(js.isConnected()).toBe(true);
    expect(await js.rtt()).toBeGreaterThanOrEqual(0);
    await app.close();
    expect(js.isConnected()).toBe(false);
  });

  it('forRootAsync builds the options from a factory', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [MessagingModule.forRootAsync({ useFactory: async () => testOptions(prefix, 'module-async') })],
    }).compile();
    const app = await moduleRef.init();
    expect(app.get(JetStreamService).isConnected()).toBe(true);
    await app.close();
  });
});
