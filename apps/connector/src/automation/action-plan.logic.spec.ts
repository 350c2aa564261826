import type { EntitySnapshot } from '@ams/ads-api';
import { type GuardFacts, resolveGuards } from '@ams/contracts';
import {
  CONFIRMED_REASON,
  KILL_SWITCH_REASON,
  type PlanInput,
  planAction,
  type PlannedRule,
} from './action-plan.logic';

const now = new Date('2026-12-07T12:00:00Z');
const facts: GuardFacts = {
  ruleActionsToday: 0,
  lastActionAt: null,
  budgetIncreaseToday: '0',
  maxDailyBudgetIncrease: '100',
  dataReceivedAt: new Date('2026-12-07T11:30:00Z'),
  freshnessHours: 3,
  connectionHealthy: true,
  connectionState: 'authorized',
};
const pct: PlannedRule = {
  id: '1',
  mode: 'auto',
  action: { type: 'change_budget_pct', percent: '20' },
  guards: resolveGuards({ cooldownMinutes: 0 }, { type: 'change_budget_pct' }),
  live: true,
  whyNotLive: null,
};
const snap = (o: Partial<EntitySnapshot> = {}): EntitySnapshot => ({
  adProduct: 'SP',
  entityType: 'campaign',
  entityId: '9',
  found: true,
  state: 'ENABLED',
  budget: '20',
  effectiveBudget: null,
  bid: null,
  ...o,
});
const input = (o: Omit<Partial<PlanInput>, 'action'> & { action?: Partial<PlanInput['action']> } = {}): PlanInput => ({
  rule: pct,
  snapshot: snap(),
  enabled: true,
  facts,
  maxAttempts: 5,
  now,
  ...o,
  action: {
    id: '7',
    kind: 'rule',
    mode: 'auto',
    entityType: 'campaign',
    entityId: '9',
    field: 'budget',
    valueBefore: '20.00',
    valueAsked: '24.00',
    attempts: 1,
    triggerData: {},
    inDoubt: false,
    ...o.action,
  },
});

describe('planAction', () => {
  it('sends the proposal when Amazon still shows the value before ("20" = "20.00")', () => {
    expect(planAction(input())).toEqual({
      to: 'send',
      valueBefore: '20.00',
      valueAsked: '24.00',
      budgetIncrease: '4',
      reason: null,
    });
  });

  it('in doubt: done when Amazon already shows the ask, even with the kill switch on; else judged as usual', () => {
    expect(planAction(input({ enabled: false, snapshot: snap({ budget: '24' }), action: { inDoubt: true } }))).toEqual({
      to: 'done',
      valueAfter: '24.00',
      reason: CONFIRMED_REASON,
    });
    expect(planAction(input({ action: { inDoubt: true } }))).toMatchObject({ to: 'send', valueAsked: '24.00' });
    expect(planAction(input({ snapshot: undefined, action: { inDoubt: true } }))).toMatchObject({ to: 'retry' });
  });

  it('the kill switch, an unhealthy connection, a deleted rule block or supersede before any read', () => {
    expect(planAction(input({ enabled: false }))).toMatchObject({ to: 'blocked', reason: KILL_SWITCH_REASON });
    expect(
      planAction(input({ facts: { ...facts, connectionHealthy: false, connectionState: 'needs_reauthorization' } })),
    ).toMatchObject({ to: 'blocked', reason: 'the Ads API connection is needs_reauthorization' });
    expect(planAction(input({ rule: { ...pct, live: false, whyNotLive: 'deleted' } }))).toEqual({
      to: 'superseded',
      reason: 'rule #1 was deleted since the proposal',
    });
  });

  it('gone, archived, an Amazon budget rule in force', () => {
    expect(planAction(input({ snapshot: snap({ found: false }) }))).toMatchObject({ to: 'failed' });
    expect(planAction(input({ snapshot: snap({ state: 'ARCHIVED' }) }))).toMatchObject({
      to: 'failed',
      reason: 'the campaign is archived at Amazon',
    });
    expect(planAction(input({ snapshot: snap({ effectiveBudget: '30' }) }))).toEqual({
      to: 'blocked',
      reason: 'an Amazon budget rule is in force (effective budget 30.00)',
      metric: 'budget_rule',
    });
    expect(planAction(input({ snapshot: snap({ effectiveBudget: '20.00' }) }))).toMatchObject({ to: 'send' });
  });

  it('an outside edit: a percentage is recomputed from the new value, an approval rule asks again', () => {
    const reason = 're-judged: budget changed outside ams-sentinel from 20.00 to 50.00 since the proposal';
    expect(planAction(input({ snapshot: snap({ budget: '50' }) }))).toEqual({
      to: 'send',
      valueBefore: '50.00',
      valueAsked: '60.00',
      budgetIncrease: '10',
      reason,
    });
    expect(planAction(input({ rule: { ...pct, mode: 'approval' }, snapshot: snap({ budget: '50' }) }))).toEqual({
      to: 'pending_approval',
      valueBefore: '50.00',
      valueAsked: '60.00',
      budgetIncrease: '10',
      reason,
    });
  });

  it('an outside edit: a set already met is superseded; the guards judge the recomputed ask (ceiling)', () => {
    const set: PlannedRule = { ...pct, action: { type: 'set_budget', value: '24' } };
    expect(planAction(input({ rule: set, snapshot: snap({ budget: '24' }) }))).toEqual({
      to: 'superseded',
      reason: 'already 24.00',
    });
    const capped = { ...pct, guards: { ...pct.guards, maxBudget: '55' } };
    expect(planAction(input({ rule: capped, snapshot: snap({ budget: '50' }) }))).toMatchObject({
      to: 'send',
      valueAsked: '55.00',
      reason: expect.stringContaining('capped at the ceiling 55.00 (asked 60.00)'),
    });
  });

  it('a revert whose value changed since is superseded; a daypart restore keeps the ratio on the new value', () => {
    expect(
      planAction(
        input({
          rule: null,
          snapshot: snap({ budget: '30' }),
          action: { kind: 'revert', valueBefore: '24.00', valueAsked: '20.00' },
        }),
      ),
    ).toMatchObject({ to: 'superseded', reason: expect.stringMatching(/^the budget is now 30.00, not the 24.00/) });
    expect(
      planAction(
        input({
          snapshot: snap({ budget: '150' }),
          action: { kind: 'daypart_restore', valueBefore: '120.00', valueAsked: '100.00' },
        }),
      ),
    ).toMatchObject({ to: 'send', valueBefore: '150.00', valueAsked: '125.00' });
  });

  it('states: pause an enabled keyword; already paused is superseded by the guard', () => {
    const pause: PlannedRule = { ...pct, action: { type: 'set_state', state: 'PAUSED' } };
    const a = { field: 'state' as const, valueBefore: 'ENABLED', valueAsked: 'PAUSED', entityType: 'keyword' };
    expect(planAction(input({ rule: pause, action: a }))).toMatchObject({ to: 'send', valueAsked: 'PAUSED' });
    expect(planAction(input({ rule: pause, snapshot: snap({ state: 'PAUSED' }), action: a }))).toEqual({
      to: 'superseded',
      reason: 'already PAUSED',
    });
  });
});
