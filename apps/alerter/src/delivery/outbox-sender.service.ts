import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { alerterMetrics } from '../alerter.metrics';
import { AlerterEnv } from '../config/alerter.env';
import { Destinations } from './destinations.logic';
import { messageAsText, renderSlackMessage } from './notification.logic';
import { ClaimedEntry, OutboxRepository, RetryPolicy } from './outbox.repository';
import { postToSlack } from './slack-webhook.client';

const BUSY_RETRY_MS = 50;
const LEASE_MARGIN_MS = 15_000;
const RECOVERY_EVERY_MS = 5_000;
const MARK_ATTEMPTS = 5;

/**
 * Delivers the outbox. Per destination, one message at a time across every replica (the pacing row),
 * at most one message per SLACK_MIN_INTERVAL_MS; every due entry of a destination (up to
 * ALERT_GROUP_MAX) goes in one message. A message is sent only after its entries' claim committed,
 * and marked sent right after Slack's 2xx. Shutdown stops claiming and waits for the messages in
 * flight to be answered and marked, so a restart never sends an entry twice.
 */
@Injectable()
export class OutboxSenderService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxSenderService.name);
  private readonly retry: RetryPolicy;
  private readonly leaseMs: number;
  private readonly inFlight = new Map<string, Promise<void>>();
  private stopping = false;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private passing?: Promise<void>;
  private passAgain = false;
  private lastRecovery = 0;

  constructor(
    private readonly env: AlerterEnv,
    private readonly outbox: OutboxRepository,
    private readonly destinations: Destinations,
  ) {
    this.retry = {
      maxAttempts: env.SLACK_MAX_ATTEMPTS,
      baseMs: env.SLACK_RETRY_BASE_MS,
      maxMs: env.SLACK_RETRY_MAX_MS,
    };
    this.leaseMs = env.SLACK_TIMEOUT_MS + LEASE_MARGIN_MS;
  }

  onApplicationBootstrap(): void {
    if (!this.destinations.configured) {
      this.logger.warn('no Slack webhook configured (SLACK_WEBHOOK_URL, SLACK_WEBHOOKS): notifications are logged');
    }
    this.schedule(0);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    await this.passing;
    await Promise.all(this.inFlight.values());
    this.logger.log('outbox sender drained');
  }

  /** Entries were just committed: send them after the grouping wait (a burst becomes one message). */
  kick(): void {
    this.schedule(this.env.ALERT_GROUP_WAIT_MS);
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        this.timerAt = Infinity;
        void this.pass();
      },
      Math.max(0, delayMs),
    );
  }

  private async pass(): Promise<void> {
    if (this.stopping) return;
    if (this.passing) {
      this.passAgain = true;
      return;
    }
    let next = this.env.ALERT_OUTBOX_POLL_MS;
    this.passing = (async () => {
      try {
        if (Date.now() - this.lastRecovery >= RECOVERY_EVERY_MS) {
          this.lastRecovery = Date.now();
          const recovered = await this.outbox.recoverExpiredLeases();
          if (recovered.length) {
            this.logger.warn(
              { entries: recovered },
              'outbox entries whose delivery was interrupted are queued again (in doubt)',
            );
          }
        }
        for (const d of await this.outbox.dueDestinations()) {
          if (this.inFlight.has(d.destination)) continue; // its end schedules the next pass
          if (d.dueInMs > 0) next = Math.min(next, d.dueInMs);
          else this.start(d.destination);
        }
      } catch (err) {
        this.logger.warn(`outbox pass failed: ${errorText(err)}`);
      }
    })();
    await this.passing;
    this.passing = undefined;
    if (this.passAgain) {
      this.passAgain = false;
      next = 0;
    }
    this.schedule(next);
  }

  private start(destination: string): void {
    const run = this.deliver(destination)
      .catch((err: unknown) => {
        this.logger.error(`delivery to ${destination} failed: ${errorText(err)}`);
        return this.env.ALERT_OUTBOX_POLL_MS;
      })
      .then((nextInMs) => {
        this.inFlight.delete(destination);
        this.schedule(nextInMs);
      });
    this.inFlight.set(destination, run);
  }

  /** One message to one destination. Returns when the sender should look again. */
  private async deliver(destination: string): Promise<number> {
    const url = this.destinations.urlOf(destination);
    const token = randomUUID();
    const claim = await this.outbox.claim(
      destination,
      this.env.ALERT_GROUP_MAX,
      this.leaseMs,
      url ? this.env.SLACK_MIN_INTERVAL_MS : 0,
      token,
    );
    if (claim.state === 'busy') return BUSY_RETRY_MS;
    if (claim.state === 'wait') return claim.inMs;
    if (claim.state === 'empty') return this.env.ALERT_OUTBOX_POLL_MS;

    const entries = claim.entries;
    const ids = entries.map((e) => e.id);
    const message = renderSlackMessage(
      entries.map((e) => e.payload),
      { linkBaseUrl: this.env.ALERT_LINK_BASE_URL, mayRepeat: entries.some((e) => e.inDoubt) },
    );

    if (!url) {
      this.logger.log(
        { destination, alerts: ids.length, message: messageAsText(message) },
        this.destinations.configured
          ? `destination "${destination}" has no webhook configured: notification logged`
          : 'no Slack webhook configured: notification logged',
      );
      await this.mark(() => this.outbox.markDelivered(ids, token, 'delivered-to-log', null));
      this.delivered(entries, 'delivered-to-log');
      return 0;
    }

    const result = await postToSlack(url, message, this.env.SLACK_TIMEOUT_MS);
    alerterMetrics.slackRequests.inc({ destination, outcome: result.outcome });
    switch (result.outcome) {
      case 'delivered': {
        const held = await this.mark(() => this.outbox.markDelivered(ids, token, 'sent', result.status));
        if (held < ids.length) {
          this.logger.error(
            { destination, entries: ids },
            'delivered, but the claim had expired: another attempt may repeat it',
          );
        }
        this.delivered(entries, 'sent');
        this.logger.log({ destination, alerts: ids.length }, 'notification delivered to Slack');
        return 0;
      }
      case 'rate-limited': {
        const waitMs = result.retryAfterMs ?? this.env.SLACK_RETRY_BASE_MS;
        await this.mark(() => this.outbox.markRateLimited(ids, token, destination, waitMs));
        this.logger.warn({ destination, retryAfterMs: waitMs }, 'Slack rate limit (429): waiting for Retry-After');
        return waitMs;
      }
      case 'retryable':
      case 'permanent': {
        const permanent = result.outcome === 'permanent';
        const outcome = await this.mark(() =>
          this.outbox.markFailedAttempt(ids, token, destination, result.status, result.error, this.retry, permanent),
        );
        if (outcome.failed) alerterMetrics.notifications.inc({ status: 'failed' }, outcome.failed);
        const log = {
          destination,
          status: result.status,
          error: result.error,
          failed: outcome.failed,
          retrying: outcome.retrying,
        };
        if (outcome.failed)
          this.logger.error(log, 'notification failed: marked failed (retry with the outbox-retry command)');
        else this.logger.warn(log, 'Slack delivery failed: will retry with backoff');
        return 0;
      }
    }
  }

  private delivered(entries: ClaimedEntry[], status: 'sent' | 'delivered-to-log'): void {
    alerterMetrics.notifications.inc({ status }, entries.length);
    const now = Date.now();
    for (const e of entries) alerterMetrics.notificationDelay.observe((now - new Date(e.createdAt).getTime()) / 1000);
  }

  /**
   * Marks the outcome, retrying a failing database briefly: the entry's lease covers these retries,
   * and while it runs nobody else sends the entry.
   */
  private async mark<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= MARK_ATTEMPTS) throw err;
        this.logger.warn(`recording a delivery outcome failed (attempt ${attempt}): ${errorText(err)}`);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
