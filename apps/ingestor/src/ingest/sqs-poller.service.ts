import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SQSClient, type Message } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import { JetStreamService } from '@ams/platform';
import { IngestorEnv } from '../config/ingestor.env';
import { ingestMetrics } from './ingest.metrics';
import { MessageRouterService, queueName } from './message-router.service';

const MAX_BACKOFF_MS = 30_000;

/**
 * Long-polls every configured queue with `SQS_CONCURRENCY` sqs-consumer pollers each. A batch is
 * deleted only after JetStream acknowledged every record in it; when the hand-off fails (NATS
 * down), nothing is deleted, SQS redelivers, and polling backs off exponentially until it works —
 * or until the NATS connection comes back, which ends the back-off at once (a poller waiting out up to
 * 30 s is woken) instead of leaving records on SQS for the rest of it.
 */
@Injectable()
export class SqsPollerService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(SqsPollerService.name);
  private readonly sqs: SQSClient;
  private readonly consumers: Consumer[] = [];
  private inFlight = 0;
  private draining = false;
  private paused = true;
  private failures = 0;
  private stopListening?: () => void;

  constructor(
    private readonly env: IngestorEnv,
    private readonly router: MessageRouterService,
    private readonly messaging: JetStreamService,
  ) {
    this.sqs = new SQSClient({ region: env.AWS_REGION, ...(env.SQS_ENDPOINT ? { endpoint: env.SQS_ENDPOINT } : {}) });
  }

  /** Pollers are created here and started by PollingControlService (which knows the switch). */
  onModuleInit(): void {
    for (const queueUrl of this.env.SQS_QUEUE_URLS) {
      const pollers = this.env.concurrencyFor(queueName(queueUrl));
      for (let i = 0; i < pollers; i++) this.consumers.push(this.createConsumer(queueUrl));
    }
    ingestMetrics.backoff.set(0);
    this.stopListening = this.messaging.onReconnect(() => this.onNatsBack());
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
    this.stopListening?.();
    for (const c of this.consumers) c.stop();
    const deadline = Date.now() + this.env.SHUTDOWN_TIMEOUT_MS - 2000;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    // abort the long polls still waiting: any message they return later stays on SQS for redelivery
    for (const c of this.consumers) {
      (c as unknown as { abortController?: AbortController }).abortController?.abort();
    }
    this.sqs.destroy();
    this.logger.log(`sqs pollers stopped (${this.inFlight} batches unfinished)`);
  }

  private createConsumer(queueUrl: string): Consumer {
    const queue = queueName(queueUrl);
    const consumer = Consumer.create({
      queueUrl,
      sqs: this.sqs,
      useQueueUrlAsEndpoint: !this.env.SQS_ENDPOINT,
      batchSize: this.env.SQS_BATCH_SIZE,
      waitTimeSeconds: this.env.SQS_WAIT_TIME_SECONDS,
      visibilityTimeout: this.env.SQS_VISIBILITY_TIMEOUT_S,
      heartbeatInterval: Math.max(1, Math.floor(this.env.SQS_VISIBILITY_TIMEOUT_S / 3)),
      messageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      pollingWaitTimeMs: 0,
      authenticationErrorTimeout: 5_000,
      // a batch refused while shutting down goes straight back to the queue for another replica
      terminateVisibilityTimeout: () => (this.draining ? 0 : Math.min(this.backoffMs() / 1000, this.env.SQS_VISIBILITY_TIMEOUT_S)),
      handleMessageBatch: async (messages: Message[]) => {
        if (this.draining) throw new Error('shutting down');
        this.inFlight++;
        const end = ingestMetrics.batchDuration.startTimer({ queue });
        try {
          const done = await this.router.route(messages, queueUrl);
          this.onSuccess();
          ingestMetrics.deleted.inc({ queue }, done.length);
          return done;
        } catch (err) {
          this.onFailure(queue, err);
          throw err;
        } finally {
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

  private backoffMs(): number {
    return this.failures === 0 ? 0 : Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(this.failures, 10));
  }

  private onFailure(queue: string, err: unknown): void {
    this.failures++;
    ingestMetrics.failures.inc({ queue });
    const wait = this.backoffMs();
    for (const c of this.consumers) c.updateOption('pollingWaitTimeMs', wait);
    ingestMetrics.backoff.set(wait / 1000);
    this.logger.warn(
      { queue, failures: this.failures, backoffMs: wait, err: err instanceof Error ? err.message : String(err) },
      'hand-off to JetStream failed; messages stay on SQS, backing off',
    );
  }

  private onSuccess(): void {
    if (this.failures === 0) return;
    this.endBackoff();
    this.logger.log('hand-off to JetStream recovered');
  }

  /** NATS is reachable again: poll now rather than after the back-off (a hand-off failure starts a new one). */
  private onNatsBack(): void {
    if (this.failures === 0 || this.draining) return;
    this.endBackoff();
    let woken = 0;
    if (!this.paused) {
      for (const c of this.consumers) {
        // running and not polling = sleeping until its next poll; stop() clears that timer and start() polls now.
        // A poller mid-receive or mid-batch is left alone (restarting it would run two poll loops).
        if (c.status.isRunning && !c.status.isPolling) {
          c.stop();
          c.start();
          woken++;
        }
      }
    }
    ingestMetrics.reconnectWakeups.inc();
    this.logger.log({ woken }, 'NATS reconnected: back-off ended, polling again');
  }

  private endBackoff(): void {
    this.failures = 0;
    for (const c of this.consumers) c.updateOption('pollingWaitTimeMs', 0);
    ingestMetrics.backoff.set(0);
  }
}
