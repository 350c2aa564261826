import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The alerter's tables (writer: alerter only): rules, alerts with their history, the notification
 * outbox written in the same transaction as each state change, and the per-destination send pacing
 * that keeps every replica under Slack's ~1 message/s per webhook.
 */
export class Alerting1764391700000 implements MigrationInterface {
  name = 'Alerting1764391700000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE alert_rule (
        id bigserial PRIMARY KEY,
        default_key text UNIQUE,
        name text NOT NULL,
        metric text NOT NULL,
        condition text NOT NULL,
        threshold numeric NOT NULL,
        baseline text,
        window_hours integer,
        entity_level text NOT NULL,
        scope_type text NOT NULL DEFAULT 'all',
        scope_id text,
        min_impressions bigint NOT NULL DEFAULT 0,
        min_clicks bigint NOT NULL DEFAULT 0,
        min_spend numeric NOT NULL DEFAULT 0,
        settling_hours integer NOT NULL DEFAULT 0,
        severity text NOT NULL DEFAULT 'warning',
        destination text NOT NULL DEFAULT 'default',
        repeat_interval_minutes integer NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        customized boolean NOT NULL DEFAULT false,
        deleted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);

    // One row per identity: rule + entity (+ window for window-based rules; '' otherwise).
    await q.query(`
      CREATE TABLE alert (
        id bigserial PRIMARY KEY,
        advertiser_id text NOT NULL,
        rule_id bigint NOT NULL REFERENCES alert_rule (id),
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        campaign_id text,
        window_key text NOT NULL DEFAULT '',
        window_start timestamptz,
        window_end timestamptz,
        state text NOT NULL,
        acknowledged boolean NOT NULL DEFAULT false,
        acknowledged_at timestamptz,
        acknowledged_by text,
        snoozed_until timestamptz,
        last_value numeric,
        last_baseline numeric,
        last_change_pct numeric,
        threshold numeric NOT NULL,
        last_details jsonb NOT NULL DEFAULT '{}'::jsonb,
        fired_at timestamptz NOT NULL,
        resolved_at timestamptz,
        last_evaluated_at timestamptz NOT NULL DEFAULT now(),
        last_notified_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT alert_identity_uq UNIQUE (advertiser_id, rule_id, entity_type, entity_id, window_key)
      )`);
    await q.query(`CREATE INDEX alert_state_idx ON alert (state, fired_at DESC)`);
    await q.query(`CREATE INDEX alert_rule_idx ON alert (rule_id)`);

    // History: every state change (and reminder) with its time and values.
    await q.query(`
      CREATE TABLE alert_event (
        id bigserial PRIMARY KEY,
        alert_id bigint NOT NULL REFERENCES alert (id),
        advertiser_id text NOT NULL,
        rule_id bigint NOT NULL,
        type text NOT NULL,
        at timestamptz NOT NULL DEFAULT now(),
        value numeric,
        baseline numeric,
        change_pct numeric,
        threshold numeric,
        details jsonb NOT NULL DEFAULT '{}'::jsonb
      )`);
    await q.query(`CREATE INDEX alert_event_alert_idx ON alert_event (alert_id, at)`);

    // Notifications to deliver, written in the transaction of the state change they announce.
    await q.query(`
      CREATE TABLE notification_outbox (
        id bigserial PRIMARY KEY,
        alert_id bigint REFERENCES alert (id),
        alert_event_id bigint REFERENCES alert_event (id),
        kind text NOT NULL,
        destination text NOT NULL,
        payload jsonb NOT NULL,
        status text NOT NULL DEFAULT 'pending',
        attempts integer NOT NULL DEFAULT 0,
        error_count integer NOT NULL DEFAULT 0,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        last_attempt_at timestamptz,
        last_status integer,
        last_error text,
        claim_token uuid,
        lease_until timestamptz,
        in_doubt boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        CONSTRAINT notification_outbox_status_ck
          CHECK (status IN ('pending', 'sending', 'sent', 'delivered-to-log', 'failed'))
      )`);
    await q.query(
      `CREATE INDEX notification_outbox_due_idx ON notification_outbox (destination, next_attempt_at, id) WHERE status = 'pending'`,
    );
    await q.query(
      `CREATE INDEX notification_outbox_lease_idx ON notification_outbox (lease_until) WHERE status = 'sending'`,
    );
    await q.query(`CREATE INDEX notification_outbox_failed_idx ON notification_outbox (id) WHERE status = 'failed'`);

    // Send pacing per destination, shared by every replica (rate limit, Retry-After, backoff).
    await q.query(`
      CREATE TABLE notification_destination (
        name text PRIMARY KEY,
        next_send_at timestamptz NOT NULL DEFAULT now(),
        last_status integer,
        last_error text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const t of ['notification_destination', 'notification_outbox', 'alert_event', 'alert', 'alert_rule']) {
      await q.query(`DROP TABLE IF EXISTS ${t}`);
    }
  }
}
