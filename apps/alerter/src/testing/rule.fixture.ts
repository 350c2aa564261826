import type { AlertRule, RuleDraft } from '../rules/rule.logic';

/** A consistent rule draft for unit specs (campaign spend above 100 over 24 h, all campaigns); override what a test varies. */
export function testRuleDraft(over: Partial<RuleDraft> = {}): RuleDraft {
  return {
    defaultKey: null,
    name: 'r',
    metric: 'spend',
    condition: 'above',
    threshold: '100',
    baseline: null,
    windowHours: 24,
    entityLevel: 'campaign',
    scopeType: 'all',
    scopeId: null,
    minImpressions: 0,
    minClicks: 0,
    minSpend: '0',
    settlingHours: 0,
    severity: 'warning',
    destination: 'default',
    repeatIntervalMinutes: 60,
    enabled: true,
    ...over,
  };
}

/** The same as a stored rule (id 1, not customized). */
export function testRule(over: Partial<AlertRule> = {}): AlertRule {
  return { ...testRuleDraft(), id: '1', customized: false, ...over };
}
