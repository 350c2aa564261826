import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'nats';
import { natsNames } from '@ams/contracts';
import { LineBuffer, exitOf, isRunning, terminate, trackChild, trackDir, untrackDir } from './child-registry';
import { freePort } from './ports';
import { waitFor } from './wait-for';

/** The shared broker every test uses unless it starts its own: `TEST_NATS_URL`, default nats://127.0.0.1:4222. */
export const DEFAULT_NATS_URL: string = process.env['TEST_NATS_URL'] ?? 'nats://127.0.0.1:4222';

const issued = new Set<string>();

/**
 * A prefix for stream, consumer and subject names that no other test run uses:
 * `t_<6 random [a-z0-9]>[_<label>]`, lowercase [a-z0-9_], valid as one NATS subject token
 * and as a stream/consumer name.
 */
export function uniquePrefix(label?: string): string {
  const suffix = label
    ? label
        .toLowerCase()
        .replace(/[^a-z0-9_]+/g, '_')
        .replace(/_+/g, '_')
        .replace(/^_|_$/g, '')
    : '';
  for (;;) {
    const id = BigInt('0x' + randomBytes(8).toString('hex'))
      .toString(36)
      .slice(-6)
      .padStart(6, '0');
    const prefix = suffix ? `t_${id}_${suffix}` : `t_${id}`;
    if (!issued.has(prefix)) {
      issued.add(prefix);
      return prefix;
    }
  }
}

export interface PrivateNatsServer {
  url: string;
  port: number;
  storeDir: string;
  /** The server's last log lines. */
  logs(): string;
  /** Sends `signal` (default SIGTERM) and waits for the exit (SIGKILL after 15 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
  /** (Re)starts on the same port and store dir; resolves once the server greets a TCP client. */
  start(): Promise<void>;
  /** SIGKILL, waits for the exit. */
  kill9(): Promise<void>;
  /** stop() and remove the store dir. */
  dispose(): Promise<void>;
}

export interface StartPrivateNatsServerOptions {
  /** Default TEST_NATS_SERVER_BIN or /usr/sbin/nats-server. */
  binary?: string;
  /** Default: a free port. */
  port?: number;
  /**
   * A nats-server config file's text (e.g. renderNatsServerConf) for the store dir it is given: written next to the
   * store and passed with `-c` instead of `-js -sd` (the file must enable JetStream in that dir); the address and
   * port flags still apply (they override the file's).
   */
  config?: (storeDir: string) => string;
  /** Added to the server's environment (a config's `$VARIABLE`s, e.g. the users' passwords). */
  env?: Record<string, string>;
  /** More nats-server flags after the store and address ones, e.g. `['--user', 'u', '--pass', 'p']` or `['--tls', …]`. */
  args?: string[];
}

/** Resolves true when the server on `port` sends its INFO greeting. */
function greets(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('INFO')));
    socket.connect(port, '127.0.0.1');
  });
}

/**
 * Starts a nats-server of its own (JetStream on, store in a fresh temp dir) for tests that
 * restart or kill the broker. `-a 127.0.0.1 -p <port> -js -sd <storeDir>`.
 */
export async function startPrivateNatsServer(opts: StartPrivateNatsServerOptions = {}): Promise<PrivateNatsServer> {
  const binary = opts.binary ?? process.env['TEST_NATS_SERVER_BIN'] ?? '/usr/sbin/nats-server';
  try {
    await access(binary, constants.X_OK);
  } catch {
    throw new Error(
      `nats-server binary not found or not executable at ${binary}. Install it (Debian: apt-get install nats-server) ` +
        `or pass { binary } / set TEST_NATS_SERVER_BIN.`,
    );
  }
  let port = opts.port ?? (await freePort());
  const storeDir = await mkdtemp(join(tmpdir(), 'ams-nats-'));
  trackDir(storeDir);
  let storeArgs = ['-js', '-sd', storeDir];
  if (opts.config !== undefined) {
    const file = join(storeDir, 'nats.conf');
    await writeFile(file, opts.config(join(storeDir, 'jetstream')), { mode: 0o600 });
    storeArgs = ['-c', file];
  }

  let child: ChildProcess | undefined;
  const logs = new LineBuffer(200);

  const start = async (): Promise<void> => {
    if (child && isRunning(child)) throw new Error(`nats-server on port ${port} is already running`);
    const proc = spawn(binary, [...storeArgs, '-a', '127.0.0.1', '-p', String(port), ...(opts.args ?? [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
    });
    child = proc;
    trackChild(proc);
    proc.stdout?.on('data', (d: Buffer) => logs.push(d));
    proc.stderr?.on('data', (d: Buffer) => logs.push(d));
    const spawnError = new Promise<never>((_, reject) => proc.once('error', reject));
    const exited = exitOf(proc).then((info) => {
      throw new Error(
        `nats-server exited during startup (code ${info.code}, signal ${info.signal}):\n${logs.tail(30)}`,
      );
    });
    try {
      await Promise.race([
        waitFor(() => greets(port), { timeoutMs: 15_000, intervalMs: 25, description: `nats-server on port ${port}` }),
        exited,
        spawnError,
      ]);
    } catch (err) {
      await terminate(proc, 'SIGKILL');
      throw err;
    } finally {
      exited.catch(() => undefined);
      spawnError.catch(() => undefined);
    }
  };

  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (child) await terminate(child, signal, 15_000);
  };

  // a port picked by freePort() can be taken by someone else before nats-server binds it: retry
  for (let attempt = 1; ; attempt++) {
    try {
      await start();
      break;
    } catch (err) {
      const portTaken = /address already in use/i.test(String(err));
      if (opts.port === undefined && portTaken && attempt < 3) {
        port = await freePort();
        continue;
      }
      await rm(storeDir, { recursive: true, force: true });
      untrackDir(storeDir);
      throw err;
    }
  }

  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    logs: () => logs.tail(200),
    storeDir,
    start,
    stop,
    kill9: () => stop('SIGKILL'),
    dispose: async () => {
      await stop();
      await rm(storeDir, { recursive: true, force: true });
      untrackDir(storeDir);
    },
  };
}

/** Deletes every stream created under `prefix` (named as the apps name them: `natsNames(prefix).stream(…)`). */
export async function deleteStreams(prefix: string, url = DEFAULT_NATS_URL): Promise<void> {
  const streamPrefix = natsNames(prefix).stream('');
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    for await (const si of jsm.streams.list()) {
      if (si.config.name.startsWith(streamPrefix)) await jsm.streams.delete(si.config.name);
    }
  } finally {
    await nc.close();
  }
}

/** Number of messages stored in the stream `name` created under `prefix`. */
export async function streamMessageCount(prefix: string, name: string, url = DEFAULT_NATS_URL): Promise<number> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    return (await jsm.streams.info(natsNames(prefix).stream(name))).state.messages;
  } finally {
    await nc.close();
  }
}
