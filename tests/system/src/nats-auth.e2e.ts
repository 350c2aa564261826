/**
 * Authenticated NATS, end to end: a private nats-server runs the configuration the generator renders
 * (renderNatsServerConf, the same accounts as docker/nats.conf and k8s/), with a random password per app.
 * First the five built apps run under their own users and do everything they do on NATS — ingest through fauxqs,
 * store, roll up, alert, answer the api's commands (rules, acknowledge, quarantine replay, reprocess) — without a
 * single permissions violation: permissions too tight fail here, not in production. Then clients outside their
 * permissions are refused: no credentials, a wrong password, the api forging records or listening to the
 * processor's commands, the ingestor consuming the AMS stream, any app deleting or purging a stream.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import {
  NATS_APPS,
  NATS_USAGE,
  NATS_USERS,
  type NatsApp,
  type NatsUser,
  natsInboxPrefix,
  natsNames,
  natsPasswordVariable,
  newNatsPassword,
  renderNatsServerConf,
  STREAMS,
} from '@ams/contracts';
import {
  AppProcess,
  connectNats as connect,
  createTestDatabase,
  fixtureBody,
  freePort,
  loadFixture,
  type NatsConnection,
  PrivateNatsServer,
  SqsEndpoint,
  startApp,
  startPrivateNatsServer,
  startSqsEndpoint,
  TestDatabase,
  uniquePrefix,
  waitFor,
} from '@ams/testing';
import { systemEnv } from './system-env';

const KEY = 'nats-auth-e2e-key-0123456789';
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const VIOLATION = /permissions[ _]violation|authorization[ _]violation/i;

describe('NATS with per-app users and permissions', () => {
  const prefix = uniquePrefix('natsauth');
  const names = natsNames(prefix);
  const passwords = Object.fromEntries(NATS_USERS.map((a) => [a, newNatsPassword(randomBytes)])) as Record<
    NatsUser,
    string
  >;
  let nats: PrivateNatsServer;
  let db: TestDatabase;
  let sqs: SqsEndpoint;
  let queueUrl: string;
  const apps = new Map<NatsApp, AppProcess>();
  const clients: NatsConnection[] = [];

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${apps.get('api')?.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${KEY}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json().catch(() => ({}))) as Json };
  };

  /** A raw client as an app's user, with the app's inbox prefix (as JetStreamService connects). */
  const connectAs = async (app: NatsUser, password = passwords[app]) => {
    const nc = await connect({
      servers: nats.url,
      user: app,
      pass: password,
      inboxPrefix: natsInboxPrefix(app),
      reconnect: false,
    });
    clients.push(nc);
    return nc;
  };

  beforeAll(async () => {
    const config = (storeDir: string) =>
      renderNatsServerConf(
        // nats-server 2.9 on this machine does not know sync_interval (the deployed configs set it)
        {
          header: ['nats-auth e2e'],
          serverName: 'nats-auth-e2e',
          port: 4222,
          storeDir,
          maxMemoryStore: '64MB',
          maxFileStore: '1GB',
          syncAlways: false,
        },
        prefix,
      );
    nats = await startPrivateNatsServer({
      config,
      env: Object.fromEntries(NATS_USERS.map((a) => [natsPasswordVariable(a), passwords[a]])),
    });
    db = await createTestDatabase();
    sqs = await startSqsEndpoint();
    queueUrl = await sqs.createQueue(`ams-${prefix}`);
    const env = systemEnv({
      databaseUrl: db.url,
      natsUrl: nats.url,
      prefix,
      queueUrl,
      sqsEndpoint: sqs.endpoint,
      apiKey: KEY,
    });
    await Promise.all(
      NATS_APPS.map(async (app) => {
        const p = await startApp(
          app,
          { ...env, NATS_USER: app, NATS_PASSWORD: passwords[app] },
          { port: await freePort() },
        );
        apps.set(app, p);
        await p.waitReady(60_000);
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    for (const app of apps.values()) await app.stop('SIGTERM').catch(() => undefined);
    await sqs?.stop();
    await db?.drop();
    await nats?.dispose();
  });

  describe('the apps under their own users', () => {
    it('ingest, store and roll up records, and raise the budget alert', async () => {
      // the campaign, a record, its restatement, a duplicate, a conversion, budget usage at 95 %, a body that is not JSON
      for (const body of [
        fixtureBody('08'),
        fixtureBody('02'),
        fixtureBody('03'),
        fixtureBody('02'),
        fixtureBody('04'),
        fixtureBody('05'),
        'not { json',
      ]) {
        await sqs.send(queueUrl, body);
      }
      const first = loadFixture('02');
      const correction = loadFixture('03');
      await waitFor(
        async () => {
          const r = await call(
            'GET',
            '/v1/performance?campaignId=185402650650808&from=2025-06-03&to=2025-06-03&granularity=hour',
          );
          return r.body['totals']?.['clicks'] === first.clicks + correction.clicks;
        },
        { timeoutMs: 60_000, description: 'the hourly row through the api (ingestor → AMS → processor)' },
      );
      await waitFor(
        async () => {
          const q = await sqs.counts(queueUrl);
          return q.visible === 0 && q.inFlight === 0;
        },
        { timeoutMs: 30_000, description: 'every SQS message deleted after its PubAck' },
      );
      // the aggregator's durable on EVENTS: the campaign-day rolled up
      const pg = new Client({ connectionString: db.url });
      await pg.connect();
      try {
        await waitFor(
          async () => {
            const { rows } = await pg.query<{ clicks: string }>(
              `SELECT sum(clicks)::text AS clicks FROM campaign_daily WHERE campaign_id = '185402650650808'`,
            );
            return Number(rows[0]?.clicks) === first.clicks + correction.clicks;
          },
          { timeoutMs: 60_000, description: 'campaign_daily written by the aggregator' },
        );
      } finally {
        await pg.end();
      }
      // the alerter's durables on EVENTS: the budget alert
      await waitFor(async () => (await call('GET', '/v1/alerts?state=firing')).body['data']?.length > 0, {
        timeoutMs: 60_000,
        description: 'budget alert firing (alerter)',
      });
    });

    it("answer the api's commands: alert rules and acknowledge (alerter), quarantine replay and reprocess (processor)", async () => {
      const created = await call('POST', '/v1/alert-rules', {
        name: 'CPC above 2',
        metric: 'cpc',
        condition: 'above',
        threshold: '2',
        windowHours: 24,
        entityLevel: 'campaign',
      });
      expect(created.status).toBe(201);
      expect((await call('DELETE', `/v1/alert-rules/${created.body['id']}`)).body).toEqual({
        id: created.body['id'],
        deleted: true,
      });

      const alert = (await call('GET', '/v1/alerts?state=firing')).body['data'][0] as Json;
      const ack = await call('POST', `/v1/alerts/${alert['id']}/acknowledge`, { by: 'nats-auth-e2e' });
      expect(ack).toMatchObject({ status: 200, body: { acknowledged: true } });

      const open = await waitFor(
        async () => {
          const r = await call('GET', '/v1/quarantine?status=open');
          return r.body['data']?.length > 0 && r;
        },
        { description: 'the body that is not JSON in quarantine' },
      );
      const item = open.body['data'][0] as Json;
      const corrected = {
        ...loadFixture('02'),
        idempotency_id: 'nats-auth-replayed-1',
        campaign_id: '185402650650809',
      };
      const replay = await call('POST', `/v1/quarantine/${item['id']}/replay`, { rawBody: JSON.stringify(corrected) });
      expect(replay.body).toMatchObject({ outcome: 'stored', records: 1 });

      // reprocess reads the AMS stream through ordered (ephemeral) consumers, then deletes them
      const r = await call('POST', '/v1/reprocess', {
        from: new Date(Date.now() - 3_600_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
      });
      expect(r.status).toBe(200);
      expect(r.body['messages']).toBeGreaterThanOrEqual(6);
    });

    it('acknowledge everything their durables delivered (acks are allowed, nothing waits for redelivery)', async () => {
      for (const app of NATS_APPS) {
        const jsm = await (await connectAs(app)).jetstreamManager();
        for (const d of NATS_USAGE[app].durables) {
          await waitFor(
            async () => {
              const ci = await jsm.consumers.info(names.stream(d.stream), d.durable);
              return ci.num_pending === 0 && ci.num_ack_pending === 0 && ci.delivered.stream_seq > 0;
            },
            { timeoutMs: 30_000, description: `${d.durable} fully acknowledged` },
          );
        }
      }
    });

    it('never hit a permissions violation, and never log their NATS password', () => {
      for (const [app, p] of apps) {
        const text = p.logs.join('\n');
        expect({ app, violations: p.logs.filter((l) => VIOLATION.test(l)) }).toEqual({ app, violations: [] });
        for (const pw of Object.values(passwords))
          expect({ app, logged: text.includes(pw) }).toEqual({ app, logged: false });
      }
    });
  });

  describe('clients outside their permissions', () => {
    it('refuses a client without credentials, and one with a wrong password', async () => {
      await expect(connect({ servers: nats.url, reconnect: false })).rejects.toMatchObject({
        code: 'AUTHORIZATION_VIOLATION',
      });
      await expect(
        connect({ servers: nats.url, user: 'api', pass: 'wrong-password', reconnect: false }),
      ).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
      await expect(
        connect({ servers: nats.url, user: 'api', pass: passwords.ingestor, reconnect: false }),
      ).rejects.toMatchObject({ code: 'AUTHORIZATION_VIOLATION' });
    });

    it('the api cannot publish records to ams.> (nothing reaches the stream)', async () => {
      const processor = await (await connectAs('processor')).jetstreamManager();
      const before = (await processor.streams.info(names.stream(STREAMS.ams.name))).state.messages;
      const api = await connectAs('api');
      await expect(
        api.jetstream({ timeout: 3000 }).publish(names.subject('ams.sp-traffic'), fixtureBody('02')),
      ).rejects.toThrow(/Permissions Violation for Publish/);
      await expect(
        api.jetstream({ timeout: 3000 }).publish(names.subject('ams._quarantine'), 'forged'),
      ).rejects.toThrow(/Permissions Violation for Publish/);
      expect((await processor.streams.info(names.stream(STREAMS.ams.name))).state.messages).toBe(before);
    });

    it("the api cannot subscribe to the processor's commands, nor read another app's inbox", async () => {
      const api = await connectAs('api');
      for (const subject of [
        names.subject('cmd.processor.>'),
        names.subject('cmd.processor.quarantine-replay.v1'),
        '_INBOX.processor.>',
        names.subject('ams.>'),
      ]) {
        const refused = new Promise<string>((resolve) => {
          api.subscribe(subject, { callback: (err) => err && resolve(err.message) });
        });
        await api.flush();
        await expect(refused).resolves.toMatch(/Permissions Violation for Subscription/);
      }
    });

    it("the ingestor cannot consume the AMS stream (no consumer of its own, not the processor's)", async () => {
      const ingestor = await connectAs('ingestor');
      const jsm = await ingestor.jetstreamManager({ timeout: 3000 });
      const ams = names.stream(STREAMS.ams.name);
      await expect(
        jsm.consumers.add(ams, { durable_name: 'evil', filter_subject: names.subject('ams.>') }),
      ).rejects.toThrow(/Permissions Violation/);
      await expect(jsm.consumers.info(ams, 'processor')).rejects.toThrow(/Permissions Violation/);
      await expect(ingestor.jetstream({ timeout: 3000 }).consumers.get(ams, 'processor')).rejects.toThrow(
        /Permissions Violation/,
      );
    });

    it("no app user can delete or purge a stream, or delete another app's durable", async () => {
      for (const app of NATS_APPS) {
        const jsm = await (await connectAs(app)).jetstreamManager({ timeout: 3000 });
        for (const s of Object.values(STREAMS).map((x) => names.stream(x.name))) {
          await expect(jsm.streams.delete(s)).rejects.toThrow(/Permissions Violation/);
          await expect(jsm.streams.purge(s)).rejects.toThrow(/Permissions Violation/);
        }
        if (app !== 'aggregator')
          await expect(jsm.consumers.delete(names.stream(STREAMS.events.name), 'aggregator-perf')).rejects.toThrow(
            /Permissions Violation/,
          );
      }
      const processor = await (await connectAs('processor')).jetstreamManager();
      expect((await processor.streams.info(names.stream(STREAMS.ams.name))).state.messages).toBeGreaterThanOrEqual(6);
    });

    it('the operator (NATS CLI user) pauses and resumes ingestion: the ingestor answers under its own user', async () => {
      const op = await connectAs('operator');
      const ask = async (body: unknown) =>
        JSON.parse(
          new TextDecoder().decode(
            (await op.request(names.subject('cmd.ingestor.polling.v1'), JSON.stringify(body), { timeout: 5000 })).data,
          ),
        ) as Json;
      expect(await ask({ enabled: false, reason: 'nats-auth e2e' })).toMatchObject({ enabled: false });
      expect(await ask({ enabled: true })).toMatchObject({ enabled: true });
      await expect(
        (await op.jetstreamManager({ timeout: 3000 })).streams.delete(names.stream(STREAMS.ams.name)),
      ).rejects.toThrow(/Permissions Violation/);
    });

    it('no app may pause ingestion: cmd.ingestor.polling.v1 is for an operator', async () => {
      for (const app of NATS_APPS) {
        const nc = await connectAs(app);
        await expect(
          nc.request(names.subject('cmd.ingestor.polling.v1'), JSON.stringify({ enabled: false }), { timeout: 3000 }),
        ).rejects.toThrow(/Permissions Violation/);
      }
    });
  });
});
