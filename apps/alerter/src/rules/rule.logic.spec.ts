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
    const env = loadConfig('alerter', AlerterEnv, {
      ALERT_ACOS_MAX_PCT: '25',
      ALERT_ROAS_MIN: '3.5',
      ADS_PENDING_ALERT_HOURS: '12',
    });
    const rules = defaultRules(env);
    expect(rules.filter((r) => r.defaultKey?.startsWith('ads-')).map((r) => [r.entityLevel, r.severity])).toEqual([
      ['subscription', 'critical'],
      ['subscription', 'warning'],
      ['subscription', 'warning'],
      ['connection', 'critical'],
    ]);
    expect(rules.map((r) => `${r.defaultKey} ${describeCondition(r)}`)).toEqual([
      'ctr-drop CTR down > 20 % vs previous window',
      'spend-spike Spend up > 50 % vs previous window',
      'acos-high ACOS > 25 %',
      'roas-low ROAS < 3.5',
      'budget-warning-campaign Budget usage ≥ 90 %',
      'budget-out-campaign Budget usage ≥ 100 %',
      'budget-warning-portfolio Budget usage ≥ 90 %',
      'budget-out-portfolio Budget usage ≥ 100 %',
      'budget-pacing-campaign Projected out of budget at < 21:00',
      'pipeline-dead-letters Dead-letter messages > 0',
      'pipeline-queue-age Oldest message age > 900 s',
      'ads-subscription-failed Hours failed ≥ 0 h',
      'ads-subscription-pending Hours pending confirmation > 12 h',
      'ads-stale-data Hours without data > 6 h',
      'ads-reauthorization Re-authorisation needed > no',
    ]);
    for (const r of rules) expect(ruleProblems(r, destinations)).toEqual([]);
  });

  it('keeps the pipeline-health rules honest: their level, a threshold condition, no window, a flag that can fire', () => {
    const health = (over: Partial<RuleDraft>): string =>
      ruleProblems(
        {
          ...base,
          metric: 'subscription_pending_hours',
          condition: 'above',
          threshold: '6',
          windowHours: null,
          entityLevel: 'subscription',
          ...over,
        },
        destinations,
      ).join('\n');
    expect(health({})).toBe('');
    expect(health({ scopeType: 'advertiser', scopeId: 'ADV' })).toBe('');
    expect(health({ entityLevel: 'campaign' })).toMatch(
      /^entityLevel: .*Marketing Stream subscriptions \(subscription\)/m,
    );
    expect(health({ windowHours: 24 })).toMatch(/^windowHours: .*take no window/m);
    expect(health({ condition: 'below' })).toMatch(/^condition: .*above or at_least/m);
    expect(health({ condition: 'increase_pct', baseline: 'previous' })).toMatch(/^condition: .*not a baseline/m);
    expect(health({ threshold: '-1' })).toMatch(/^threshold: must not be negative/m);
    expect(health({ scopeType: 'campaign', scopeId: '1' })).toMatch(
      /^scopeType: a subscription rule may be scoped to all, advertiser/m,
    );
    expect(health({ metric: 'ads_reauthorization_needed', entityLevel: 'connection', threshold: '0' })).toBe('');
    expect(health({ metric: 'ads_reauthorization_needed', entityLevel: 'connection', threshold: '1' })).toMatch(
      /^threshold: ads_reauthorization_needed is 1 or 0/m,
    );
    expect(
      health({
        metric: 'ads_reauthorization_needed',
        entityLevel: 'connection',
        condition: 'at_least',
        threshold: '0',
      }),
    ).toMatch(/^threshold: .*must fire on 1 and not on 0/m);
    expect(health({ metric: 'ads_reauthorization_needed', entityLevel: 'subscription', threshold: '0' })).toMatch(
      /^entityLevel: .*\(connection\)/m,
    );
    // a performance metric at a pipeline-health level
    expect(health({ metric: 'ctr', windowHours: 24 })).toMatch(
      /^entityLevel: subscription is for pipeline-health metrics only \(subscription_failed_hours, subscription_pending_hours, dataset_stale_hours\)/m,
    );
  });
});
