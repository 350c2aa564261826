/**
 * The SQS endpoint's ceiling for a consumer shaped like the ingestor and doing no work: `pollers` loops on one
 * SQSClient, each ReceiveMessage (the ingestor's MaxNumberOfMessages, WaitTimeSeconds, VisibilityTimeout and system
 * attributes, as sqs-consumer sends them) then DeleteMessageBatch of what it received, until `messages` were deleted.
 * Run in a process of its own, as the ingestor is (`ingest.bench.ts` spawns it): the bench's own process also
 * drives fauxqs's queue and polls metrics. Prints one JSON line: messages, seconds from the first receive to the
 * last delete, its own CPU over that span, the requests it made.
 */
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface CeilingOptions {
  endpoint: string;
  region: string;
  queueUrl: string;
  /** messages to receive and delete (the queue holds at least that many) */
  messages: number;
  pollers: number;
  batchSize: number;
  waitTimeSeconds: number;
  visibilityTimeoutS: number;
}

export interface CeilingResult {
  messages: number;
  seconds: number;
  cpuMs: number;
  receives: number;
  emptyReceives: number;
  deletes: number;
}

export async function drainLikeTheIngestor(o: CeilingOptions): Promise<CeilingResult> {
  const client = new SQSClient({
    region: o.region,
    endpoint: o.endpoint,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
  let deleted = 0;
  let receives = 0;
  let emptyReceives = 0;
  let deletes = 0;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const poller = async () => {
    while (deleted < o.messages) {
      const out = await client.send(
        new ReceiveMessageCommand({
          QueueUrl: o.queueUrl,
          AttributeNames: [],
          MessageAttributeNames: [],
          MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
          MaxNumberOfMessages: o.batchSize,
          WaitTimeSeconds: o.waitTimeSeconds,
          VisibilityTimeout: o.visibilityTimeoutS,
        }),
      );
      receives++;
      const msgs = out.Messages ?? [];
      if (!msgs.length) {
        emptyReceives++;
        continue;
      }
      const del = await client.send(
        new DeleteMessageBatchCommand({
          QueueUrl: o.queueUrl,
          Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
        }),
      );
      deletes++;
      if (del.Failed?.length) throw new Error(`DeleteMessageBatch failed: ${JSON.stringify(del.Failed)}`);
      deleted += msgs.length;
      if (deleted >= o.messages) finished();
    }
  };
  // a poller still in a long poll on the emptied queue is not waited for: the span ends at the last delete
  const pollers = Array.from({ length: o.pollers }, poller);
  await Promise.race([done, Promise.all(pollers)]);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  client.destroy();
  return { messages: deleted, seconds, cpuMs: (cpu.user + cpu.system) / 1000, receives, emptyReceives, deletes };
}

if (require.main === module) {
  const options = JSON.parse(process.argv[2] ?? '') as CeilingOptions;
  drainLikeTheIngestor(options).then(
    (result) => {
      process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
    },
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
