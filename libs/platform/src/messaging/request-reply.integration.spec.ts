import { Logger } from '@nestjs/common';
import { JetStreamService } from './jetstream.service';
import { MessagingRemoteError, MessagingTimeoutError } from './messaging.errors';
import { gate, uniquePrefix } from '@ams/testing';
import { ServiceTracker, testOptions } from './messaging.spec-env';

jest.setTimeout(30_000);
Logger.overrideLogger(['error']);

const prefix = uniquePrefix('rr');
const tracker = new ServiceTracker();

class CodedError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

describe('JetStreamService request/reply (integration)', () => {
  let server: JetStreamService;
  let client: JetStreamService;

  beforeAll(async () => {
    server = await tracker.start(testOptions(prefix, 'rr-server'));
    client = await tracker.start(testOptions(prefix, 'rr-client'));
  });

  afterAll(async () => {
    await tracker.closeAll();
  });

  it('round-trips JSON and passes the correlation id header', async () => {
    server.reply<{ n: number }, { doubled: number; correlationId?: string }>('cmd.double', async (req, headers) => ({
      doubled: req.n * 2,
      correlationId: headers['x-correlation-id'],
    }));
    await server.rtt(); // the server has our subscription once it answered a ping
    const res = await client.request<{ doubled: number; correlationId?: string }>('cmd.double', { n: 21 }, 2000, {
      headers: { 'x-correlation-id': 'corr-rr-1' },
    });
    expect(res).toEqual({ doubled: 42, correlationId: 'corr-rr-1' });
  });

  it('turns a handler error into { error: { code, message } } and MessagingRemoteError on the caller', async () => {
    server.reply('cmd.fail', async () => {
      throw new CodedError('ALERT_NOT_FOUND', 'no such alert');
    });
    server.reply('cmd.crash', async () => {
      throw new Error('boom');
    });
    server.reply('cmd.db', async () => {
      throw new CodedError('23505', 'duplicate key value violates unique constraint "secret_idx"');
    });
    await server.rtt();
    const err = await client.request('cmd.fail', {}, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code: 'ALERT_NOT_FOUND', message: 'no such alert' });
    const crash = await client.request('cmd.crash', {}, 2000).catch((e: unknown) => e);
    expect(crash).toMatchObject({ code: 'INTERNAL', message: 'internal error' }); // details stay in the replier's log
    await expect(client.request('cmd.db', {}, 2000)).rejects.toMatchObject({ code: 'INTERNAL', message: 'internal error' });
  });

  it('throws MessagingTimeoutError at once when nobody listens', async () => {
    const started = Date.now();
    await expect(client.request('cmd.nobody', {}, 3000)).rejects.toBeInstanceOf(MessagingTimeoutError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('throws MessagingTimeoutError after the timeout when the replier is too slow', async () => {
    const release = gate();
    server.reply('cmd.slow', async () => {
      await release.promise;
      return 'late';
    });
    await server.rtt();
    const started = Date.now();
    await expect(client.request('cmd.slow', {}, 300)).rejects.toBeInstanceOf(MessagingTimeoutError);
    const elapsed = Date.now() - started;
    release.open();
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(elapsed).toBeLessThan(1500);
  });

  it('answers each request once within a queue group, and subscribes handlers registered before connect', async () => {
    const opts = testOptions(prefix, 'rr-group');
    const a = new JetStreamService(opts);
    const b = new JetStreamService(opts);
    const calls = { a: 0, b: 0 };
    a.reply('cmd.who', async () => (calls.a++, 'a'));
    b.reply('cmd.who', async () => (calls.b++, 'b'));
    await tracker.start(opts).then((s) => s.close()); // unrelated instance: no effect on the group
    await Promise.all([a.connect(), b.connect()]);
    await Promise.all([a.rtt(), b.rtt()]);
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => client.request<string>('cmd.who', {}, 2000)));
      expect(answers).toHaveLength(40);
      expect(answers.every((x) => x === 'a' || x === 'b')).toBe(true);
      expect(calls.a + calls.b).toBe(40);
      expect(calls.a).toBeGreaterThan(0);
      expect(calls.b).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
