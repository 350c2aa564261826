import { loadConfig } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { testRuleDraft } from '../testing/rule.fixture';
import { defaultRules, describeCondition, type RuleDraft, ruleProblems } from './rule.logic';

const destinations = new Set(['default', 'ops']);
const base: RuleDraft = testRuleDraft();

describe('rules', () => {
  it('accepts a consistent rule and names every problem of an inconsistent one', () => {
    expect(ruleProblems(base, destinations)).toEqual([]);
    const problems = ruleProblems(
      {
        ...base,
        metric: 'spend',
        condition: 'increase_pct',
        settlingHours: 5,
        scopeType: 'keyword',
        destination: 'nope',
      },
      destinations,
    );
    expect(problems.join('\n')).toMatch(/baseline: required/);
    expect(problems.join('\n')).toMatch(/settlingHours/);
    expect(problems.join('\n')).toMatch(/scopeType/);
    expect(problems.join('\n')).toMatch(/scopeId: required/);
    expect(problems.join('\n')).toMatch(/destination: "nope"/);
    expect(ruleProblems({ ...base, metric: 'budget_usage', entityLevel: 'keyword' }, destinations).join('\n')).toMatch(
      /entityLevel.*\n.*windowHours/s,
    );
  });

  it('builds the default rules from the environment', () => {
    const env = loadConfig('alerter', AlerterEnv, { ALERT_ACOS_MAX_PCT: '25', ALERT_ROAS_MIN: '3.5' });
    const rules = defaultRules(env);
    expect(rules.map((r) => `${r.defaultKey} ${describeCondition(r)}`)).toEqual([
      'ctr-drop CTR down > 20 % vs previous window',
      'spend-spike Spend up > 50 % vs previous window',
      'acos-high ACOS > 25 %',
      'roas-low ROAS < 3.5',
      'budget-warning-campaign Budget usage ≥ 90 %',
      'budget-out-campaign Budget usage ≥ 100 %',
      'budget-warning-portfolio Budget usage ≥ 90 %',
      'budget-out-portfolio Budget usage ≥ 100 %',
      'pipeline-dead-letters Dead-letter messages > 0',
      'pipeline-queue-age Oldest message age > 900 s',
    ]);
    for (const r of rules) expect(ruleProblems(r, destinations)).toEqual([]);
  });
});
