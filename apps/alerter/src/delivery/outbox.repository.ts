import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AutomationNotice, NotificationPayload } from './notification.logic';

export interface ClaimedEntry {
  id: string;
  payload: NotificationPayload | AutomationNotice;
  /** an earlier attempt was interrupted after its claim: it may have reached Slack */
  inDoubt: boolean;
  createdAt: Date;
}

export type ClaimResult =
  /** another replica is claiming for this destination right now */
  | { state: 'busy' }
  /** the destination's pacing (rate limit, Retry-After, backoff) says wait this long */
  | { state: 'wait'; inMs: number }
  | { state: 'empty' }
  | { state: 'claimed'; entries: ClaimedEntry[] };

export interface DueDestination {
  destination: string;
  /** ≤ 0: due now */
  dueInMs: number;
}

/** A notification to send, written in the transaction of the state change it announces. */
export interface OutboxEntry {
  alertId: string;
  alertEventId: string | null;
  destination: string;
  payload: NotificationPayload;
}

export interface RetryPolicy {
  maxAttempts: number;
  baseMs: number;
  maxMs: number;
}

/**
 * The notification outbox (writer: alerter; this class is its only writer). `enqueue` adds entries in
 * the caller's transaction, so a committed state change always has its notification. Entries are claimed with `FOR UPDATE SKIP LOCKED` and a
 * lease (`status = 'sending'`, a claim token, `lease_until`) committed before the HTTP call, and
 * marked by that token after Slack answered. Replicas and restarts never claim the same entry twice
 * while a lease runs; an expired lease (a crash mid-delivery) returns the entry to the queue flagged
 * `in_doubt`. The per-destination row in `notification_destination` paces every replica together.
 */
@Injectable()
export class OutboxRepository {
  private readonly knownDestinations = new Set<string>();

  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Adds entries in the caller's transaction (`em`), due at once. */
  async enqueue(em: EntityManager, entries: OutboxEntry[], now: Date): Promise<void> {
    if (entries.length === 0) return;
    await em.query(
      `INSERT INTO notification_outbox (alert_id, alert_event_id, kind, destination, payload, created_at, next_attempt_at)
       SELECT alert_id, alert_event_id, kind, destination, payload::jsonb, $6, $6
         FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[])
           AS t(alert_id, alert_event_id, kind, destination, payload)`,
      [
        entries.map((e) => e.alertId),
        entries.map((e) => e.alertEventId),
        entries.map((e) => e.payload.kind),
        entries.map((e) => e.destination),
        entries.map((e) => JSON.stringify(e.payload)),
        now,
      ],
    );
  }

  /**
   * Adds a worded notice (a daily digest) in the caller's transaction, unless one with the same advertiser and title
   * is already queued or sent (the caller holds an advisory lock on that key, so replicas take turns). True: added.
   */
  async enqueueDigestOnce(
    em: EntityManager,
    notice: AutomationNotice,
    destination: string,
    now: Date,
  ): Promise<boolean> {
    const seen = (await em.query(
      `SELECT 1 FROM notification_outbox WHERE kind = 'digest' AND payload->>'advertiserId' = $1 AND payload->>'title' = $2
        LIMIT 1`,
      [notice.advertiserId, notice.title],
    )) as unknown[];
    if (seen.length) return false;
    await em.query(
      `INSERT INTO notification_outbox (kind, destination, payload, created_at, next_attempt_at)
       VALUES ('digest', $1, $2::jsonb, $3, $3)`,
      [destination, JSON.stringify(notice), now],
    );
    return true;
  }

  /** Destinations with pending entries and when each may send next (database clock). */
  async dueDestinations(): Promise<DueDestination[]> {
    const rows = (await this.ds.query(
      `SELECT o.destination,
              (extract(epoch FROM (GREATEST(min(o.next_attempt_at), COALESCE(d.next_send_at, '-infinity'::timestamptz)) - now())) * 1000)::float8 AS due_in_ms
         FROM notification_outbox o
         LEFT JOIN notification_destination d ON d.name = o.destination
        WHERE o.status = 'pending'
        GROUP BY o.destination, d.next_send_at`,
    )) as Array<{ destination: string; due_in_ms: number }>;
    return rows.map((r) => ({ destination: r.destination, dueInMs: Math.ceil(Number(r.due_in_ms)) }));
  }

  /** Entries whose lease ran out (their sender died mid-delivery) go back to the queue, flagged in doubt. */
  async recoverExpiredLeases(): Promise<string[]> {
    const rows = (await this.ds.query(
      `UPDATE notification_outbox
          SET status = 'pending', in_doubt = true, claim_token = NULL, lease_until = NULL, next_attempt_at = now(),
              last_error = 'delivery interrupted (lease expired): sent again, may repeat an earlier message'
        WHERE status = 'sending' AND lease_until < now()
        RETURNING id`,
    )) as [Array<{ id: string }>, number];
    return rows[0].map((r) => String(r.id));
  }

  /**
   * Claims up to `max` due entries of one destination in one short transaction, if the destination's
   * pacing allows a message now, and reserves the next send slot (`minIntervalMs` later).
   */
  async claim(
    destination: string,
    max: number,
    leaseMs: number,
    minIntervalMs: number,
    token: string,
  ): Promise<ClaimResult> {
    if (!this.knownDestinations.has(destination)) {
      await this.ds.query(`INSERT INTO notification_destination (name) VALUES ($1) ON CONFLICT DO NOTHING`, [
        destination,
      ]);
      this.knownDestinations.add(destination);
    }
    return this.ds.transaction(async (em) => {
      const [pace] = (await em.query(
        `SELECT (extract(epoch FROM (next_send_at - now())) * 1000)::float8 AS wait_ms
           FROM notification_destination WHERE name = $1 FOR UPDATE SKIP LOCKED`,
        [destination],
      )) as Array<{ wait_ms: number }>;
      if (!pace) return { state: 'busy' as const };
      if (Number(pace.wait_ms) > 0) return { state: 'wait' as const, inMs: Math.ceil(Number(pace.wait_ms)) };
      const [claimed] = (await em.query(
        `WITH c AS (
           SELECT id FROM notification_outbox
            WHERE destination = $1 AND status = 'pending' AND next_attempt_at <= now()
            ORDER BY id LIMIT $2
            FOR UPDATE SKIP LOCKED
         )
         UPDATE notification_outbox o
            SET status = 'sending', claim_token = $3, lease_until = now() + $4 * interval '1 millisecond',
                attempts = o.attempts + 1, last_attempt_at = now()
           FROM c WHERE o.id = c.id
         RETURNING o.id, o.payload, o.in_doubt, o.created_at`,
        [destination, max, token, leaseMs],
      )) as [
        Array<{ id: string; payload: NotificationPayload | AutomationNotice; in_doubt: boolean; created_at: Date }>,
        number,
      ];
      if (claimed.length === 0) return { state: 'empty' as const };
      if (minIntervalMs > 0) {
        await em.query(
          `UPDATE notification_destination SET next_send_at = now() + $2 * interval '1 millisecond', updated_at = now() WHERE name = $1`,
          [destination, minIntervalMs],
        );
      }
      const entries = claimed
        .map((r) => ({ id: String(r.id), payload: r.payload, inDoubt: r.in_doubt, createdAt: r.created_at }))
        .sort((a, b) => Number(a.id) - Number(b.id));
      return { state: 'claimed' as const, entries };
    });
  }

  /** Slack answered 2xx (or the message went to the log): done. Returns how many entries still held this claim. */
  async markDelivered(
    ids: string[],
    token: string,
    status: 'sent' | 'delivered-to-log',
    httpStatus: number | null,
  ): Promise<number> {
    const [rows] = (await this.ds.query(
      `UPDATE notification_outbox
          SET status = $3, sent_at = now(), claim_token = NULL, lease_until = NULL, last_status = $4, last_error = NULL
        WHERE id = ANY($1::bigint[]) AND claim_token = $2 AND status = 'sending'
        RETURNING id`,
      [ids, token, status, httpStatus],
    )) as [unknown[], number];
    return rows.length;
  }

  /** 429: back to the queue without counting a failure; the whole destination waits for Retry-After. */
  async markRateLimited(ids: string[], token: string, destination: string, waitMs: number): Promise<void> {
    await this.ds.transaction(async (em) => {
      await em.query(
        `UPDATE notification_outbox
            SET status = 'pending', claim_token = NULL, lease_until = NULL, last_status = 429,
                next_attempt_at = now() + $3 * interval '1 millisecond',
                last_error = 'rate limited (429), retry after ' || $4 || ' ms'
          WHERE id = ANY($1::bigint[]) AND claim_token = $2`,
        [ids, token, waitMs, String(waitMs)],
      );
      await em.query(
        `UPDATE notification_destination
            SET next_send_at = GREATEST(next_send_at, now() + $2 * interval '1 millisecond'), last_status = 429,
                last_error = 'rate limited', updated_at = now()
          WHERE name = $1`,
        [destination, waitMs],
      );
    });
  }

  /**
   * A failed attempt (5xx, network, timeout): retried with exponential backoff (±20 % jitter) until
   * `maxAttempts` failures, then marked `failed` (kept, visible, retryable by command). A permanent
   * error (4xx but 429) fails at once. The destination waits for the earliest retry.
   */
  async markFailedAttempt(
    ids: string[],
    token: string,
    destination: string,
    httpStatus: number | null,
    error: string,
    policy: RetryPolicy,
    permanent: boolean,
  ): Promise<{ failed: number; retrying: number }> {
    return this.ds.transaction(async (em) => {
      const [rows] = (await em.query(
        `UPDATE notification_outbox
            SET error_count = error_count + 1,
                status = CASE WHEN $6 OR error_count + 1 >= $5 THEN 'failed' ELSE 'pending' END,
                next_attempt_at = now() + LEAST($8::float8, $7::float8 * power(2, error_count)) * (0.9 + random() * 0.2)
                                  * interval '1 millisecond',
                claim_token = NULL, lease_until = NULL, last_status = $3, last_error = $4
          WHERE id = ANY($1::bigint[]) AND claim_token = $2
          RETURNING status, next_attempt_at`,
        [ids, token, httpStatus, error, policy.maxAttempts, permanent, policy.baseMs, policy.maxMs],
      )) as [Array<{ status: string; next_attempt_at: Date }>, number];
      const retrying = rows.filter((r) => r.status === 'pending');
      const earliest = retrying.length ? new Date(Math.min(...retrying.map((r) => r.next_attempt_at.getTime()))) : null;
      await em.query(
        `UPDATE notification_destination
            SET next_send_at = GREATEST(next_send_at, COALESCE($2::timestamptz, next_send_at)),
                last_status = $3, last_error = $4, updated_at = now()
          WHERE name = $1`,
        [destination, earliest, httpStatus, error],
      );
      return { failed: rows.length - retrying.length, retrying: retrying.length };
    });
  }

  /** Puts failed entries back in the queue (all of them when `ids` is absent). */
  async requeueFailed(ids?: string[]): Promise<number> {
    const [rows] = (await this.ds.query(
      `UPDATE notification_outbox
          SET status = 'pending', error_count = 0, next_attempt_at = now(), last_error = 'requeued: ' || COALESCE(last_error, '')
        WHERE status = 'failed' AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[]))
        RETURNING id`,
      [ids ?? null],
    )) as [unknown[], number];
    return rows.length;
  }
}
