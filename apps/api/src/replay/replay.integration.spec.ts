import { REPROCESS_WINDOW } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, TestDatabase, uniquePrefix } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ApiEnv } from '../config/api.env';

const ADMIN = 'replay-admin-key-0123456789ab';

/**
 * POST /v1/reprocess: the window is checked against the stream's retention here, and the processor's refusal of a
 * second run becomes 409 REPROCESS_RUNNING with the running id. (The one-run-at-a-time lock itself is proven with two
 * real processors in apps/processor/src/replay/reprocess.integration.spec.ts; here a NATS responder on the command
 * subject answers as the processor does.)
 */
describe('api: POST /v1/reprocess (real NATS and PostgreSQL)', () => {
  let db: TestDatabase;
  let api: RunningTestApp<ApiEnv>;
  let processor: JetStreamService;
  const reprocess = async (body: unknown) => {
    const res = await fetch(`${api.baseUrl}/v1/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    const prefix = uniquePrefix('apirepl');
    api = await startNestApp(appDefinition, {
      ...baseTestEnv(db, prefix),
      API_KEYS: ADMIN,
      AMS_STREAM_MAX_AGE_HOURS: '24',
    });
    processor = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'processor' });
    processor.reply(REPROCESS_WINDOW, async () => {
      throw Object.assign(
        new Error('reprocess run 42 is running (window 2025-01-01T00:00:00.000Z to 2025-01-02T00:00:00.000Z)'),
        { code: 'REPROCESS_RUNNING' },
      );
    });
    await processor.connect();
  });
  afterAll(async () => {
    await processor?.close();
    await api?.close();
    await db?.drop();
  });

  it('refuses a window longer than the AMS stream retention with 400 naming to', async () => {
    const from = new Date(Date.now() - 25 * 3_600_000).toISOString();
    expect(await reprocess({ from, to: new Date().toISOString() })).toMatchObject({
      status: 400,
      body: { code: 'VALIDATION', errors: [{ field: 'to', reason: expect.stringContaining('24 hours') }] },
    });
  });

  it('answers 409 REPROCESS_RUNNING with the running id while a run is in progress', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    expect(await reprocess({ from, to: new Date().toISOString() })).toMatchObject({
      status: 409,
      body: { code: 'REPROCESS_RUNNING', runningId: '42', message: expect.stringContaining('reprocess run 42') },
    });
  });
});
