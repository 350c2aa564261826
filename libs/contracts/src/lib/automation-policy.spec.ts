import {
  actionRuleProblems,
  askedValue,
  daypartWindowAt,
  describeChange,
  describeTrigger,
  judgeGuards,
  localWeekHour,
  resolveGuards,
  type GuardFacts,
} from './automation-policy';

const NOW = new Date('2026-12-07T15:00:00Z');
const facts = (f: Partial<GuardFacts> = {}): GuardFacts => ({
  ruleActionsToday: 0,
  lastActionAt: null,
  budgetIncreaseToday: '0',
  maxDailyBudgetIncrease: '100',
  dataReceivedAt: new Date(NOW.getTime() - 10 * 60_000),
  freshnessHours: 3,
  connectionHealthy: true,
  connectionState: 'authorized',
  ...f,
});
const budgetGuards = resolveGuards({ maxBudget: '500', minBudget: '10' }, { type: 'change_budget_pct' });

describe('automation policy: rule validation', () => {
  const base = {
    entityLevel: 'campaign' as const,
    scopeType: 'advertiser' as const,
    trigger: { type: 'budget' as const },
    action: { type: 'change_budget_pct' as const, percent: '20' },
  };

  it('accepts the out-of-budget raise of the acceptance example', () => {
    expect(
      actionRuleProblems({
        ...base,
        trigger: {
          type: 'budget',
          beforeLocalHour: 18,
          also: [{ metric: 'roas', condition: 'at_least', threshold: '3', windowHours: 24 }],
        },
        guards: { maxBudget: '500', maxActionsPerDay: 2 },
      }),
    ).toEqual([]);
  });

  it('accepts "raise the budget 15 % for campaigns that lost ≥ 200 in sales by capping yesterday"', () => {
    const trigger = { type: 'capped' as const, minSalesLost: '200' };
    expect(actionRuleProblems({ ...base, trigger, action: { type: 'change_budget_pct', percent: '15' } })).toEqual([]);
    expect(describeTrigger(trigger)).toBe('ran out of budget yesterday, estimated sales lost at least 200');
  });

  it.each([
    [{ action: { type: 'change_budget_pct', percent: '95' } }, 'action.percent: at most ±90'],
    [{ action: { type: 'change_budget_pct', percent: '-90.5' } }, 'action.percent: at most ±90'],
    [{ action: { type: 'change_budget_pct', percent: '0' } }, 'action.percent: must not be 0'],
    [{ entityLevel: 'keyword' }, 'action.type: change_budget_pct changes a campaign'],
    [{ guards: { minBudget: '50', maxBudget: '20' } }, 'guards.maxBudget: 20 is below guards.minBudget 50'],
    [{ guards: { minBid: '0.2' } }, 'guards.minBid: bid limits apply to bid actions'],
    [{ action: { type: 'set_budget' } }, 'action.value: required for set_budget'],
    [{ action: { type: 'set_budget', value: '600' }, guards: { maxBudget: '500' } }, 'action.value: 600 is above'],
    [{ trigger: { type: 'metric' } }, 'trigger.condition: required for metric triggers'],
    [{ trigger: { type: 'schedule' } }, 'trigger.type: schedule triggers drive dayparting'],
    [{ scopeType: 'campaign' }, 'scopeId: required when scopeType is campaign'],
    [{ trigger: { type: 'capped' } }, 'trigger.minSalesLost: required for capped triggers'],
    [{ trigger: { type: 'capped', minSalesLost: '0' } }, 'trigger.minSalesLost: money above 0'],
    [{ trigger: { type: 'budget', minSalesLost: '200' } }, 'trigger.minSalesLost: belongs to capped triggers'],
    [
      {
        entityLevel: 'keyword',
        trigger: { type: 'capped', minSalesLost: '200' },
        action: { type: 'change_bid_pct', percent: '10' },
      },
      'trigger.type: capped triggers judge campaign budgets',
    ],
    [
      {
        trigger: {
          type: 'budget',
          also: [{ metric: 'ctr', condition: 'decrease_pct', threshold: '20', windowHours: 24 }],
        },
      },
      'trigger.also[0].baseline: required for change conditions',
    ],
  ])('refuses %j naming the field', (change, problem) => {
    const problems = actionRuleProblems({ ...base, ...change } as Parameters<typeof actionRuleProblems>[0]);
    expect(problems.join('\n')).toContain(problem);
  });

  it('checks dayparting windows: order, multipliers and overlaps', () => {
    const problems = actionRuleProblems({
      entityLevel: 'keyword',
      trigger: { type: 'schedule' },
      action: {
        type: 'daypart_bid',
        windows: [
          { days: ['mon'], fromHour: 18, toHour: 22, multiplier: '1.3' },
          { days: ['mon', 'tue'], fromHour: 20, toHour: 23, multiplier: '2.5' },
          { days: ['wed'], fromHour: 9, toHour: 9, multiplier: '0.5' },
        ],
      },
    });
    expect(problems).toEqual([
      'action.windows[1].multiplier: between 0.1 and 1.9 (±90 %)',
      'action.windows[2].toHour: must be after fromHour',
      'action.windows[1]: overlaps windows[0] on mon at 20:00',
    ]);
  });
});

describe('automation policy: asked values and guards', () => {
  it('asks in cents, rounded half-up', () => {
    expect(askedValue({ type: 'change_budget_pct', percent: '20' }, '100.00')).toBe('120.00');
    expect(askedValue({ type: 'change_bid_pct', percent: '-15' }, '0.77')).toBe('0.65'); // 0.6545
    expect(askedValue({ type: 'change_bid_pct', percent: '10' }, '0.45')).toBe('0.50'); // 0.495
    expect(askedValue({ type: 'set_bid', value: '1.2' }, '0.77')).toBe('1.20');
    expect(askedValue({ type: 'daypart_budget' }, '40.00', '1.25')).toBe('50.00');
    expect(askedValue({ type: 'set_state', state: 'PAUSED' }, 'ENABLED')).toBe('PAUSED');
  });

  it('caps at the ceiling and the daily cap, then blocks when nothing is left', () => {
    expect(judgeGuards('budget', '450.00', '540.00', budgetGuards, facts(), NOW)).toEqual({
      value: '500.00',
      notes: ['capped at the ceiling 500.00 (asked 540.00)'],
      blockedBy: null,
    });
    const capped = judgeGuards('budget', '100.00', '120.00', budgetGuards, facts({ budgetIncreaseToday: '90' }), NOW);
    expect(capped).toMatchObject({ value: '110.00', blockedBy: null });
    expect(
      judgeGuards('budget', '100.00', '120.00', budgetGuards, facts({ budgetIncreaseToday: '100' }), NOW).blockedBy,
    ).toBe('maxDailyBudgetIncrease: 100.00 of 100.00 already raised today');
    expect(judgeGuards('budget', '500.00', '600.00', budgetGuards, facts(), NOW).blockedBy).toBe(
      'already at or above the ceiling 500.00 (now 500.00)',
    );
    // a raise of a budget already above the ceiling is never turned into a cut
    expect(judgeGuards('budget', '926.00', '1111.20', budgetGuards, facts(), NOW).blockedBy).toBe(
      'already at or above the ceiling 500.00 (now 926.00)',
    );
    expect(judgeGuards('budget', '5.00', '4.00', budgetGuards, facts(), NOW).blockedBy).toBe(
      'already at or below the floor 10.00 (now 5.00)',
    );
  });

  it('a decrease does not spend the daily cap, and the floor holds', () => {
    expect(
      judgeGuards('budget', '12.00', '8.00', budgetGuards, facts({ budgetIncreaseToday: '100' }), NOW),
    ).toMatchObject({
      value: '10.00',
      blockedBy: null,
    });
  });

  it('blocks on the count per day, the cooldown, stale data and an unhealthy connection', () => {
    const g = resolveGuards({ maxActionsPerDay: 2, cooldownMinutes: 30 }, { type: 'change_budget_pct' });
    const judge = (f: Partial<GuardFacts>) => judgeGuards('budget', '100.00', '120.00', g, facts(f), NOW).blockedBy;
    expect(judge({ ruleActionsToday: 2 })).toBe('maxActionsPerDay: 2 of 2 actions today');
    expect(judge({ lastActionAt: new Date(NOW.getTime() - 10 * 60_000) })).toBe(
      'cooldown: the last action on this entity was 10 min ago (30 min)',
    );
    expect(judge({ lastActionAt: new Date(NOW.getTime() - 31 * 60_000) })).toBeNull();
    expect(judge({ dataReceivedAt: new Date(NOW.getTime() - 4 * 3_600_000) })).toBe(
      'stale data: the last record arrived 4.0 h ago (limit 3 h)',
    );
    expect(judge({ dataReceivedAt: null })).toBe('no data has been received for this advertiser');
    expect(judge({ connectionHealthy: false, connectionState: 'needs_reauthorization' })).toBe(
      'the Ads API connection is needs_reauthorization',
    );
  });

  it('restores and reverts are not counted against the rule (countsTowardCaps false)', () => {
    const g = resolveGuards({ maxActionsPerDay: 1 }, { type: 'change_budget_pct' });
    expect(
      judgeGuards('budget', '120.00', '100.00', g, facts({ ruleActionsToday: 5 }), NOW, { countsTowardCaps: false }),
    ).toMatchObject({ value: '100.00', blockedBy: null });
  });

  it('explains a change with its direction and percentage', () => {
    expect(describeChange('campaign', 'Brand', '1', 'budget', '100.00', '120.00')).toBe(
      'raise the daily budget of campaign "Brand" from 100.00 to 120.00 (+20.00 %)',
    );
    expect(describeChange('keyword', null, '77', 'bid', '0.80', '0.68')).toBe(
      'lower the bid of keyword "77" from 0.80 to 0.68 (-15.00 %)',
    );
    expect(describeChange('ad_group', 'AG', '5', 'state', 'ENABLED', 'PAUSED')).toBe(
      'pause ad group "AG" (now ENABLED)',
    );
  });
});

describe('automation policy: local time and dayparting', () => {
  it('finds the local weekday, hour and date of an instant in the zone', () => {
    // 2026-12-07 is a Monday; 02:30 UTC is Sunday 18:30 in Los Angeles
    expect(localWeekHour(new Date('2026-12-07T02:30:00Z'), 'America/Los_Angeles')).toEqual({
      day: 'sun',
      hour: 18,
      date: '2026-12-06',
    });
    expect(localWeekHour(new Date('2026-12-07T23:30:00Z'), 'Asia/Tokyo')).toEqual({
      day: 'tue',
      hour: 8,
      date: '2026-12-08',
    });
  });

  it('picks the window in force, or none (the base)', () => {
    const windows = [
      { days: ['mon', 'tue'] as const, fromHour: 18, toHour: 22, multiplier: '1.3' },
      { days: ['sat'] as const, fromHour: 0, toHour: 24, multiplier: '0.5' },
    ].map((w) => ({ ...w, days: [...w.days] }));
    expect(daypartWindowAt(windows, 'mon', 18)).toEqual({ index: 0, multiplier: '1.3' });
    expect(daypartWindowAt(windows, 'mon', 22)).toBeNull();
    expect(daypartWindowAt(windows, 'sat', 23)).toEqual({ index: 1, multiplier: '0.5' });
    expect(daypartWindowAt(windows, 'wed', 19)).toBeNull();
  });
});
