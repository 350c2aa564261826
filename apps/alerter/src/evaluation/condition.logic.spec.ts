import { describeCondition, ruleProblems } from '../rules/rule.logic';
import { testRuleDraft } from '../testing/rule.fixture';
import { judgeBand, judgeBudget, judgeWindow, metricValue, type WindowParts } from './condition.logic';
import { bandFacts } from './pacing.logic';

const parts = (p: Partial<WindowParts>): WindowParts => ({
  impressions: '0',
  clicks: '0',
  cost: '0',
  orders: '0',
  sales: '0',
  ...p,
});
const rule = {
  minImpressions: 0,
  minClicks: 0,
  minSpend: '0',
};

describe('judging a window', () => {
  it('computes ratios from summed parts, in the rule unit', () => {
    const p = parts({ impressions: '397', clicks: '6', cost: '5.94', orders: '2', sales: '54.98' });
    expect(metricValue('ctr', p)).toBe('1.5113');
    expect(metricValue('cpc', p)).toBe('0.99');
    expect(metricValue('acos', p)).toBe('10.8039');
    expect(metricValue('roas', p)).toBe('9.255892');
    expect(metricValue('spend', p)).toBe('5.94');
    expect(metricValue('cvr', parts({ clicks: '0' }))).toBeNull();
  });

  it('compares with a threshold, exactly', () => {
    const acos = { ...rule, metric: 'acos' as const, condition: 'above' as const, threshold: '30' };
    expect(judgeWindow(acos, parts({ cost: '30', sales: '100' })).status).toBe('ok'); // exactly 30 % is not above
    expect(judgeWindow(acos, parts({ cost: '30.01', sales: '100' })).status).toBe('breach');
    expect(judgeWindow({ ...acos, condition: 'at_least' }, parts({ cost: '30', sales: '100' })).status).toBe('breach');
    const roas = { ...rule, metric: 'roas' as const, condition: 'below' as const, threshold: '2' };
    expect(judgeWindow(roas, parts({ cost: '50', sales: '99.99' })).status).toBe('breach');
  });

  it('treats spend without sales as an infinite ACOS, and a zero denominator otherwise as not judged', () => {
    const acos = { ...rule, metric: 'acos' as const, condition: 'above' as const, threshold: '30' };
    expect(judgeWindow(acos, parts({ cost: '12' }))).toMatchObject({
      status: 'breach',
      value: null,
      note: 'spend but no sales',
    });
    expect(judgeWindow(acos, parts({})).status).toBe('insufficient');
  });

  it('does not judge below the minimum volume, in the window or its baseline', () => {
    const ctr = {
      ...rule,
      metric: 'ctr' as const,
      condition: 'decrease_pct' as const,
      threshold: '20',
      minImpressions: 1000,
    };
    const base = parts({ impressions: '10000', clicks: '200' });
    expect(judgeWindow(ctr, parts({ impressions: '999', clicks: '1' }), base)).toMatchObject({
      status: 'insufficient',
      note: 'below the minimum volume',
    });
    expect(
      judgeWindow(ctr, parts({ impressions: '5000', clicks: '10' }), parts({ impressions: '10', clicks: '1' })).status,
    ).toBe('insufficient');
  });

  it('measures change against the baseline in percent', () => {
    const ctr = { ...rule, metric: 'ctr' as const, condition: 'decrease_pct' as const, threshold: '20' };
    const base = parts({ impressions: '10000', clicks: '200' });
    expect(judgeWindow(ctr, parts({ impressions: '10000', clicks: '150' }), base)).toMatchObject({
      status: 'breach',
      changePct: '-25',
      baseline: '2',
    });
    expect(judgeWindow(ctr, parts({ impressions: '10000', clicks: '160' }), base).status).toBe('ok'); // exactly -20 %
    const spend = { ...rule, metric: 'spend' as const, condition: 'increase_pct' as const, threshold: '50' };
    expect(judgeWindow(spend, parts({ cost: '30.01' }), parts({ cost: '20' })).status).toBe('breach');
    expect(judgeWindow(spend, parts({ cost: '30.00' }), parts({ cost: '20' })).status).toBe('ok');
    expect(judgeWindow(spend, parts({ cost: '30' }), parts({ cost: '0' })).status).toBe('insufficient');
    expect(judgeWindow(spend, parts({ cost: '30' })).status).toBe('insufficient');
  });

  it('judges budget usage against its threshold', () => {
    expect(judgeBudget({ condition: 'at_least', threshold: '90' }, '90').status).toBe('breach');
    expect(judgeBudget({ condition: 'at_least', threshold: '100' }, '99.99').status).toBe('ok');
  });
});

const destinations = new Set(['default']);
const bandParts = (clicks: number, cost: string, impressions = 10_000, sales = '0') => ({
  impressions: String(impressions),
  clicks: String(clicks),
  cost,
  orders: '0',
  sales,
});
const bandRule = testRuleDraft({ metric: 'clicks', condition: 'outside_forecast', threshold: '0', minClicks: 20 });

describe('outside_forecast rules', () => {
  it('accepts spend, clicks, CTR, CPC and sales on campaign windows of the local day', () => {
    for (const metric of ['spend', 'clicks', 'ctr', 'cpc', 'sales'] as const)
      expect(ruleProblems({ ...bandRule, metric }, destinations)).toEqual([]);
    expect(ruleProblems({ ...bandRule, windowHours: 6, threshold: '25' }, destinations)).toEqual([]);
  });

  it('names the field of each inconsistency', () => {
    expect(ruleProblems({ ...bandRule, metric: 'acos' }, destinations)).toEqual([
      'metric: outside_forecast judges spend, clicks, ctr, cpc, sales',
    ]);
    expect(ruleProblems({ ...bandRule, entityLevel: 'keyword' }, destinations)[0]).toMatch(/^entityLevel: /);
    expect(ruleProblems({ ...bandRule, windowHours: 48 }, destinations)).toEqual([
      'windowHours: outside_forecast judges windows of the local day (1–24 h)',
    ]);
    expect(ruleProblems({ ...bandRule, windowHours: null }, destinations)).toEqual([
      'windowHours: required for this metric',
    ]);
    expect(ruleProblems({ ...bandRule, threshold: '2000' }, destinations)[0]).toMatch(/^threshold: /);
    expect(ruleProblems({ ...bandRule, baseline: 'previous' }, destinations)[0]).toMatch(/^baseline: /);
  });

  it('describes itself', () => {
    expect(describeCondition(bandRule)).toBe("Clicks outside its forecast's P10–P90 band");
    expect(describeCondition({ ...bandRule, threshold: '25' })).toBe(
      "Clicks outside its forecast's P10–P90 band widened by 25 %",
    );
  });

  it('breaches outside the band (widened by the threshold), not inside, not below the minimum volume', () => {
    const band = { p10: 80, p50: 100, p90: 120 };
    expect(judgeBand(bandRule, bandParts(100, '50'), band)).toMatchObject({
      status: 'ok',
      value: '100',
      baseline: '100',
    });
    expect(judgeBand(bandRule, bandParts(150, '75'), band)).toMatchObject({ status: 'breach', changePct: '25' });
    expect(judgeBand(bandRule, bandParts(60, '30'), band)).toMatchObject({ status: 'breach', changePct: '-25' });
    expect(judgeBand({ ...bandRule, threshold: '30' }, bandParts(150, '75'), band).status).toBe('ok');
    expect(judgeBand(bandRule, bandParts(10, '5'), band)).toMatchObject({ status: 'insufficient' });
    expect(judgeBand(bandRule, bandParts(100, '50'), null)).toMatchObject({ status: 'insufficient' });
    // CTR in percent, CPC and sales in money
    const ctr = { ...bandRule, metric: 'ctr' as const };
    expect(judgeBand(ctr, bandParts(300, '150', 10_000), { p10: 1.5, p50: 2, p90: 2.5 })).toMatchObject({
      status: 'breach',
      value: '3',
    });
    const sales = { ...bandRule, metric: 'sales' as const };
    expect(judgeBand(sales, bandParts(100, '50', 10_000, '40.00'), { p10: 100, p50: 200, p90: 300 }).status).toBe(
      'breach',
    );
  });

  it('says actual against the expected band in the message', () => {
    expect(bandFacts('spend', '150.5', { p10: 80, p50: 100.25, p90: 120 })).toEqual([
      { label: 'Actual', value: '150.50' },
      { label: 'Expected (P10–P90)', value: '80.00 – 120.00 (P50 100.25)' },
    ]);
    expect(bandFacts('ctr', '3', { p10: 1.5, p50: 2, p90: 2.5 })[1].value).toBe('1.5 % – 2.5 % (P50 2 %)');
  });
});
