import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { toDecimalString } from '@ams/ams';
import {
  AlertRuleCreateRequestV1,
  AlertRuleDeleteReplyV1,
  AlertRuleListReplyV1,
  AlertRuleUpdateRequestV1,
  AlertRuleV1,
  CommandError,
  CONVERSION_ALERT_METRICS,
} from '@ams/contracts';
import { AlerterEnv } from '../config/alerter.env';
import { Destinations } from '../delivery/destinations.logic';
import { defaultRules, RuleDraft, ruleProblems } from './rule.logic';
import { RulesRepository, toRuleV1 } from './rules.repository';

/** Rules: the defaults from the environment at start, and create/update/delete/list for the commands. */
@Injectable()
export class RulesService implements OnModuleInit {
  private readonly logger = new Logger(RulesService.name);

  constructor(
    private readonly env: AlerterEnv,
    private readonly rules: RulesRepository,
    private readonly destinations: Destinations,
  ) {}

  async onModuleInit(): Promise<void> {
    if (!this.env.ALERT_DEFAULT_RULES) return;
    const { created, updated } = await this.rules.upsertDefaults(defaultRules(this.env));
    if (created || updated) this.logger.log({ created, updated }, 'default alert rules in place');
  }

  async create(req: AlertRuleCreateRequestV1): Promise<AlertRuleV1> {
    const draft: RuleDraft = {
      defaultKey: null,
      name: req.name.trim(),
      metric: req.metric,
      condition: req.condition,
      threshold: toDecimalString(req.threshold),
      baseline: req.baseline ?? null,
      windowHours: req.windowHours ?? null,
      entityLevel: req.entityLevel,
      scopeType: req.scopeType ?? 'all',
      scopeId: req.scopeId ?? null,
      minImpressions: req.minImpressions ?? 0,
      minClicks: req.minClicks ?? 0,
      minSpend: toDecimalString(req.minSpend ?? '0'),
      settlingHours:
        req.settlingHours ?? (CONVERSION_ALERT_METRICS.includes(req.metric) ? this.env.ALERT_SETTLING_HOURS : 0),
      severity: req.severity ?? 'warning',
      destination: req.destination ?? 'default',
      repeatIntervalMinutes: req.repeatIntervalMinutes ?? this.env.ALERT_REPEAT_INTERVAL_MINUTES,
      enabled: req.enabled ?? true,
    };
    this.check(draft);
    return toRuleV1(await this.rules.insert(draft));
  }

  async update(req: AlertRuleUpdateRequestV1): Promise<AlertRuleV1> {
    return this.rules.transaction(async (em) => {
      const current = await this.rules.lockLive(em, req.id);
      if (!current) throw new CommandError('NOT_FOUND', `rule ${req.id} not found`);
      const has = (k: keyof AlertRuleUpdateRequestV1) =>
        Object.prototype.hasOwnProperty.call(req, k) && req[k] !== undefined;
      const draft: RuleDraft = {
        defaultKey: current.defaultKey,
        name: has('name') ? (req.name as string).trim() : current.name,
        metric: current.metric,
        condition: req.condition ?? current.condition,
        threshold: has('threshold') ? toDecimalString(req.threshold as string) : current.threshold,
        baseline: has('baseline') ? (req.baseline ?? null) : current.baseline,
        windowHours: has('windowHours') ? (req.windowHours ?? null) : current.windowHours,
        entityLevel: current.entityLevel,
        scopeType: req.scopeType ?? current.scopeType,
        scopeId: has('scopeId') ? (req.scopeId ?? null) : req.scopeType === 'all' ? null : current.scopeId,
        minImpressions: req.minImpressions ?? current.minImpressions,
        minClicks: req.minClicks ?? current.minClicks,
        minSpend: has('minSpend') ? toDecimalString(req.minSpend as string) : current.minSpend,
        settlingHours: req.settlingHours ?? current.settlingHours,
        severity: req.severity ?? current.severity,
        destination: req.destination ?? current.destination,
        repeatIntervalMinutes: req.repeatIntervalMinutes ?? current.repeatIntervalMinutes,
        enabled: req.enabled ?? current.enabled,
      };
      this.check(draft);
      // a default rule edited by a user keeps its values: the environment no longer overwrites them
      return toRuleV1(await this.rules.update(em, req.id, draft, current.customized || current.defaultKey !== null));
    });
  }

  async remove(id: string): Promise<AlertRuleDeleteReplyV1> {
    if (!(await this.rules.softDelete(id))) throw new CommandError('NOT_FOUND', `rule ${id} not found`);
    return { id, deleted: true };
  }

  async list(includeDisabled: boolean): Promise<AlertRuleListReplyV1> {
    return { rules: (await this.rules.list(includeDisabled)).map(toRuleV1) };
  }

  private check(draft: RuleDraft): void {
    const problems = ruleProblems(draft, this.destinations.names());
    if (problems.length) throw new CommandError('VALIDATION', problems.join('; '));
  }
}
