import { judgeBudget, judgeWindow, metricValue, type WindowParts } from './condition.logic';

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
