/**
 * Fault scenario 7 (issue 14): NATS down for 4 minutes mid-load on a queue with the redrive policy of a real AMS
 * queue (maxReceiveCount 5). Before the ingestor stopped receiving while JetStream could not take records, every
 * receive counted against maxReceiveCount and records reached the dead-letter queue: lost from the numbers. A lab of
 * its own, so this file's four idle minutes run beside faults.faults.ts. Sizes as there (FAULT_SIZE=ci|full).
 */
import { describeFaults, FULL, hold, LOAD, SPEED } from './fault-suite';

/** A long NATS outage: the same 4 minutes at both sizes (twice what a queue with maxReceiveCount 5 used to survive). */
const LONG_OUTAGE_MS = 240_000;

/**
 * The CI-size load ends at the latest 02:00 UTC (the US advertiser's evening): AMS traffic follows the advertiser's
 * local hour, so two hours ending "now" sent 481 messages at some times of day and 91 at others (12:00 UTC), never
 * reaching the start mark. Pinned, the load is the same at any time CI runs (481 messages for seed 108).
 */
function ciLoadEnd(nowMs = Date.now()): string {
  const d = new Date(nowMs);
  const at = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), 2);
  return new Date(at <= nowMs ? at : at - 86_400_000).toISOString();
}

describeFaults('fault suite, long NATS outage', { results: 'faults-full-long-outage.md', scenarios: 1 }, (suite) => {
  const { run, expectExact } = suite;

  it('7. NATS down for 4 minutes mid-load, on a queue with an AMS redrive policy (maxReceiveCount 5)', async () => {
    const row = await run(
      'NATS down 4 min, maxReceiveCount 5',
      // CI: a trickle (~450 messages at 10/s), NATS stopped near its end: the few dozen messages still arriving are a
      // backlog small enough that pollers which keep receiving cycle through it again and again (AMS's hourly
      // traffic is like that); full: the full load, NATS stopped a fifth of the way in, ~14,000 messages wait it out
      {
        seed: 108,
        args: FULL ? LOAD : ['--hours', '2', '--advertisers', '1', '--campaigns', '1', '--end', ciLoadEnd()],
        speed: FULL ? SPEED : 10,
        startAfter: FULL ? 3000 : 370,
        maxReceiveCount: 5,
        note: `down ${LONG_OUTAGE_MS / 1000} s, DLQ after 5 receives`,
      },
      async () => {
        await suite.lab.nats.stop(); // the load keeps arriving on SQS meanwhile
        await hold(LONG_OUTAGE_MS, 'NATS down for 4 minutes');
        await suite.lab.nats.start();
      },
    );
    // the ingestor stopped receiving and held what it had: nothing was received often enough to be dead-lettered
    const dlq = await suite.lab.sqs.counts(suite.lab.dlqUrl);
    row.note += `; dead-letter queue at the end: ${dlq.visible + dlq.inFlight}`;
    expect(dlq.visible + dlq.inFlight).toBe(0);
    const metrics = await (await fetch(`${suite.lab.apps.get('ingestor')?.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/ams_ingest_handoff_closed_total(\{[^}]*\})? [1-9]/);
    expectExact(row);
  }, 900_000);
});
