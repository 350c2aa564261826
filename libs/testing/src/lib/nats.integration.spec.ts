import { existsSync } from 'node:fs';
import { connect } from 'nats';
import { canConnect } from './ports';
import { DEFAULT_NATS_URL, PrivateNatsServer, startPrivateNatsServer, uniquePrefix } from './nats';

describe('uniquePrefix', () => {
  it('is a lowercase NATS subject token, unique per call', () => {
    const prefixes = Array.from({ length: 2_000 }, () => uniquePrefix('Ingestor-Test.v1'));
    for (const p of prefixes) expect(p).toMatch(/^t_[a-z0-9]{6}_ingestor_test_v1$/);
    expect(new Set(prefixes).size).toBe(prefixes.length);
    expect(uniquePrefix()).toMatch(/^t_[a-z0-9]{6}$/);
  });

  it('defaults DEFAULT_NATS_URL to the machine broker', () => {
    expect(DEFAULT_NATS_URL).toBe(process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222');
  });
});

describe('startPrivateNatsServer', () => {
  let server: PrivateNatsServer | undefined;

  afterEach(async () => {
    await server?.dispose();
    if (server) expect(existsSync(server.storeDir)).toBe(false);
    server = undefined;
  });

  it('starts, survives kill -9 and starts again on the same port with its JetStream data', async () => {
    server = await startPrivateNatsServer();
    expect(server.url).toBe(`nats://127.0.0.1:${server.port}`);
    const stream = uniquePrefix('nats_spec');

    const nc = await connect({ servers: server.url });
    const jsm = await nc.jetstreamManager();
    await jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
    await nc.jetstream().publish(`${stream}.a`, new TextEncoder().encode('kept'));
    await nc.close();

    await server.kill9();
    expect(await canConnect(server.port)).toBe(false);

    await server.start();
    const nc2 = await connect({ servers: server.url });
    try {
      const info = await (await nc2.jetstreamManager()).streams.info(stream);
      expect(info.state.messages).toBe(1);
    } finally {
      await nc2.close();
    }

    await server.stop();
    expect(await canConnect(server.port)).toBe(false);
  });

  it('refuses to start twice', async () => {
    server = await startPrivateNatsServer();
    await expect(server.start()).rejects.toThrow(/already running/);
  });

  it('says clearly when the binary is missing', async () => {
    await expect(startPrivateNatsServer({ binary: '/nonexistent/nats-server' })).rejects.toThrow(
      /nats-server binary not found or not executable at \/nonexistent\/nats-server/,
    );
  });
});
