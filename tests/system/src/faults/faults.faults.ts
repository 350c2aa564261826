/**
 * The fault suite (issue 9): the whole system under simulator load on infrastructure of its own, broken
 * on purpose, scenario by scenario. After each: hourly and daily totals (api and rollups) equal the
 * simulator's ground truth exactly, quarantine holds exactly the malformed inputs, and each due Slack
 * notification was delivered exactly once. A table of the figures is printed at the end (and written
 * to bench/results/faults-full.md by a full-size run). The long NATS outage (scenario 7) is in
 * long-outage.faults.ts, with a lab of its own, so the two files run side by side.
 *
 * FAULT_SIZE=ci (default, a few thousand messages per scenario) or full (about 20,000; 10,000 × 3 for
 * the duplicate flood): `npm run test:faults` / `npm run test:faults:full`.
 */
import { waitFor } from '@ams/testing';
import { APPS } from './fault-lab';
import { describeFaults, FULL, hold, LOAD, SPEED } from './fault-suite';

const FLOOD = FULL ? ['--hours', '24', '--advertisers', '3', '--campaigns', '4'] : LOAD;
const OUTAGE_MS = FULL ? 20_000 : 6_000;
const PG_OUTAGE_MS = 20_000;

describeFaults('fault suite', { results: 'faults-full.md', scenarios: 7 }, (suite) => {
  const { run, expectExact } = suite;

  it('1. kill -9 of each app in turn mid-load, each restarted at once', async () => {
    const kills: string[] = [];
    const row = await run(
      'kill -9 each app in turn',
      { seed: 101, startAfter: 200, speed: Math.round(SPEED / 6) },
      async (loadSent) => {
        let stored = await suite.lab.storedRecords();
        for (const app of APPS) {
          if (!loadSent()) kills.push(app);
          await suite.lab.kill9(app);
          await suite.lab.start(app);
          // the next kill only once the load has moved on
          const before = stored;
          await waitFor(async () => (stored = await suite.lab.storedRecords()) > before || loadSent(), {
            timeoutMs: 60_000,
            intervalMs: 100,
            description: `progress after restarting ${app}`,
          });
        }
      },
    );
    row.note = `killed while the load was still arriving: ${kills.join(', ') || 'none'}`;
    expect(kills.length).toBeGreaterThanOrEqual(3);
    expectExact(row);
  }, 400_000);

  it('2. NATS killed (-9) mid-load and restarted: JetStream file storage survives', async () => {
    const row = await run(
      'NATS kill -9, restart',
      { seed: 102, startAfter: 300, note: `down ${OUTAGE_MS / 1000} s` },
      async () => {
        await suite.lab.nats.kill9(); // the load keeps arriving on SQS meanwhile
        await hold(OUTAGE_MS, 'NATS down');
        await suite.lab.nats.start();
      },
    );
    // the ingestor lived through it: it kept the messages on SQS while it could not hand them over
    const metrics = await (await fetch(`${suite.lab.apps.get('ingestor')?.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/ams_ingest_batch_failures_total\{[^}]*\} [1-9]/);
    expectExact(row);
  }, 400_000);

  it('3. PostgreSQL stopped for 20 s mid-load, then restarted', async () => {
    const row = await run(
      'PostgreSQL down 20 s',
      { seed: 103, startAfter: 300, note: `down ${PG_OUTAGE_MS / 1000} s` },
      async () => {
        await suite.lab.postgres.stop();
        await hold(PG_OUTAGE_MS, 'PostgreSQL down');
        await suite.lab.postgres.start();
      },
    );
    expectExact(row);
  }, 400_000);

  it('4. the SQS endpoint answers 500s, then is unreachable, then recovers', async () => {
    const row = await run(
      'SQS errors, then unreachable',
      { seed: 104, startAfter: 100, note: `500s ${OUTAGE_MS / 1000} s + refused ${OUTAGE_MS / 1000} s` },
      async () => {
        await suite.lab.sqsProxy.setMode('error');
        await hold(OUTAGE_MS, 'SQS failing');
        await suite.lab.sqsProxy.setMode('down');
        await hold(OUTAGE_MS, 'SQS unreachable');
        await suite.lab.sqsProxy.setMode('pass');
      },
    );
    expect(suite.lab.sqsProxy.answered.failed).toBeGreaterThan(0);
    expectExact(row);
  }, 400_000);

  it('5. Slack: 429 storms with Retry-After, 500s, timeouts, and a webhook that answers 404', async () => {
    const gone = suite.lab.slack.urlFor('gone');
    const row = await run(
      'Slack 429/500/timeouts + a 404 hook',
      { seed: 105, env: { SLACK_WEBHOOKS: `gone=${gone}` }, note: '' },
      async () => {
        // every message to the gone webhook is refused; the default one storms first
        suite.lab.slack.script(
          gone,
          Array.from({ length: 50 }, () => ({ status: 404, body: 'no_service' })),
        );
        suite.lab.slack.script(suite.lab.slack.url, [
          ...Array.from({ length: 4 }, () => ({ status: 429, headers: { 'Retry-After': '1' }, body: 'rate_limited' })),
          { status: 500, body: 'internal_error' },
          { status: 503, body: 'timeout', delayMs: 1_500 }, // longer than SLACK_TIMEOUT_MS: the alerter gives up waiting
          { status: 500, body: 'internal_error' },
          ...Array.from({ length: 3 }, () => ({ status: 429, headers: { 'Retry-After': '1' }, body: 'rate_limited' })),
        ]);
        const rule = await fetch(`${suite.lab.apps.get('api')?.baseUrl}/v1/alert-rules`, {
          method: 'POST',
          headers: { authorization: `Bearer ${suite.lab.env['API_KEYS']}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            name: 'budget half spent, to a webhook that is gone',
            metric: 'budget_usage',
            condition: 'at_least',
            threshold: '50',
            entityLevel: 'campaign',
            scopeType: 'all',
            destination: 'gone',
          }),
        });
        expect(rule.status).toBe(201);
      },
    );
    expectExact(row);
    const posts = suite.lab.slack.posts.filter((p) => p.path === '/hooks/default').map((p) => p.answeredStatus);
    expect(posts.filter((s) => s === 429).length).toBeGreaterThanOrEqual(7);
    expect(posts).toContain(500);
    expect(posts).toContain(503);
    const goneRows = await suite.lab.pg.query<{
      alert_id: string;
      status: string;
      attempts: number;
      last_status: number;
    }>(
      `SELECT alert_id::text, status, attempts, last_status FROM notification_outbox WHERE destination = 'gone' ORDER BY alert_id`,
    );
    expect(goneRows.rows.length).toBeGreaterThan(0);
    for (const { alert_id: _, ...r } of goneRows.rows)
      expect(r).toEqual({ status: 'failed', attempts: 1, last_status: 404 }); // recorded, never retried
    // each entry was tried exactly once (grouped messages name several alerts)
    const tried = suite.lab.slack.posts
      .filter((p) => p.path === '/hooks/gone')
      .flatMap((p) => [...p.raw.matchAll(/(?:Alert #|\|#)(\d+)/g)].map((m) => m[1]));
    expect(tried.sort()).toEqual(goneRows.rows.map((r) => r.alert_id).sort());
    row.note = `${posts.length - posts.filter((s) => s === 200).length} refused posts; ${goneRows.rows.length} to the 404 hook recorded failed`;
  }, 400_000);

  it('6a. a duplicate flood: every message three times, shuffled', async () => {
    const row = await run('duplicates ×3, shuffled', {
      seed: 106,
      args: [...FLOOD, '--repeat', '3', '--order', 'shuffled'],
      repeat: 3,
    });
    expectExact(row);
  }, 400_000);

  it('6b. reversed order: restatements arrive before the records they correct', async () => {
    const row = await run('reversed (restatements first)', { seed: 107, args: [...LOAD, '--order', 'reversed'] });
    expectExact(row);
  }, 400_000);
});
