import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import type { Message } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { IngestorEnv } from '../config/ingestor.env';
import { GateAbandonedError } from '../handoff/hand-off-gate';
import { HandOffService } from '../handoff/hand-off.service';
import { nearMaxReceive } from '../queues/redrive-policy';
import { QueueStatusService } from '../queues/queue-status.service';
import { SqsClientProvider } from '../queues/sqs-client.provider';
import { handOffMetrics, ingestMetrics } from './ingest.metrics';
import { MessageRouterService, queueName } from './message-router.service';

/**
 * Long-polls every configured queue with `SQS_CONCURRENCY` sqs-consumer pollers each. A batch is
 * deleted only after JetStream acknowledged every record in it. While JetStream cannot take records
 * (HandOffService's gate is closed) no poller calls ReceiveMessage — each waits on the gate before it
 * would — and the batches already received are held, their visibility extended by the heartbeat, until
 * they are handed off: an outage of any length costs a message no receive beyond the one that brought it.
 * A message is given back (visibility 0) only when the app shuts down, or after repeated failures while
 * JetStream answered healthy — and never when its ApproximateReceiveCount is within
 * SQS_RECEIVE_COUNT_MARGIN of its queue's maxReceiveCount: one more receive could move it to the
 * dead-letter queue, so it is held until it is published.
 */
@Injectable()
export class SqsPollerService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SqsPollerService.name);
  private readonly consumers: Consumer[] = [];
  private inFlight = 0;
  private draining = false;
  private paused = true;

  constructor(
    private readonly env: IngestorEnv,
    private readonly router: MessageRouterService,
    private readonly handOff: HandOffService,
    private readonly queues: QueueStatusService,
    private readonly sqs: SqsClientProvider,
  ) {}

  /** Pollers are created here and started by PollingControlService (which knows the switch). */
  onModuleInit(): void {
    for (const queueUrl of this.env.SQS_QUEUE_URLS) {
      const pollers = this.env.concurrencyFor(queueName(queueUrl));
      for (let i = 0; i < pollers; i++) this.consumers.push(this.createConsumer(queueUrl));
    }
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Stops polling without stopping the app; resolves once no poll or batch is in flight. */
  async pause(): Promise<void> {
    this.paused = true;
    for (const c of this.consumers) c.stop();
    const deadline = Date.now() + (this.env.SQS_WAIT_TIME_SECONDS + 5) * 1000;
    while (Date.now() < deadline && (this.inFlight > 0 || this.consumers.some((c) => c.status.isPolling))) {
      await new Promise((r) => setTimeout(r, 20));
    }
    this.logger.log('ingestion paused');
  }

  resume(): void {
    if (this.draining) return;
    this.paused = false;
    for (const c of this.consumers) c.start();
    const queues = this.env.SQS_QUEUE_URLS.map((u) => `${queueName(u)} × ${this.env.concurrencyFor(queueName(u))}`);
    this.logger.log(`polling ${queues.join(', ')}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.draining = true;
    for (const c of this.consumers) c.stop();
    // held batches and pollers waiting for JetStream give up now: held messages go back to the queue at once
    this.handOff.gate.abandon('shutting down');
    const deadline = Date.now() + this.env.SHUTDOWN_TIMEOUT_MS - 2000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // abort the long polls still waiting: any message they return later stays on SQS for redelivery
    for (const c of this.consumers) {
      (c as unknown as { abortController?: AbortController }).abortController?.abort();
    }
    this.logger.log(`sqs pollers stopped (${this.inFlight} batches unfinished)`);
  }

  private createConsumer(queueUrl: string): Consumer {
    const queue = queueName(queueUrl);
    const consumer = Consumer.create({
      queueUrl,
      sqs: this.sqs.client,
      useQueueUrlAsEndpoint: !this.env.SQS_ENDPOINT,
      batchSize: this.env.SQS_BATCH_SIZE,
      waitTimeSeconds: this.env.SQS_WAIT_TIME_SECONDS,
      visibilityTimeout: this.env.SQS_VISIBILITY_TIMEOUT_S,
      heartbeatInterval: Math.max(1, Math.floor(this.env.SQS_VISIBILITY_TIMEOUT_S / 3)),
      messageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      pollingWaitTimeMs: 0,
      authenticationErrorTimeout: 5_000,
      // no ReceiveMessage while JetStream cannot take records (rejects only when shutting down)
      preReceiveMessageCallback: () => this.handOff.waitOpen(),
      // a batch given back goes straight back to the queue (shutdown) or after a short wait (repeated failures)
      terminateVisibilityTimeout: () => (this.draining ? 0 : Math.min(5, this.env.SQS_VISIBILITY_TIMEOUT_S)),
      handleMessageBatch: async (messages: Message[]) => {
        if (this.draining) throw new GateAbandonedError('shutting down');
        this.inFlight++;
        const end = ingestMetrics.batchDuration.startTimer({ queue });
        const keep = this.mustKeep(queueUrl, queue, messages);
        this.queues.noteReceived(queueUrl, messages);
        const unhold = this.queues.noteHeld(queueUrl, messages);
        try {
          const done = await this.router.route(messages, queueUrl, { keep });
          ingestMetrics.deleted.inc({ queue }, done.length);
          return done;
        } catch (err) {
          handOffMetrics.givenBack.inc(
            { queue, reason: err instanceof GateAbandonedError ? 'shutdown' : 'failed' },
            messages.length,
          );
          throw err;
        } finally {
          unhold();
          end();
          this.inFlight--;
        }
      },
    });
    consumer.on('error', (err) => {
      if (!this.draining) this.logger.warn({ queue, err: err.message }, 'sqs error');
    });
    consumer.on('processing_error', (err) => this.logger.warn({ queue, err: err.message }, 'batch not handed off'));
    return consumer;
  }

  /** Receive counts of the batch on /metrics; true when one of them must not go back to the queue. */
  private mustKeep(queueUrl: string, queue: string, messages: Message[]): boolean {
    const max = this.queues.maxReceiveCount(queueUrl);
    let keep = false;
    for (const m of messages) {
      const count = Number(m.Attributes?.ApproximateReceiveCount ?? 1);
      handOffMetrics.receiveCount.observe({ queue }, count);
      if (nearMaxReceive(count, max, this.env.SQS_RECEIVE_COUNT_MARGIN)) {
        handOffMetrics.nearMax.inc({ queue });
        keep = true;
      }
    }
    return keep;
  }
}
