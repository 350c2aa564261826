import fc from 'fast-check';
import type { Client } from 'pg';
import { AMS_RECORDS } from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { loadFixture, TestDatabase, waitFor } from '@ams/testing';
import { baseTestEnv, RunningTestApp, SpecBackends, startNestApp, startSpecBackends } from '@ams/testing/nest';
import { appDefinition } from '../app.module';
import { ProcessorEnv } from '../config/processor.env';

/**
 * Property: whatever the order, the duplication, the batch size and the restarts of the
 * processor, the hourly facts equal the reference sum of the distinct deltas.
 */
describe('processor: exact sums under any delivery (property, real NATS and PostgreSQL)', () => {
  let backends: SpecBackends | undefined;
  let db: TestDatabase;
  let pg: Client;
  let js: JetStreamService;
  let prefix: string;
  let app: RunningTestApp<ProcessorEnv> | undefined;
  const template = loadFixture('02');

  beforeAll(async () => {
    backends = await startSpecBackends('prop', 'property-spec');
    ({ db, pg, js, prefix } = backends);
  });
  afterAll(async () => {
    await app?.close();
    await backends?.close();
  });

  const delta = fc.record({
    key: fc.integer({ min: 0, max: 3 }), // ad id
    hour: fc.integer({ min: 0, max: 2 }),
    clicks: fc.integer({ min: -20, max: 50 }),
    impressions: fc.integer({ min: -200, max: 5000 }),
    cents: fc.integer({ min: -5000, max: 100_000 }),
  });

  const scenario = fc.record({
    deltas: fc.array(delta, { minLength: 1, maxLength: 40 }),
    // each delivered message points at a delta; every delta at least once, some several times
    extra: fc.array(fc.nat(), { maxLength: 30 }),
    seed: fc.integer(),
    batchSize: fc.integer({ min: 1, max: 25 }),
    restartAfter: fc.array(fc.nat(), { maxLength: 2 }),
  });

  it('hourly totals equal the sum of distinct deltas', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        run++;
        const campaign = `prop-${run}-${Date.now()}`;
        const records = s.deltas.map((d, i) => ({
          ...template,
          idempotency_id: `${campaign}-${i}`,
          campaign_id: campaign,
          ad_id: `ad-${d.key}`,
          time_window_start: `2025-06-03T${String(10 + d.hour).padStart(2, '0')}:00:00-07:00`,
          clicks: d.clicks,
          impressions: d.impressions,
          cost: d.cents / 100,
        }));
        // delivery order: all deltas plus duplicates, shuffled deterministically from the seed
        const deliveries = [...records.keys(), ...s.extra.map((x) => x % records.length)];
        let state = s.seed >>> 0;
        for (let i = deliveries.length - 1; i > 0; i--) {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          const j = state % (i + 1);
          [deliveries[i], deliveries[j]] = [deliveries[j], deliveries[i]];
        }
        const restarts = new Set(s.restartAfter.map((x) => x % deliveries.length));

        const env = {
          ...baseTestEnv(db, prefix),
          PROCESSOR_BATCH_SIZE: String(s.batchSize),
          PROCESSOR_BATCH_WAIT_MS: '5',
          PROCESSOR_ACK_WAIT_MS: '2000',
        };
        app ??= await startNestApp(appDefinition, env);
        for (const [n, idx] of deliveries.entries()) {
          // duplicates published without Nats-Msg-Id, as a redelivery past JetStream's window would be
          await js.publish(
            AMS_RECORDS.at('sp-traffic'),
            records[idx],
            n < records.length ? { msgId: records[idx].idempotency_id } : {},
          );
          if (restarts.has(n)) {
            await app.close();
            app = await startNestApp(appDefinition, env);
          }
        }

        const expected = new Map<string, { clicks: bigint; impressions: bigint; cents: bigint }>();
        s.deltas.forEach((d) => {
          const k = `ad-${d.key}|${d.hour}`;
          const e = expected.get(k) ?? { clicks: 0n, impressions: 0n, cents: 0n };
          e.clicks += BigInt(d.clicks);
          e.impressions += BigInt(d.impressions);
          e.cents += BigInt(d.cents);
          expected.set(k, e);
        });
        await waitFor(
          async () =>
            Number(
              (await pg.query('SELECT count(*) AS n FROM performance_delta WHERE campaign_id = $1', [campaign])).rows[0]
                .n,
            ) === records.length,
          { timeoutMs: 30_000, description: 'every distinct delta stored' },
        );
        // the last duplicates may still be in flight: wait until JetStream has nothing pending for the processor
        await waitFor(async () => (await js.consumerPending('AMS', 'processor')) === 0, {
          timeoutMs: 30_000,
          description: 'processor caught up',
        });
        const { rows } = await pg.query(
          `SELECT ad_id, extract(hour FROM hour_start AT TIME ZONE 'UTC')::int - 17 AS hour,
                  clicks::text, impressions::text, (cost * 100)::bigint::text AS cents
             FROM hourly_fact WHERE campaign_id = $1`,
          [campaign],
        );
        const actual = new Map(
          rows.map((r) => [
            `${r.ad_id}|${r.hour}`,
            { clicks: BigInt(r.clicks), impressions: BigInt(r.impressions), cents: BigInt(r.cents) },
          ]),
        );
        expect(actual).toEqual(expected);
      }),
      { numRuns: 8, endOnFailure: true },
    );
  });
});
