/**
 * Fault scenario 9 (issue 20): NATS as a three-server JetStream cluster, streams replicated three times (R3). Mid-load
 * the AMS stream's leader is killed (-9), then a second server: with one of three left the cluster has no quorum, so
 * writes stall (refused, never acknowledged) until a server comes back. Both are restarted. Nothing may be lost or
 * doubled, and every app must find the survivors by itself (NATS_URL lists all three servers): no app is restarted.
 * A lab of its own (three nats-servers), so this file runs beside the others. Sizes as there (FAULT_SIZE=ci|full).
 */
import { natsNames, STREAMS } from '@ams/contracts';
import type { PrivateNatsClusterMember } from '@ams/testing';
import { waitFor } from '@ams/testing';
import { APPS } from './fault-lab';
import { describeFaults, FULL, hold, LOAD } from './fault-suite';

/** How long two of three servers stay down (no quorum) while the load keeps arriving on SQS. */
const NO_QUORUM_MS = FULL ? 15_000 : 5_000;
/**
 * The pace: slow enough that both kills happen while the load is still being sent (CI: ~1,700 messages in ~25 s;
 * full: ~17,500 in ~60 s).
 */
const SPEED = FULL ? 300 : 70;

describeFaults(
  'fault suite, NATS cluster',
  { results: 'faults-full-nats-cluster.md', scenarios: 1, lab: { natsClusterSize: 3 } },
  (suite) => {
    const { run, expectExact } = suite;

    it('9. NATS cluster (R3): kill -9 of the stream leader mid-load, then of a second server; both restarted', async () => {
      const timeline: string[] = [];
      const during: string[] = [];
      let recovered1 = 0;
      let recovered2 = 0;
      let stalled = '';
      const pids = new Map<string, number>();
      const row = await run(
        'NATS cluster: leader, then a 2nd server kill -9',
        { seed: 109, args: LOAD, speed: SPEED, startAfter: FULL ? 2000 : 200 },
        async (loadSent) => {
          const { lab } = suite;
          const cluster = lab.natsCluster;
          const ams = natsNames(lab.natsPrefix).stream(STREAMS.ams.name);
          for (const app of APPS) pids.set(app, lab.apps.get(app)?.pid ?? -1);

          // the streams are R3: a leader and two current followers
          const before = await cluster.streamCluster(ams);
          expect(before.replicas).toHaveLength(2);

          // 1. the AMS stream's leader dies: the two others elect a new one; clients of the dead server reconnect
          const leader = await cluster.streamLeader(ams);
          if (!loadSent()) during.push(`leader ${leader.name}`);
          const t1 = Date.now();
          await leader.kill9();
          const survivors1 = cluster.members.filter((m) => m !== leader);
          const newLeader = await cluster.streamLeader(ams);
          const elected = Date.now() - t1;
          await progress(lab.storedRecords.bind(lab), loadSent, 'records stored after the leader died');
          await appsConnectedTo(survivors1, 'the two survivors');
          recovered1 = Date.now() - t1;
          timeline.push(
            `${leader.name} (leader) killed: ${newLeader.name} elected in ${s(elected)}, stores again and every app on the survivors in ${s(recovered1)}`,
          );

          // 2. a second server dies (the new leader): one of three left, no quorum; writes stall, nothing acknowledged
          if (!loadSent()) during.push(`second ${newLeader.name}`);
          await newLeader.kill9();
          const last = cluster.members.filter((m) => m !== leader && m !== newLeader);
          const storedAtStall = await lab.storedRecords();
          await hold(NO_QUORUM_MS, 'two of three NATS servers down');
          await appsConnectedTo(last, `the last server ${last[0].name}`);
          const storedInStall = (await lab.storedRecords()) - storedAtStall;
          stalled = `${storedInStall} records stored in ${s(NO_QUORUM_MS)} without quorum`;

          // 3. both restart (same ports, same stores): quorum again, the pipeline resumes
          const t2 = Date.now();
          await Promise.all([leader.start(), newLeader.start()]);
          await cluster.streamLeader(ams, 60_000);
          await progress(lab.storedRecords.bind(lab), loadSent, 'records stored after the restarts');
          recovered2 = Date.now() - t2;
          timeline.push(
            `${newLeader.name} killed too (no quorum ${s(NO_QUORUM_MS)}: ${stalled}); both restarted, storing again in ${s(recovered2)}`,
          );
        },
      );
      const { lab } = suite;
      // the restarted servers caught up: every replica of both streams current
      for (const stream of [STREAMS.ams.name, STREAMS.events.name]) {
        const name = natsNames(lab.natsPrefix).stream(stream);
        await waitFor(
          async () => {
            const c = await lab.natsCluster.streamCluster(name);
            return c.replicas.length === 2 && c.replicas.every((r) => r.current);
          },
          { timeoutMs: 30_000, intervalMs: 250, description: `every replica of ${name} current` },
        );
      }
      // no app was restarted: the same processes, connected again, ready
      for (const app of APPS) {
        expect({ app, pid: lab.apps.get(app)?.pid }).toEqual({ app, pid: pids.get(app) });
        await lab.apps.get(app)?.waitReady(10_000);
      }
      await appsConnectedTo(lab.natsCluster.members, 'the cluster');
      // the stall was seen by the ingestor: publishes refused while there was no quorum, the messages left on SQS
      const metrics = await (await fetch(`${lab.apps.get('ingestor')?.baseUrl}/metrics`)).text();
      expect(metrics).toMatch(/ams_ingest_batch_failures_total\{[^}]*\} [1-9]/);
      row.note = `${timeline.join('; ')}; killed while the load was still arriving: ${during.join(', ') || 'none'}`;
      process.stdout.write(`\nscenario 9: ${row.note}\n`);
      expect(during).toHaveLength(2);
      expectExact(row);

      /** Waits until every app has a connection (by its name) on one of `servers` (their /connz). */
      async function appsConnectedTo(servers: PrivateNatsClusterMember[], what: string): Promise<void> {
        const names = new Set(servers.map((m) => m.name));
        await waitFor(
          async () => {
            const conns = await suite.lab.natsCluster.clientNames();
            const on = [...conns].filter(([server]) => names.has(server)).flatMap(([, clients]) => clients);
            return APPS.every((app) => on.includes(app));
          },
          { timeoutMs: 30_000, intervalMs: 200, description: `every app connected to ${what}` },
        );
      }
    }, 400_000);
  },
);

/** Resolves once the stored count grew (the pipeline moves again), or at once when the load has all been sent. */
async function progress(stored: () => Promise<number>, loadSent: () => boolean, what: string): Promise<void> {
  const from = await stored();
  await waitFor(async () => (await stored()) > from || loadSent(), {
    timeoutMs: 90_000,
    intervalMs: 100,
    description: what,
  });
}

function s(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
