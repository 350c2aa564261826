import { Injectable } from '@nestjs/common';
import { toDecimalString } from '@ams/ams';
import {
  actionRuleProblems,
  ActionRuleCreateRequestV1,
  ActionRuleDeleteReplyV1,
  ActionRuleListReplyV1,
  ActionRuleUpdateRequestV1,
  ActionRuleV1,
  type ActionSpecV1,
  type ActionTriggerV1,
  CommandError,
  resolveGuards,
} from '@ams/contracts';
import { Destinations } from '../delivery/destinations.logic';
import { ActionRulesRepository, type ActionRuleDraftRow } from './action-rules.repository';

/** Canonical decimals in a rule's JSON, so stored rules compare and print the same way. */
function canonicalTrigger(t: ActionTriggerV1): ActionTriggerV1 {
  const cond = (c: NonNullable<ActionTriggerV1['condition']>) => ({
    ...c,
    threshold: toDecimalString(c.threshold),
    ...(c.minSpend !== undefined ? { minSpend: toDecimalString(c.minSpend) } : {}),
  });
  return {
    type: t.type,
    ...(t.condition ? { condition: cond(t.condition) } : {}),
    ...(t.usageAtLeast !== undefined ? { usageAtLeast: toDecimalString(t.usageAtLeast) } : {}),
    ...(t.beforeLocalHour !== undefined ? { beforeLocalHour: t.beforeLocalHour } : {}),
    ...(t.minSalesLost !== undefined ? { minSalesLost: toDecimalString(t.minSalesLost) } : {}),
    ...(t.also?.length ? { also: t.also.map(cond) } : {}),
  };
}

function canonicalAction(a: ActionSpecV1): ActionSpecV1 {
  return {
    type: a.type,
    ...(a.value !== undefined ? { value: toDecimalString(a.value) } : {}),
    ...(a.percent !== undefined ? { percent: toDecimalString(a.percent) } : {}),
    ...(a.state !== undefined ? { state: a.state } : {}),
    ...(a.windows ? { windows: a.windows.map((w) => ({ ...w, multiplier: toDecimalString(w.multiplier) })) } : {}),
  };
}

/** A create request as the row it becomes (canonical decimals, defaults, resolved guards). */
export function actionRuleDraft(req: ActionRuleCreateRequestV1): ActionRuleDraftRow {
  return {
    name: req.name.trim(),
    advertiserId: req.advertiserId,
    entityLevel: req.entityLevel,
    scopeType: req.scopeType ?? 'advertiser',
    scopeId: req.scopeId ?? null,
    adProducts: req.adProducts ? [...new Set(req.adProducts)] : ['SP', 'SB', 'SD'],
    mode: req.mode ?? 'dry_run',
    trigger: canonicalTrigger(req.trigger),
    action: canonicalAction(req.action),
    guards: resolveGuards(req.guards, req.action),
    destination: req.destination ?? 'default',
    enabled: req.enabled ?? true,
  };
}

/** Action rules: create, update, delete and list for the commands (VALIDATION errors name the field). */
@Injectable()
export class ActionRulesService {
  constructor(
    private readonly rules: ActionRulesRepository,
    private readonly destinations: Destinations,
  ) {}

  async create(req: ActionRuleCreateRequestV1): Promise<ActionRuleV1> {
    const draft = actionRuleDraft(req);
    this.check(draft, req.guards);
    return this.rules.insert(draft);
  }

  async update(req: ActionRuleUpdateRequestV1): Promise<ActionRuleV1> {
    const current = await this.rules.get(req.id);
    if (!current) throw new CommandError('NOT_FOUND', `action rule ${req.id} does not exist`);
    const action = req.action ? canonicalAction(req.action) : current.action;
    const draft: ActionRuleDraftRow = {
      name: req.name?.trim() ?? current.name,
      advertiserId: current.advertiserId,
      entityLevel: current.entityLevel,
      scopeType: req.scopeType ?? current.scopeType,
      scopeId: req.scopeId !== undefined ? req.scopeId : current.scopeId,
      adProducts: req.adProducts ? [...new Set(req.adProducts)] : current.adProducts,
      mode: req.mode ?? current.mode,
      trigger: req.trigger ? canonicalTrigger(req.trigger) : current.trigger,
      action,
      guards: req.guards ? resolveGuards({ ...current.guards, ...req.guards }, action) : current.guards,
      destination: req.destination ?? current.destination,
      enabled: req.enabled ?? current.enabled,
    };
    this.check(draft, draft.guards);
    const updated = await this.rules.update(req.id, draft);
    if (!updated) throw new CommandError('NOT_FOUND', `action rule ${req.id} does not exist`);
    return updated;
  }

  async remove(id: string): Promise<ActionRuleDeleteReplyV1> {
    if (!(await this.rules.remove(id))) throw new CommandError('NOT_FOUND', `action rule ${id} does not exist`);
    return { id, deleted: true };
  }

  async list(advertiserId?: string): Promise<ActionRuleListReplyV1> {
    return { rules: await this.rules.list(advertiserId) };
  }

  private check(d: ActionRuleDraftRow, guards: ActionRuleCreateRequestV1['guards']): void {
    const problems = actionRuleProblems({ ...d, guards: guards ?? undefined });
    if (!this.destinations.names().has(d.destination)) {
      problems.push(`destination: "${d.destination}" is not a configured destination`);
    }
    if (problems.length) throw new CommandError('VALIDATION', problems.join('; '));
  }
}
