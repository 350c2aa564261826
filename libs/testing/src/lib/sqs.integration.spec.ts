import { DeleteMessageCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { canConnect } from './ports';
import { SqsEndpoint, startSqsEndpoint } from './sqs';
import { waitFor } from './wait-for';

describe('startSqsEndpoint (fauxqs)', () => {
  let sqs: SqsEndpoint;

  beforeAll(async () => {
    const started = Date.now();
    sqs = await startSqsEndpoint();
    console.log(`fauxqs answered ListQueues ${Date.now() - started} ms after spawn`);
  });

  afterAll(async () => {
    await sqs?.stop();
  });

  it('is configured for the SDK', async () => {
    expect(sqs.endpoint).toBe(`http://127.0.0.1:${sqs.port}`);
    expect(sqs.region).toBe('us-east-1');
    expect(await sqs.client.config.region()).toBe('us-east-1');
  });

  it('sends, receives and deletes', async () => {
    const url = await sqs.createQueue('send-receive');
    expect(url).toBe(`http://sqs.us-east-1.localhost:${sqs.port}/000000000000/send-receive`);
    const id = await sqs.send(url, '{"hello":1}');
    expect(id).toEqual(expect.any(String));
    expect(await sqs.counts(url)).toEqual({ visible: 1, inFlight: 0 });

    const out = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect(out.Messages?.map((m) => m.Body)).toEqual(['{"hello":1}']);
    expect(out.Messages?.[0].MessageId).toBe(id);
    expect(await sqs.counts(url)).toEqual({ visible: 0, inFlight: 1 });

    await sqs.client.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: out.Messages?.[0].ReceiptHandle }));
    expect(await sqs.counts(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('sends in batches and drains with receiveAll', async () => {
    const url = await sqs.createQueue('batches');
    const bodies = Array.from({ length: 25 }, (_, i) => `m${i}`);
    await sqs.sendMany(url, bodies);
    expect(await sqs.counts(url)).toEqual({ visible: 25, inFlight: 0 });

    const firstFive = await sqs.receiveAll(url, { max: 5 });
    expect(firstFive).toHaveLength(5);
    const rest = await sqs.receiveAll(url);
    expect([...firstFive, ...rest].sort()).toEqual([...bodies].sort());
    expect(await sqs.counts(url)).toEqual({ visible: 0, inFlight: 0 });
  });

  it('moves a message received once and not deleted to the DLQ (maxReceiveCount 1)', async () => {
    const url = await sqs.createQueue('with-dlq', {
      visibilityTimeoutS: 1,
      dlq: { name: 'with-dlq-dlq', maxReceiveCount: 1 },
    });
    const dlqUrl = url.replace(/with-dlq$/, 'with-dlq-dlq');
    await sqs.send(url, 'poison');

    const first = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 1 }),
    );
    expect(first.Messages?.map((m) => m.Body)).toEqual(['poison']);
    const receivedAt = Date.now();

    // like SQS, the redrive happens on the receive after the visibility timeout: keep receiving
    await waitFor(
      async () => {
        const again = await sqs.client.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 1, WaitTimeSeconds: 0 }),
        );
        if (again.Messages?.length) throw new Error(`redelivered instead of dead-lettered: ${again.Messages[0].Body}`);
        return (await sqs.counts(dlqUrl)).visible === 1;
      },
      { timeoutMs: 10_000, intervalMs: 100, description: 'the message in the DLQ' },
    );
    expect(Date.now() - receivedAt).toBeGreaterThanOrEqual(900);
    expect(await sqs.counts(url)).toEqual({ visible: 0, inFlight: 0 });
    expect(await sqs.receiveAll(dlqUrl)).toEqual(['poison']);
  });

  it('stop() kills the process and frees the port', async () => {
    const other = await startSqsEndpoint();
    expect(await canConnect(other.port)).toBe(true);
    await other.stop();
    expect(await canConnect(other.port)).toBe(false);
    await expect(other.stop()).resolves.toBeUndefined();
  });
});
