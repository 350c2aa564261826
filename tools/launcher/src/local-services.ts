/**
 * The other local services the launcher may start: a nats-server with JetStream and the fauxqs SQS
 * endpoint with the queue and its dead-letter queue; and the database step (create, migrate).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';
import { CreateQueueCommand, GetQueueAttributesCommand, ListQueuesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { runMigrations } from '@ams/db';
import { spawnManaged, type ManagedProcess } from './managed-process';
import { freePort, isPortFree, probeNats } from './probes';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ------------------------------------------------------------------------------------------------
// nats-server

export interface OwnNats {
  url: string;
  port: number;
  process: ManagedProcess;
}

export async function startNatsServer(opts: {
  binary: string;
  preferredPort: number;
  storeDir: string;
  logFile: string;
  /** A config file (users, JetStream in storeDir) and the environment it reads (the users' passwords). */
  config?: { file: string; env: Record<string, string> };
}): Promise<OwnNats> {
  mkdirSync(opts.storeDir, { recursive: true });
  const port = (await isPortFree(opts.preferredPort)) ? opts.preferredPort : await freePort();
  const store = opts.config ? ['-c', opts.config.file] : ['-js', '-sd', opts.storeDir];
  const proc = spawnManaged('nats', opts.binary, [...store, '-a', '127.0.0.1', '-p', String(port)], {
    env: { ...process.env, ...opts.config?.env },
    logFile: opts.logFile,
  });
  const url = `nats://127.0.0.1:${port}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (!proc.running()) throw new Error(`nats-server exited during startup:\n${proc.tail(20)}`);
    const r = await probeNats([url], 1_000);
    if (r.ok && r.jetstream) break;
    if (Date.now() > deadline) {
      await proc.stop('SIGKILL', 2_000);
      throw new Error(`nats-server did not answer with JetStream on ${url} within 15 s:\n${proc.tail(20)}`);
    }
    await wait(100);
  }
  return { url, port, process: proc };
}

// ------------------------------------------------------------------------------------------------
// fauxqs

export const FAUXQS_REGION = 'us-east-1';
export const FAUXQS_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface Fauxqs {
  endpoint: string;
  port: number;
  queueUrl: string;
  dlqUrl: string;
  process: ManagedProcess;
}

/** fauxqs's package.json exports only "." for `import`: find its CLI on disk. */
export function fauxqsCli(root: string): string {
  for (let dir = root; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', 'fauxqs', 'dist', 'cli.js');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error('fauxqs is not installed (node_modules/fauxqs/dist/cli.js): run npm ci, or set SQS_QUEUE_URLS');
}

export async function startFauxqs(opts: {
  root: string;
  port: number;
  /** the user chose the port (LAUNCHER_SQS_PORT): do not move it */
  explicitPort: boolean;
  queue: string;
  dlq: string;
  maxReceiveCount: number;
  logFile: string;
  say: (line: string) => void;
}): Promise<Fauxqs> {
  let port = opts.port;
  if (!(await isPortFree(port))) {
    if (opts.explicitPort) throw new Error(`port ${port} (LAUNCHER_SQS_PORT) is already in use`);
    const next = await freePort();
    opts.say(`port ${port} is taken: the SQS endpoint (fauxqs) uses ${next}`);
    port = next;
  }
  const env: NodeJS.ProcessEnv = { ...process.env, FAUXQS_PORT: String(port) };
  delete env['NODE_OPTIONS'];
  delete env['FAUXQS_HOST'];
  delete env['FAUXQS_INIT'];
  delete env['FAUXQS_DEFAULT_REGION'];
  // The CLI logs every request as JSON on stdout: dropped (errors on stderr are kept in the log file).
  const proc = spawnManaged('fauxqs', process.execPath, [fauxqsCli(opts.root)], {
    env,
    dropStdout: true,
    logFile: opts.logFile,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new SQSClient({ endpoint, region: FAUXQS_REGION, credentials: FAUXQS_CREDENTIALS, maxAttempts: 1 });
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      if (!proc.running()) throw new Error(`fauxqs exited during startup:\n${proc.tail(20)}`);
      try {
        await client.send(new ListQueuesCommand({}));
        break;
      } catch {
        if (Date.now() > deadline) {
          await proc.stop('SIGKILL', 2_000);
          throw new Error(`fauxqs did not answer on ${endpoint} within 20 s:\n${proc.tail(20)}`);
        }
        await wait(50);
      }
    }
    const dlq = await client.send(new CreateQueueCommand({ QueueName: opts.dlq }));
    if (!dlq.QueueUrl) throw new Error(`CreateQueue ${opts.dlq} returned no QueueUrl`);
    const attrs = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const dlqArn = attrs.Attributes?.['QueueArn'];
    if (!dlqArn) throw new Error(`no QueueArn for ${dlq.QueueUrl}`);
    const main = await client.send(
      new CreateQueueCommand({
        QueueName: opts.queue,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: String(opts.maxReceiveCount) }),
        },
      }),
    );
    if (!main.QueueUrl) throw new Error(`CreateQueue ${opts.queue} returned no QueueUrl`);
    return { endpoint, port, queueUrl: main.QueueUrl, dlqUrl: dlq.QueueUrl, process: proc };
  } catch (err) {
    if (proc.running()) await proc.stop('SIGKILL', 2_000);
    throw err;
  } finally {
    client.destroy();
  }
}

// ------------------------------------------------------------------------------------------------
// database

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!name) throw new Error('DATABASE_URL names no database (expected postgres://user@host:5432/<database>)');
  return name;
}

/** Creates the database if it does not exist, then applies pending migrations. */
export async function prepareDatabase(url: string): Promise<{ created: boolean; applied: string[] }> {
  const name = databaseName(url);
  let created = false;
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
  } catch (err) {
    if ((err as { code?: string }).code !== '3D000') throw err; // 3D000: the database does not exist
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const client = new Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (!rowCount) {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
        created = true;
      }
    } finally {
      await client.end().catch(() => undefined);
    }
  } finally {
    await probe.end().catch(() => undefined);
  }
  const applied = await runMigrations(url);
  return { created, applied };
}
