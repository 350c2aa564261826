import { BeforeApplicationShutdown, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { STREAMS } from '@ams/contracts';
import { JetStreamService, MessagingPublishError, type PublishItem, type PublishResult } from '@ams/platform';
import { IngestorEnv } from '../config/ingestor.env';
import { handOffMetrics, ingestMetrics } from '../ingest/ingest.metrics';
import { HandOffGate } from './hand-off-gate';
import { handOffVerdict } from './hand-off-verdict';

/** Attempts of one batch made while the probe said JetStream was healthy, after which it is given back. */
export const GIVE_UP_AFTER_ATTEMPTS = 5;
const PROBE_MIN_MS = 250;

/** A batch given back to SQS after GIVE_UP_AFTER_ATTEMPTS hand-offs failed although JetStream answered healthy. */
export class HandOffGaveUpError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'HandOffGaveUpError';
  }
}

/**
 * The hand-off of records to JetStream, for every poller of the process. A failed publish closes the gate:
 * pollers stop calling ReceiveMessage (they wait on the gate), batches already received are held — their
 * handler waits, so sqs-consumer's heartbeat keeps extending their visibility and SQS never counts another
 * receive for them — and one probe loop asks JetStream for the AMS stream's and the account's state (no
 * publish: nothing reaches `ams.>`, the processor's subjects, and nothing else is stored). The first healthy
 * answer, or the NATS connection coming back (which probes at once), opens the gate; held batches then publish
 * what JetStream did not acknowledge yet (Nats-Msg-Id deduplicates a record sent twice inside the window, the
 * processor's idempotency key after it).
 */
@Injectable()
export class HandOffService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly logger = new Logger(HandOffService.name);
  readonly gate: HandOffGate;
  private stopListening?: () => void;

  constructor(
    private readonly messaging: JetStreamService,
    env: IngestorEnv,
  ) {
    this.gate = new HandOffGate(
      async () => handOffVerdict(await this.messaging.streamCapacity(STREAMS.ams.name)),
      { minMs: PROBE_MIN_MS, maxMs: env.INGEST_PROBE_MAX_INTERVAL_MS },
      {
        closed: (reason) => {
          handOffMetrics.open.set(0);
          handOffMetrics.closed.inc();
          this.logger.warn(
            { reason },
            'hand-off to JetStream failed: receiving from SQS stopped, received messages held, probing JetStream',
          );
        },
        probed: (verdict, next) => {
          handOffMetrics.probes.inc({ outcome: verdict.ok ? 'ok' : 'error' in verdict ? 'no-answer' : 'refused' });
          ingestMetrics.backoff.set(next / 1000);
          if (!verdict.ok)
            this.logger.debug?.({ reason: verdict.reason, nextProbeMs: next }, 'JetStream cannot take records yet');
        },
        opened: (closedForMs) => {
          handOffMetrics.open.set(1);
          ingestMetrics.backoff.set(0);
          this.logger.log({ closedForMs }, 'JetStream takes records again: receiving resumed');
        },
      },
    );
  }

  onModuleInit(): void {
    handOffMetrics.open.set(1);
    handOffMetrics.held.set(0);
    ingestMetrics.backoff.set(0);
    this.stopListening = this.messaging.onReconnect(() => {
      // the reconnect itself ends the wait: probe now instead of after the current delay
      if (this.gate.wake()) {
        ingestMetrics.reconnectWakeups.inc();
        this.logger.log('NATS reconnected: probing JetStream now');
      }
    });
  }

  /** Resolves while records can be handed off; rejects (GateAbandonedError) once the app is shutting down. */
  waitOpen(): Promise<void> {
    return this.gate.wait();
  }

  /**
   * Publishes every item and resolves with their PubAcks in order, holding (retrying after the gate opens)
   * for as long as JetStream cannot take them. Rejects only when the app shuts down (GateAbandonedError) or,
   * unless `keep`, with HandOffGaveUpError after GIVE_UP_AFTER_ATTEMPTS failures while JetStream answered
   * healthy (something in the batch itself is refused). `held` is the number of SQS messages waiting on it.
   */
  async publishAll(
    items: PublishItem[],
    opts: { queue: string; held: number; keep: boolean },
  ): Promise<PublishResult[]> {
    const results: Array<PublishResult | undefined> = new Array(items.length);
    let pending = items.map((_, i) => i);
    let attempts = 0;
    let holding = false;
    try {
      for (;;) {
        if (!this.gate.isOpen && !holding) {
          // received just before the gate closed: held from the start
          holding = true;
          handOffMetrics.held.inc(opts.held);
        }
        await this.gate.wait();
        attempts++;
        try {
          const acks = await this.messaging.publishMany(pending.map((i) => items[i]));
          acks.forEach((ack, k) => (results[pending[k]] = ack));
          return results as PublishResult[];
        } catch (err) {
          if (err instanceof MessagingPublishError) {
            err.outcomes.forEach((o, k) => {
              if (o.ok) results[pending[k]] = { seq: o.seq, duplicate: o.duplicate };
            });
            pending = pending.filter((i) => results[i] === undefined);
          }
          ingestMetrics.failures.inc({ queue: opts.queue });
          const message = err instanceof Error ? err.message : String(err);
          if (!opts.keep && attempts >= GIVE_UP_AFTER_ATTEMPTS) {
            throw new HandOffGaveUpError(`${attempts} hand-offs failed while JetStream answered healthy: ${message}`, {
              cause: err,
            });
          }
          this.gate.close(message);
          if (!holding) {
            holding = true;
            handOffMetrics.held.inc(opts.held);
          }
        }
      }
    } finally {
      if (holding) handOffMetrics.held.dec(opts.held);
    }
  }

  beforeApplicationShutdown(): void {
    this.gate.abandon('shutting down');
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }
}
