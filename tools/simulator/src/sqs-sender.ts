/** Sends bodies with the AWS SDK, ten per SendMessageBatch, in order, at a rate or as fast as SQS takes them. */
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';

export interface SendOptions {
  /** messages per second; null = no limit */
  rate: number | null;
  /** batches in flight at once */
  concurrency: number;
  onProgress?: (sent: number) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function sendAll(client: SQSClient, queueUrl: string, bodies: string[], opts: SendOptions): Promise<void> {
  const size = opts.rate !== null && opts.rate < 10 ? 1 : 10;
  const batches: string[][] = [];
  for (let i = 0; i < bodies.length; i += size) batches.push(bodies.slice(i, i + size));
  const t0 = Date.now();
  let next = 0;
  let sent = 0;
  const worker = async () => {
    for (;;) {
      const k = next++;
      if (k >= batches.length) return;
      if (opts.rate !== null) {
        const due = t0 + ((k * size) / opts.rate) * 1000;
        if (due > Date.now()) await sleep(due - Date.now());
      }
      await sendBatch(client, queueUrl, batches[k]);
      sent += batches[k].length;
      opts.onProgress?.(sent);
    }
  };
  const workers =
    opts.rate !== null ? Math.max(1, Math.min(opts.concurrency, Math.ceil(opts.rate / 200))) : opts.concurrency;
  await Promise.all(Array.from({ length: workers }, worker));
}

/** One batch; entries SQS reports as failed are retried a few times. */
async function sendBatch(client: SQSClient, queueUrl: string, bodies: string[]): Promise<void> {
  let entries = bodies.map((body, i) => ({ Id: String(i), MessageBody: body }));
  for (let attempt = 1; ; attempt++) {
    const out = await client.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
    const failed = out.Failed ?? [];
    if (failed.length === 0) return;
    if (attempt >= 5)
      throw new Error(`SendMessageBatch failed for ${failed.length} messages: ${JSON.stringify(failed.slice(0, 3))}`);
    const retry = new Set(failed.map((f) => f.Id));
    entries = entries.filter((e) => retry.has(e.Id));
    await sleep(100 * 2 ** attempt);
  }
}
