import { Client } from 'pg';
import { validateRecord } from '@ams/ams';
import { AMS_RECORDS, REPROCESS_WINDOW, ReprocessWindowRequestV1 } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { createTestDatabase, DEFAULT_NATS_URL, loadFixture, TestDatabase, uniquePrefix, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, startNestApp } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

const RECORDS = 600;
const CHUNK = 50;
const CAMPAIGNS = 40;

/** Reprocess: one run at a time across replicas, a window within the stream's retention, in bounded chunks. */
describe('processor: reprocess runs (real NATS and PostgreSQL, two processor replicas)', () => {
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  const apps: Array<RunningTestApp<ProcessorEnv>> = [];
  const sum = async (sql: string) => Number((await pg.query(sql)).rows[0].n);
  /** The command as the api sends it; the answer or the refusal's code and message. */
  const reprocess = async (body: unknown) =>
    js.request(REPROCESS_WINDOW, body as ReprocessWindowRequestV1, 60_000).then(
      (reply) => ({ ok: true as const, reply }),
      (err: { code?: string; message: string }) => ({ ok: false as const, code: err.code, message: err.message }),
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    const prefix = uniquePrefix('reproc');
    const env = {
      ...baseTestEnv(db, prefix),
      PROCESSOR_BATCH_SIZE: String(CHUNK),
      PROCESSOR_BATCH_WAIT_MS: '20',
      PROCESSOR_ACK_WAIT_MS: '5000',
      AMS_STREAM_MAX_AGE_HOURS: '24',
    };
    // two replicas answer the command (one NATS queue group): the lock must hold across processes' connections
    apps.push(await startNestApp<ProcessorEnv>(appDefinition, env));
    apps.push(await startNestApp<ProcessorEnv>(appDefinition, env));
    js = new JetStreamService({ url: DEFAULT_NATS_URL, prefix, connectionName: 'reprocess-spec' });
    await js.connect();
  });

  afterAll(async () => {
    for (const a of apps.reverse()) await a.close();
    await js?.close();
    await pg?.end();
    await db?.drop();
  });

  it('restores a window bigger than one chunk exactly, and refuses a second run while one runs (409 with its id)', async () => {
    const since = new Date(Date.now() - 1000);
    const base = loadFixture('02');
    for (let i = 0; i < RECORDS; i++) {
      const record = {
        ...base,
        idempotency_id: `reproc-${i}`,
        campaign_id: `55500000000${String(i % CAMPAIGNS).padStart(4, '0')}`,
        clicks: 1,
      };
      const v = validateRecord(record);
      await js.publish(AMS_RECORDS.at(String(record['dataset_id'])), record, v.ok ? { msgId: v.dedupKey } : {});
    }
    const clicks = `SELECT coalesce(sum(clicks), 0) AS n FROM hourly_fact WHERE campaign_id LIKE '55500000000%'`;
    await waitFor(async () => (await sum(clicks)) === RECORDS, {
      description: 'all records stored',
      timeoutMs: 60_000,
    });
    // a restore from an older backup loses facts and most deltas
    await pg.query(`DELETE FROM hourly_fact WHERE campaign_id LIKE '55500000000%'`);
    await pg.query(
      `DELETE FROM performance_delta WHERE campaign_id LIKE '55500000000%' AND idempotency_id NOT LIKE 'reproc-1%'`,
    );

    const window = { from: since.toISOString(), to: new Date(Date.now() + 1000).toISOString() };
    const answers = await Promise.all([reprocess(window), reprocess(window)]);
    const done = answers.find((a) => a.ok);
    const refused = answers.find((a) => !a.ok);
    expect(answers.map((a) => a.ok).sort()).toEqual([false, true]);
    expect(refused).toMatchObject({
      code: 'REPROCESS_RUNNING',
      message: expect.stringMatching(/^reprocess run \d+ is running/),
    });
    const runs = (await pg.query(`SELECT id::text, outcome, messages::int FROM reprocess_run ORDER BY id`)).rows;
    expect(runs).toEqual([
      {
        id: /^reprocess run (\d+)/.exec(refused && !refused.ok ? refused.message : '')?.[1],
        outcome: 'ok',
        messages: RECORDS,
      },
    ]);
    // in chunks of PROCESSOR_BATCH_SIZE: never the whole window at once
    const reply = done && done.ok ? done.reply : undefined;
    expect(reply).toMatchObject({ messages: RECORDS });
    expect(reply?.batches).toBeGreaterThanOrEqual(RECORDS / CHUNK);
    expect(await sum(clicks)).toBe(RECORDS);
    expect(await sum(`SELECT count(*) AS n FROM performance_delta WHERE campaign_id LIKE '55500000000%'`)).toBe(
      RECORDS,
    );
    // once finished, the next run may start
    expect((await reprocess(window)).ok).toBe(true);
    expect(await sum(clicks)).toBe(RECORDS);
  });

  it('refuses a window longer than the AMS stream retention', async () => {
    const from = new Date(Date.now() - 25 * 3_600_000).toISOString();
    expect(await reprocess({ from, to: new Date().toISOString() })).toMatchObject({
      ok: false,
      code: 'VALIDATION',
      message: expect.stringContaining('24 hours'),
    });
    expect(await pg.query(`SELECT 1 FROM reprocess_run WHERE outcome IS DISTINCT FROM 'ok'`)).toMatchObject({
      rowCount: 0,
    });
  });
});
