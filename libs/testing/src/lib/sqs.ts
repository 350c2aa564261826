import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { LineBuffer, exitOf, terminate, trackChild } from './child-registry';
import { workspaceRoot } from './fixtures';
import { freePort } from './ports';
import { waitFor } from './wait-for';

export interface SqsEndpoint {
  /** http://127.0.0.1:<port> — give this to the AWS SDK as `endpoint`. */
  endpoint: string;
  port: number;
  region: 'us-east-1';
  /** Configured with the endpoint, the region and test credentials. */
  client: SQSClient;
  createQueue(
    name: string,
    opts?: { visibilityTimeoutS?: number; dlq?: { name: string; maxReceiveCount: number } },
  ): Promise<string>;
  send(queueUrl: string, body: string): Promise<string>;
  sendMany(queueUrl: string, bodies: string[]): Promise<void>;
  counts(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  receiveAll(queueUrl: string, opts?: { max?: number }): Promise<string[]>;
  stop(): Promise<void>;
}

const REGION = 'us-east-1' as const;
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

/** fauxqs's package.json only exports "." for `import`, so require.resolve('fauxqs/package.json') throws: fall back to a search. */
function fauxqsCli(): string {
  try {
    return join(dirname(require.resolve('fauxqs/package.json')), 'dist', 'cli.js');
  } catch {
    // ERR_PACKAGE_PATH_NOT_EXPORTED (or not installed): look in node_modules above us and the workspace
  }
  const starts = [__dirname, workspaceRoot()];
  for (const start of starts) {
    let dir = start;
    for (;;) {
      const candidate = join(dir, 'node_modules', 'fauxqs', 'dist', 'cli.js');
      if (existsSync(candidate)) return candidate;
      const parent = dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  throw new Error(
    'fauxqs is not installed (looked for node_modules/fauxqs/dist/cli.js); it is a devDependency of the workspace',
  );
}

function sqsClient(endpoint: string, maxAttempts?: number): SQSClient {
  return new SQSClient({ endpoint, region: REGION, credentials: CREDENTIALS, ...(maxAttempts ? { maxAttempts } : {}) });
}

async function spawnFauxqs(cli: string, port: number): Promise<ChildProcess> {
  // The CLI reads FAUXQS_PORT (and FAUXQS_HOST, FAUXQS_DEFAULT_REGION, FAUXQS_INIT) but hard-codes
  // `logger: true`, so FAUXQS_LOGGER is ignored: its per-request JSON log on stdout is discarded.
  const env: NodeJS.ProcessEnv = { ...process.env, FAUXQS_PORT: String(port) };
  delete env['NODE_OPTIONS'];
  delete env['FAUXQS_HOST'];
  delete env['FAUXQS_INIT'];
  delete env['FAUXQS_DEFAULT_REGION'];
  const child = spawn(process.execPath, [cli], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  trackChild(child);
  const errors = new LineBuffer(100);
  child.stderr?.on('data', (d: Buffer) => errors.push(d));

  const endpoint = `http://127.0.0.1:${port}`;
  const probe = sqsClient(endpoint, 1);
  const spawnError = new Promise<never>((_, reject) => child.once('error', reject));
  const exited = exitOf(child).then((info) => {
    throw new Error(`fauxqs exited during startup (code ${info.code}, signal ${info.signal}):\n${errors.tail(30)}`);
  });
  try {
    await Promise.race([
      waitFor(
        async () => {
          await probe.send(new ListQueuesCommand({}));
          return true;
        },
        { timeoutMs: 20_000, intervalMs: 25, description: `fauxqs ListQueues on ${endpoint}` },
      ),
      exited,
      spawnError,
    ]);
  } catch (err) {
    await terminate(child, 'SIGKILL');
    throw err;
  } finally {
    probe.destroy();
    exited.catch(() => undefined);
    spawnError.catch(() => undefined);
  }
  return child;
}

/**
 * Starts fauxqs (a real SQS protocol endpoint) as a child process on `port` (default: a free one)
 * and resolves once ListQueues answers.
 */
export async function startSqsEndpoint(opts: { port?: number } = {}): Promise<SqsEndpoint> {
  const cli = fauxqsCli();
  let port = opts.port ?? (await freePort());
  let child: ChildProcess;
  for (let attempt = 1; ; attempt++) {
    try {
      child = await spawnFauxqs(cli, port);
      break;
    } catch (err) {
      // a port picked by freePort() can be taken before fauxqs binds it: retry with another
      if (opts.port === undefined && /EADDRINUSE/.test(String(err)) && attempt < 3) {
        port = await freePort();
        continue;
      }
      throw err;
    }
  }

  const endpoint = `http://127.0.0.1:${port}`;
  const client = sqsClient(endpoint);

  const queueArn = async (queueUrl: string): Promise<string> => {
    const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    const arn = out.Attributes?.['QueueArn'];
    if (!arn) throw new Error(`No QueueArn for ${queueUrl}`);
    return arn;
  };

  const createQueue: SqsEndpoint['createQueue'] = async (name, queueOpts = {}) => {
    const attributes: Record<string, string> = {};
    if (queueOpts.visibilityTimeoutS !== undefined)
      attributes['VisibilityTimeout'] = String(queueOpts.visibilityTimeoutS);
    if (queueOpts.dlq) {
      const dlqUrl = await createQueue(queueOpts.dlq.name);
      attributes['RedrivePolicy'] = JSON.stringify({
        deadLetterTargetArn: await queueArn(dlqUrl),
        maxReceiveCount: String(queueOpts.dlq.maxReceiveCount),
      });
    }
    const out = await client.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
    if (!out.QueueUrl) throw new Error(`CreateQueue ${name} returned no QueueUrl`);
    return out.QueueUrl;
  };

  const send: SqsEndpoint['send'] = async (queueUrl, body) => {
    const out = await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    if (!out.MessageId) throw new Error(`SendMessage to ${queueUrl} returned no MessageId`);
    return out.MessageId;
  };

  const sendMany: SqsEndpoint['sendMany'] = async (queueUrl, bodies) => {
    const chunks: string[][] = [];
    for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
    await Promise.all(
      chunks.map(async (chunk) => {
        const out = await client.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((body, i) => ({ Id: String(i), MessageBody: body })),
          }),
        );
        if (out.Failed && out.Failed.length > 0) {
          throw new Error(
            `SendMessageBatch to ${queueUrl} failed for ${out.Failed.length} entries: ${JSON.stringify(out.Failed)}`,
          );
        }
        if ((out.Successful?.length ?? 0) !== chunk.length) {
          throw new Error(
            `SendMessageBatch to ${queueUrl}: ${out.Successful?.length ?? 0} of ${chunk.length} entries acknowledged`,
          );
        }
      }),
    );
  };

  const counts: SqsEndpoint['counts'] = async (queueUrl) => {
    const out = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: Number(out.Attributes?.['ApproximateNumberOfMessages'] ?? 0),
      inFlight: Number(out.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0),
    };
  };

  const receiveAll: SqsEndpoint['receiveAll'] = async (queueUrl, receiveOpts = {}) => {
    const max = receiveOpts.max ?? Number.POSITIVE_INFINITY;
    const bodies: string[] = [];
    while (bodies.length < max) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: Math.min(10, max - bodies.length),
          WaitTimeSeconds: 0,
        }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) bodies.push(m.Body ?? '');
      const deleted = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      if (deleted.Failed && deleted.Failed.length > 0) {
        throw new Error(`DeleteMessageBatch on ${queueUrl} failed: ${JSON.stringify(deleted.Failed)}`);
      }
    }
    return bodies;
  };

  let stopped: Promise<void> | undefined;
  const running = child;
  return {
    endpoint,
    port,
    region: REGION,
    client,
    createQueue,
    send,
    sendMany,
    counts,
    receiveAll,
    stop: () =>
      (stopped ??= (async () => {
        client.destroy();
        await terminate(running, 'SIGTERM', 5_000);
      })()),
  };
}
