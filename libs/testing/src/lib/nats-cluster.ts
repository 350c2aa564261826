import { connect, type NatsConnection } from 'nats';
import { freePort } from './ports';
import { type PrivateNatsServer, startPrivateNatsServer } from './nats';
import { waitFor } from './wait-for';

/** One server of a PrivateNatsCluster: a PrivateNatsServer with its cluster name, route and monitoring ports. */
export interface PrivateNatsClusterMember extends PrivateNatsServer {
  /** `server_name`, e.g. `n1`: what stream info's `cluster.leader` and `replicas[].name` say. */
  name: string;
  clusterPort: number;
  /** the monitoring port (`/connz`, `/jsz`, `/healthz`) */
  httpPort: number;
}

export interface PrivateNatsCluster {
  /** `nats://127.0.0.1:<p1>,nats://127.0.0.1:<p2>,…`: every member, as NATS_URL takes them. */
  url: string;
  members: PrivateNatsClusterMember[];
  member(name: string): PrivateNatsClusterMember;
  /**
   * The server that leads stream `stream` now, from the JetStream API's stream info (`cluster.leader`); waits for a
   * leader until `timeoutMs` (an election takes a few seconds after the leader died).
   */
  streamLeader(stream: string, timeoutMs?: number): Promise<PrivateNatsClusterMember>;
  /** Stream info's `cluster`: its leader and each replica's `current` and `lag`, as the JetStream API answers it. */
  streamCluster(
    stream: string,
  ): Promise<{ leader?: string; replicas: Array<{ name: string; current: boolean; offline?: boolean; lag?: number }> }>;
  /** The `name`s of the client connections each running member has now (its `/connz`). */
  clientNames(): Promise<Map<string, string[]>>;
  /** Resolves once the JetStream meta group has a leader (the cluster answers JetStream API requests). */
  waitForJetStream(timeoutMs?: number): Promise<void>;
  dispose(): Promise<void>;
}

export interface StartPrivateNatsClusterOptions {
  /** Default 3. */
  size?: number;
  /** Default TEST_NATS_SERVER_BIN or /usr/sbin/nats-server. */
  binary?: string;
  /** The `cluster { name }` (default `ams-test`). */
  name?: string;
}

/**
 * A JetStream cluster of its own, for fault tests: `size` nats-server processes on free ports of 127.0.0.1, each with
 * its `server_name` (n1, n2, …), its own store dir, monitoring on its own port, and routes to every member
 * (`cluster { name, listen, routes }`). Members can be killed and restarted one by one (same ports, same store).
 *
 * nats-server 2.9 does not know JetStream's `sync_interval` (2.10 added it): these servers fsync on their own
 * schedule. A kill -9 loses nothing the OS has been given; what an acknowledgement guarantees here is that a
 * quorum of the members holds the message.
 */
export async function startPrivateNatsCluster(opts: StartPrivateNatsClusterOptions = {}): Promise<PrivateNatsCluster> {
  const size = opts.size ?? 3;
  const clusterName = opts.name ?? 'ams-test';
  const ports: Array<{ name: string; cluster: number; http: number }> = [];
  for (let i = 1; i <= size; i++) {
    ports.push({ name: `n${i}`, cluster: await freePort(), http: await freePort() });
  }
  const routes = ports.map((p) => `    nats-route://127.0.0.1:${p.cluster}`);
  const members: PrivateNatsClusterMember[] = [];
  try {
    // each member starts while the others are not there yet: routes are retried until they are
    for (const p of ports) {
      const server = await startPrivateNatsServer({
        binary: opts.binary,
        config: (storeDir) =>
          [
            `server_name: ${p.name}`,
            `http: "127.0.0.1:${p.http}"`,
            'jetstream {',
            `  store_dir: ${JSON.stringify(storeDir)}`,
            '  max_memory_store: 64MB',
            '  max_file_store: 2GB',
            '}',
            'cluster {',
            `  name: ${clusterName}`,
            `  listen: "127.0.0.1:${p.cluster}"`,
            '  routes: [',
            ...routes,
            '  ]',
            '}',
            '',
          ].join('\n'),
      });
      members.push(Object.assign(server, { name: p.name, clusterPort: p.cluster, httpPort: p.http }));
    }
  } catch (err) {
    await Promise.all(members.map((m) => m.dispose().catch(() => undefined)));
    throw err;
  }
  const url = members.map((m) => m.url).join(',');

  const withClient = async <T>(fn: (nc: NatsConnection) => Promise<T>): Promise<T> => {
    const nc = await connect({ servers: members.map((m) => m.url), timeout: 2_000, maxReconnectAttempts: 0 });
    try {
      return await fn(nc);
    } finally {
      await nc.close().catch(() => undefined);
    }
  };

  const streamCluster: PrivateNatsCluster['streamCluster'] = (stream) =>
    withClient(async (nc) => {
      const jsm = await nc.jetstreamManager({ timeout: 2_000 });
      const info = await jsm.streams.info(stream);
      return { leader: info.cluster?.leader, replicas: info.cluster?.replicas ?? [] };
    });

  const cluster: PrivateNatsCluster = {
    url,
    members,
    member(name) {
      const m = members.find((x) => x.name === name);
      if (!m) throw new Error(`no member ${name} in this cluster (${members.map((x) => x.name).join(', ')})`);
      return m;
    },
    async streamLeader(stream, timeoutMs = 30_000) {
      let leader: string | undefined;
      await waitFor(
        async () => {
          leader = await streamCluster(stream)
            .then((c) => c.leader)
            .catch(() => undefined);
          return !!leader;
        },
        { timeoutMs, intervalMs: 100, description: `a leader of stream ${stream}` },
      );
      return cluster.member(leader as string);
    },
    streamCluster,
    async clientNames() {
      const out = new Map<string, string[]>();
      for (const m of members) {
        try {
          const res = await fetch(`http://127.0.0.1:${m.httpPort}/connz?limit=1024`, {
            signal: AbortSignal.timeout(2_000),
          });
          const body = (await res.json()) as { connections?: Array<{ name?: string }> };
          out.set(
            m.name,
            (body.connections ?? []).map((c) => c.name ?? ''),
          );
        } catch {
          // a member that is down has no clients
        }
      }
      return out;
    },
    async waitForJetStream(timeoutMs = 60_000) {
      // every member in the meta group, current, not just a leader: a leader exists as soon as two members do, and
      // until the third has joined an R3 stream is refused ("no suitable peers for placement")
      await waitFor(
        async () => {
          for (const m of members) {
            try {
              const res = await fetch(`http://127.0.0.1:${m.httpPort}/jsz`, { signal: AbortSignal.timeout(2_000) });
              const jsz = (await res.json()) as {
                meta_cluster?: { leader?: string; replicas?: Array<{ name: string; current: boolean }> };
              };
              const meta = jsz.meta_cluster;
              if (meta?.leader === m.name) {
                const peers = (meta.replicas ?? []).filter((r) => r.current).length;
                return peers === members.length - 1;
              }
            } catch {
              // a member that is down or starting
            }
          }
          return false;
        },
        {
          timeoutMs,
          intervalMs: 200,
          description: `all ${members.length} members current in the JetStream meta group`,
        },
      );
    },
    async dispose() {
      await Promise.all(members.map((m) => m.dispose().catch(() => undefined)));
    },
  };
  try {
    await cluster.waitForJetStream();
  } catch (err) {
    const logs = members.map((m) => `${m.name}:\n${m.logs().split('\n').slice(-15).join('\n')}`).join('\n');
    await cluster.dispose();
    throw new Error(`${String(err)}\n${logs}`);
  }
  return cluster;
}
