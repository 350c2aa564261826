import { Logger } from '@nestjs/common';
import { IsInt } from 'class-validator';
import { type CommandDescriptor, type PayloadClass, replyOf } from '@ams/contracts';
import { JetStreamService } from './jetstream.service';
import { MessagingRemoteError, MessagingTimeoutError } from './messaging.errors';
import { gate, uniquePrefix } from '@ams/testing';
import { ServiceTracker, testOptions } from './messaging.spec-env';

jest.setTimeout(30_000);
Logger.overrideLogger(['error']);

const prefix = uniquePrefix('rr');
const tracker = new ServiceTracker();

class DoubleRequest {
  @IsInt() n!: number;
}
class NoFields {}

/** A command outside the catalog, for these specs only. */
function command<Req extends object, Res>(subject: string, request: PayloadClass<Req>): CommandDescriptor<Req, Res> {
  return { kind: 'command', name: subject, subject, request, reply: replyOf<Res>(), app: 'processor', sender: 'api' };
}
const DOUBLE = command<DoubleRequest, { doubled: number; correlationId?: string }>('cmd.double', DoubleRequest);
const FAIL = command<NoFields, never>('cmd.fail', NoFields);
const CRASH = command<NoFields, never>('cmd.crash', NoFields);
const DB = command<NoFields, never>('cmd.db', NoFields);
const NOBODY = command<NoFields, unknown>('cmd.nobody', NoFields);
const SLOW = command<NoFields, string>('cmd.slow', NoFields);
const WHO = command<NoFields, string>('cmd.who', NoFields);

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
    server.reply(DOUBLE, async (req, headers) => ({
      doubled: req.n * 2,
      correlationId: headers['x-correlation-id'],
    }));
    await server.rtt(); // the server has our subscription once it answered a ping
    const res = await client.request(DOUBLE, { n: 21 }, 2000, {
      headers: { 'x-correlation-id': 'corr-rr-1' },
    });
    expect(res).toEqual({ doubled: 42, correlationId: 'corr-rr-1' });
  });

  it('turns a handler error into { error: { code, message } } and MessagingRemoteError on the caller', async () => {
    server.reply(FAIL, async () => {
      throw new CodedError('ALERT_NOT_FOUND', 'no such alert');
    });
    server.reply(CRASH, async () => {
      throw new Error('boom');
    });
    server.reply(DB, async () => {
      throw new CodedError('23505', 'duplicate key value violates unique constraint "secret_idx"');
    });
    await server.rtt();
    const err = await client.request(FAIL, {}, 2000).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MessagingRemoteError);
    expect(err).toMatchObject({ code: 'ALERT_NOT_FOUND', message: 'no such alert' });
    const crash = await client.request(CRASH, {}, 2000).catch((e: unknown) => e);
    expect(crash).toMatchObject({ code: 'INTERNAL', message: 'internal error' }); // details stay in the replier's log
    await expect(client.request(DB, {}, 2000)).rejects.toMatchObject({ code: 'INTERNAL', message: 'internal error' });
  });

  it('validates the request against the command class before the handler runs: unknown fields refused', async () => {
    const seen: unknown[] = [];
    const STRICT = command<DoubleRequest, number>('cmd.strict', DoubleRequest);
    server.reply(STRICT, async (req) => (seen.push(req), req.n));
    await server.rtt();
    const asRequest = (body: unknown) => body as DoubleRequest;
    await expect(client.request(STRICT, asRequest({ n: 'x' }), 2000)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: expect.stringContaining('n:'),
    });
    await expect(client.request(STRICT, asRequest({ n: 1, extra: true }), 2000)).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'extra: is not a field of this command',
    });
    await expect(client.request(STRICT, asRequest(undefined), 2000)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(seen).toEqual([]);
    await expect(client.request(STRICT, { n: 3 }, 2000)).resolves.toBe(3);
    expect(seen).toEqual([expect.any(DoubleRequest)]);
  });

  it('throws MessagingTimeoutError at once when nobody listens', async () => {
    const started = Date.now();
    await expect(client.request(NOBODY, {}, 3000)).rejects.toBeInstanceOf(MessagingTimeoutError);
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it('throws MessagingTimeoutError after the timeout when the replier is too slow', async () => {
    const release = gate();
    server.reply(SLOW, async () => {
      await release.promise;
      return 'late';
    });
    await server.rtt();
    const started = Date.now();
    await expect(client.request(SLOW, {}, 300)).rejects.toBeInstanceOf(MessagingTimeoutError);
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
    a.reply(WHO, async () => (calls.a++, 'a'));
    b.reply(WHO, async () => (calls.b++, 'b'));
    await tracker.start(opts).then((s) => s.close()); // unrelated instance: no effect on the group
    await Promise.all([a.connect(), b.connect()]);
    await Promise.all([a.rtt(), b.rtt()]);
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, () => client.request(WHO, {}, 2000)));
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
