import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import {
  ACTION_APPROVE,
  ACTION_REJECT,
  ACTION_REVERT,
  ACTIONS_SETTLED,
  type ActionDecisionRequestV1,
  type ActionV1,
  AUTOMATION_SET,
  budgetIncrease,
  CommandError,
  describeChange,
  localWeekHour,
} from '@ams/contracts';
import { JetStreamService } from '@ams/platform';
import { commandErrorOf, describeFailure } from '../connection/ads-errors.logic';
import { ActionExecutorService } from './action-executor.service';
import { currentValue, sameValue } from './action-plan.logic';
import { ActionsRepository, updatedRows } from './actions.repository';
import { AutomationSettingsRepository } from './automation-settings.repository';
import { EntityWritersService } from './entity-writers.service';

const FIELD_WORD = { budget: 'budget', bid: 'bid', state: 'state' } as const;
/** A revert in one of these states stands (a second one is refused); one that ended otherwise may be asked again. */
const LIVE_REVERT_STATES = ['pending_approval', 'queued', 'executing', 'done'];

/**
 * The operator's decisions on actions and the automation settings (NATS request/reply; requests arrive validated).
 * Approve and reject act on `pending_approval` only; revert on a `done` action whose value Amazon still reports;
 * otherwise CONFLICT naming why. Replies are the action as `ActionV1` (the same mapping the api reads).
 */
@Injectable()
export class AutomationCommandsController implements OnModuleInit {
  private readonly logger = new Logger('AutomationCommands');

  constructor(
    private readonly messaging: JetStreamService,
    private readonly repo: ActionsRepository,
    private readonly settings: AutomationSettingsRepository,
    private readonly writers: EntityWritersService,
    private readonly executor: ActionExecutorService,
  ) {}

  onModuleInit(): void {
    this.messaging.reply(ACTION_APPROVE, (req) => this.approve(req));
    this.messaging.reply(ACTION_REJECT, (req) => this.reject(req));
    this.messaging.reply(ACTION_REVERT, async (req) => {
      try {
        return await this.revert(req);
      } catch (err) {
        throw commandErrorOf(err);
      }
    });
    this.messaging.reply(AUTOMATION_SET, (req) => this.settings.set(req));
  }

  async approve(req: ActionDecisionRequestV1): Promise<ActionV1> {
    const rows = updatedRows<{ id: string }>(
      await this.repo.manager.query(
        `UPDATE automation_action
          SET state = 'queued', decided_by = $2, decided_at = now(), updated_at = now(),
              state_reason = COALESCE($3, state_reason)
        WHERE id = $1::bigint AND state = 'pending_approval' AND (expires_at IS NULL OR expires_at >= now())
        RETURNING id::text AS id`,
        [req.id, req.by, req.note ? `approved by ${req.by}: ${req.note}` : null],
      ),
    );
    if (!rows.length) throw await this.refusal(req.id, 'approved');
    // the reply is the action as decided (queued); the executor may take it the moment it is kicked
    const reply = await this.view(req.id);
    this.executor.kick();
    return reply;
  }

  async reject(req: ActionDecisionRequestV1): Promise<ActionV1> {
    const rows = updatedRows<{ id: string }>(
      await this.repo.manager.query(
        `UPDATE automation_action
          SET state = 'rejected', decided_by = $2, decided_at = now(), updated_at = now(), state_reason = $3
        WHERE id = $1::bigint AND state = 'pending_approval'
        RETURNING id::text AS id`,
        [req.id, req.by, `rejected by ${req.by}${req.note ? `: ${req.note}` : ''}`],
      ),
    );
    if (!rows.length) throw await this.refusal(req.id, 'rejected');
    await this.messaging
      .publish(ACTIONS_SETTLED, { actionIds: [req.id], emittedAt: new Date().toISOString() })
      .catch((err: unknown) => this.logger.warn({ error: describeFailure(err) }, 'ACTIONS_SETTLED not published'));
    return this.view(req.id);
  }

  /**
   * Restores the value before a done action: only when Amazon still reports the value the action set (else it
   * changed since and a revert would overwrite someone's edit), once. Queues a `revert` action (mode auto) for the
   * executor, which still obeys the kill switch and the connection.
   */
  async revert(req: ActionDecisionRequestV1): Promise<ActionV1> {
    const original = await this.repo.view(req.id);
    if (!original) throw new CommandError('NOT_FOUND', `action #${req.id} does not exist`);
    if (original.state !== 'done') {
      throw new CommandError('CONFLICT', `action #${req.id} is ${original.state}: only a done action can be reverted`);
    }
    const field = original.field;
    const done = original.valueAfter ?? original.valueAsked;
    const prior = await this.liveRevert(req.id);
    if (prior) {
      throw new CommandError(
        'CONFLICT',
        `action #${req.id} is already reverted by action #${prior.id} (${prior.state})`,
      );
    }
    const [profile] = [...(await this.repo.profiles([original.profileId])).values()];
    if (!profile)
      throw new CommandError('NOT_FOUND', `profile ${original.profileId} is not known (run a profiles sync)`);
    const [snapshot] = await this.writers
      .forRegion(profile.region)
      .read(original.profileId, original.adProduct, original.entityType, [original.entityId]);
    const now = snapshot?.found ? currentValue(field, snapshot) : null;
    if (now === null) {
      throw new CommandError('CONFLICT', `the ${original.entityType} no longer exists at Amazon; not reverted`);
    }
    if (!sameValue(field, now, done)) {
      throw new CommandError(
        'CONFLICT',
        `the ${FIELD_WORD[field]} is now ${now}, not the ${done} this action set: it changed since; not reverted`,
      );
    }
    const id = await this.repo.manager.transaction(async (em) => {
      // one revert at a time per action: the original's row lock orders concurrent requests
      await em.query(`SELECT id FROM automation_action WHERE id = $1::bigint FOR UPDATE`, [req.id]);
      const again = await this.liveRevert(req.id, em);
      if (again) {
        throw new CommandError(
          'CONFLICT',
          `action #${req.id} is already reverted by action #${again.id} (${again.state})`,
        );
      }
      const [{ n }]: { n: number }[] = await em.query(
        `SELECT count(*)::int AS n FROM automation_action WHERE reverts_action_id = $1::bigint`,
        [req.id],
      );
      const reason =
        `revert action #${req.id}: ` +
        describeChange(original.entityType, original.entityName, original.entityId, field, done, original.valueBefore);
      const rows: { id: string }[] = await em.query(
        `INSERT INTO automation_action (kind, rule_id, decision_key, mode, state, advertiser_id, profile_id,
           ad_product, entity_type, entity_id, entity_name, campaign_id, ad_group_id, field, value_before,
           value_asked, budget_increase, reason, trigger_data, local_date, decided_by, decided_at, reverts_action_id)
         SELECT 'revert', rule_id, $2, 'auto', 'queued', advertiser_id, profile_id, ad_product, entity_type,
           entity_id, entity_name, campaign_id, ad_group_id, field, $3, value_before, $4::numeric, $5,
           jsonb_build_object('revertOf', id::text, 'note', $6::text), $7::date, $8, now(), id
           FROM automation_action WHERE id = $1::bigint
         RETURNING id::text AS id`,
        [
          req.id,
          n === 0 ? `revert:${req.id}` : `revert:${req.id}:${n + 1}`,
          done,
          budgetIncrease(field, done, original.valueBefore),
          reason,
          req.note ?? null,
          localWeekHour(new Date(), profile.timeZone).date,
          req.by,
        ],
      );
      return rows[0].id;
    });
    const reply = await this.view(id);
    this.executor.kick();
    return reply;
  }

  private async liveRevert(id: string, em = this.repo.manager): Promise<{ id: string; state: string } | undefined> {
    const rows: { id: string; state: string }[] = await em.query(
      `SELECT id::text AS id, state FROM automation_action
        WHERE reverts_action_id = $1::bigint AND state = ANY($2) ORDER BY automation_action.id LIMIT 1`,
      [id, LIVE_REVERT_STATES],
    );
    return rows[0];
  }

  private async view(id: string): Promise<ActionV1> {
    const v = await this.repo.view(id);
    if (!v) throw new CommandError('NOT_FOUND', `action #${id} does not exist`);
    return v;
  }

  /** NOT_FOUND, or CONFLICT naming the state the action is in (or when it expired). */
  private async refusal(id: string, verb: string): Promise<CommandError> {
    const v = await this.repo.view(id);
    if (!v) return new CommandError('NOT_FOUND', `action #${id} does not exist`);
    if (v.state === 'pending_approval' && v.expiresAt) {
      return new CommandError('CONFLICT', `action #${id} expired at ${v.expiresAt}: it can no longer be ${verb}`);
    }
    return new CommandError('CONFLICT', `action #${id} is ${v.state}, not pending_approval: it cannot be ${verb}`);
  }
}
