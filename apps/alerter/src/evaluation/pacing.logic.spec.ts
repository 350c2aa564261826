import type { PacingProjection } from '@ams/forecast';
import { loadConfig } from '@ams/platform';
import { AlerterEnv } from '../config/alerter.env';
import { defaultRules, ruleProblems } from '../rules/rule.logic';
import { testRuleDraft } from '../testing/rule.fixture';
import { judgePacing } from './condition.logic';
import { pacingFacts } from './pacing.logic';

const destinations = new Set(['default']);
const projection = (p50: number | null, over: Partial<PacingProjection> = {}): PacingProjection => ({
  label: p50 === null ? 'on_track' : 'overpacing',
  budget: '100.00',
  spentSoFar: '60.00',
  projected: [],
  daySpend: { p10: '90.00', p50: '100.00', p90: '100.00' },
  exhaustion: { p10: p50 === null ? null : p50 - 1, p50, p90: p50 === null ? null : p50 + 1.5 },
  exhausted: false,
  ...over,
});
const rule = { condition: 'below' as const, threshold: '21', minSpend: '10' };

describe('projected_out_of_budget_before', () => {
  it('fires when the P50 exhaustion is before the threshold hour, not at or after it, not when it lasts the day', () => {
    expect(judgePacing(rule, projection(13.25))).toMatchObject({ status: 'breach', value: '13.25' });
    expect(judgePacing(rule, projection(21))).toMatchObject({ status: 'ok', value: '21' });
    expect(judgePacing(rule, projection(22.5))).toMatchObject({ status: 'ok' });
    expect(judgePacing(rule, projection(null))).toMatchObject({ status: 'ok', value: null });
  });

  it('is not judged below the minimum spend so far or without a forecast', () => {
    expect(judgePacing(rule, projection(9, { spentSoFar: '9.99' }))).toMatchObject({ status: 'insufficient' });
    expect(judgePacing(rule, null)).toMatchObject({
      status: 'insufficient',
      note: expect.stringMatching(/no forecast/),
    });
  });

  it('says the projected time and its P10–P90 interval', () => {
    expect(pacingFacts({ projection: projection(13.25) })).toEqual([
      { label: 'Projected out of budget', value: '13:15 local (P10–P90 12:15–14:45)' },
      { label: 'Spent', value: '60.00 of 100.00 (60 %)' },
      { label: 'Pacing', value: 'overpacing' },
    ]);
    expect(pacingFacts({ projection: projection(13, { exhausted: true }) })[0]).toEqual({
      label: 'Ran out at',
      value: '13:00 (local)',
    });
  });

  it('validates rules: campaign level, below, no window, a local hour 1–24', () => {
    const draft = {
      ...testRuleDraft(),
      metric: 'projected_out_of_budget_before' as const,
      condition: 'below' as const,
      threshold: '21',
      windowHours: null,
      entityLevel: 'campaign' as const,
    };
    expect(ruleProblems(draft, destinations)).toEqual([]);
    const problems = ruleProblems(
      { ...draft, entityLevel: 'portfolio', condition: 'above', windowHours: 24, threshold: '25' },
      destinations,
    ).join('\n');
    for (const field of ['entityLevel', 'condition', 'windowHours', 'threshold']) expect(problems).toContain(field);
  });

  it('is a default rule from ALERT_PACING_HOURS_BEFORE_END with the minimum spend', () => {
    const env = loadConfig('alerter', AlerterEnv, { ALERT_PACING_HOURS_BEFORE_END: '5' });
    const r = defaultRules(env).find((x) => x.defaultKey === 'budget-pacing-campaign');
    expect(r).toMatchObject({
      metric: 'projected_out_of_budget_before',
      condition: 'below',
      threshold: '19',
      minSpend: '10',
    });
    expect(r?.name).toContain('5 h before the day ends');
  });
});
