import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Guarded automation. The alerter writes rules and proposals; the connector executes queued actions at Amazon.
 *
 * - `action_rule` (writer: alerter): trigger, action and guards as validated JSON (`@ams/contracts` automation.ts),
 *   always for one advertiser. `mode` defaults to `dry_run`. Deleted rules keep their row (`deleted_at`): actions
 *   point at them.
 * - `automation_action`: one proposed change of one field of one entity: the proposal, the outbox row and the audit
 *   in one. The alerter inserts it in the transaction that judged the trigger; `decision_key` is unique, so the same
 *   trigger judged twice (two alerter replicas, a redelivered event) proposes once. The connector claims `queued`
 *   rows (`FOR UPDATE SKIP LOCKED`), moves them to `executing` before it sends, and records Amazon's answer per item.
 *   An `executing` row whose lease ran out is in doubt: it is read back from Amazon before anything is sent again.
 *   `budget_increase` (asked − before, when positive) is what the per-advertiser daily cap sums.
 * - `automation_setting` (writer: connector): the kill switch, one row.
 * - `automation_advertiser_limit` (writer: connector): `maxDailyBudgetIncrease` per advertiser.
 * - `automation_daypart` (writer: alerter): per dayparting rule and entity, the base value the multipliers apply to
 *   and the multiplier in force, so the base is restored when a window ends.
 * - `notification_outbox.action_id`: Slack messages about actions go through the existing outbox and rate limits,
 *   one per action and kind. `automation_digest`: the daily digests posted, one per advertiser and local day.
 */
export class Automation1764395000000 implements MigrationInterface {
  name = 'Automation1764395000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE action_rule (
        id bigserial PRIMARY KEY,
        name text NOT NULL,
        advertiser_id text NOT NULL,
        entity_level text NOT NULL CHECK (entity_level IN ('campaign', 'ad_group', 'keyword', 'target')),
        scope_type text NOT NULL DEFAULT 'advertiser' CHECK (scope_type IN ('advertiser', 'campaign', 'ad_group')),
        scope_id text,
        ad_products text[] NOT NULL DEFAULT '{SP,SB,SD}',
        mode text NOT NULL DEFAULT 'dry_run' CHECK (mode IN ('dry_run', 'approval', 'auto')),
        trigger jsonb NOT NULL,
        action jsonb NOT NULL,
        guards jsonb NOT NULL,
        destination text NOT NULL DEFAULT 'default',
        enabled boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX action_rule_live_idx ON action_rule (advertiser_id) WHERE deleted_at IS NULL`);

    await q.query(`
      CREATE TABLE automation_action (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('rule', 'daypart_restore', 'revert')),
        rule_id bigint REFERENCES action_rule (id),
        decision_key text NOT NULL,
        mode text NOT NULL CHECK (mode IN ('dry_run', 'approval', 'auto')),
        state text NOT NULL CHECK (state IN ('dry_run', 'pending_approval', 'queued', 'executing', 'done', 'failed',
          'rejected', 'expired', 'blocked', 'superseded')),
        advertiser_id text NOT NULL,
        profile_id text NOT NULL,
        ad_product text NOT NULL CHECK (ad_product IN ('SP', 'SB', 'SD')),
        entity_type text NOT NULL CHECK (entity_type IN ('campaign', 'ad_group', 'keyword', 'target')),
        entity_id text NOT NULL,
        entity_name text,
        campaign_id text,
        ad_group_id text,
        field text NOT NULL CHECK (field IN ('budget', 'bid', 'state')),
        value_before text NOT NULL,
        value_asked text NOT NULL,
        value_after text,
        budget_increase numeric NOT NULL DEFAULT 0,
        reason text NOT NULL,
        trigger_data jsonb NOT NULL DEFAULT '{}',
        state_reason text,
        local_date date NOT NULL,
        expires_at timestamptz,
        decided_by text,
        decided_at timestamptz,
        attempts integer NOT NULL DEFAULT 0,
        lease_until timestamptz,
        executed_at timestamptz,
        amazon_request_ids text[] NOT NULL DEFAULT '{}',
        result_code text,
        result_raw jsonb,
        reverts_action_id bigint REFERENCES automation_action (id),
        reverted_by_action_id bigint REFERENCES automation_action (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT automation_action_decision_uq UNIQUE (decision_key)
      )`);
    // the executor's queue, the guards' counts per entity and per advertiser day, the REST filters
    await q.query(`CREATE INDEX automation_action_queued_idx ON automation_action (id) WHERE state = 'queued'`);
    await q.query(
      `CREATE INDEX automation_action_executing_idx ON automation_action (lease_until) WHERE state = 'executing'`,
    );
    await q.query(
      `CREATE INDEX automation_action_pending_idx ON automation_action (expires_at) WHERE state = 'pending_approval'`,
    );
    await q.query(
      `CREATE INDEX automation_action_entity_idx ON automation_action (advertiser_id, entity_type, entity_id, created_at)`,
    );
    await q.query(`CREATE INDEX automation_action_day_idx ON automation_action (advertiser_id, local_date)`);
    await q.query(`CREATE INDEX automation_action_rule_idx ON automation_action (rule_id, id)`);

    await q.query(`
      CREATE TABLE automation_setting (
        id text PRIMARY KEY DEFAULT 'global' CHECK (id = 'global'),
        enabled boolean NOT NULL DEFAULT true,
        updated_by text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO automation_setting (id, enabled) VALUES ('global', true)`);
    await q.query(`
      CREATE TABLE automation_advertiser_limit (
        advertiser_id text PRIMARY KEY,
        max_daily_budget_increase numeric NOT NULL CHECK (max_daily_budget_increase >= 0),
        updated_by text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE automation_daypart (
        rule_id bigint NOT NULL REFERENCES action_rule (id),
        advertiser_id text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        field text NOT NULL CHECK (field IN ('budget', 'bid')),
        base_value text NOT NULL,
        multiplier text NOT NULL,
        window_key text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (rule_id, advertiser_id, entity_type, entity_id)
      )`);
    await q.query(`ALTER TABLE notification_outbox ADD COLUMN action_id bigint REFERENCES automation_action (id)`);
    // one message per action and kind, however often its settlement is redelivered
    await q.query(
      `CREATE UNIQUE INDEX notification_outbox_action_uq ON notification_outbox (action_id, kind) WHERE action_id IS NOT NULL`,
    );
    await q.query(`
      CREATE TABLE automation_digest (
        advertiser_id text NOT NULL,
        local_date date NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (advertiser_id, local_date)
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE automation_digest`);
    await q.query(`ALTER TABLE notification_outbox DROP COLUMN action_id`);
    await q.query(`DROP TABLE automation_daypart`);
    await q.query(`DROP TABLE automation_advertiser_limit`);
    await q.query(`DROP TABLE automation_setting`);
    await q.query(`DROP TABLE automation_action`);
    await q.query(`DROP TABLE action_rule`);
  }
}
