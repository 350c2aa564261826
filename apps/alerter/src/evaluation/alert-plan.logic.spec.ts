import { testRule } from '../testing/rule.fixture';
import { type Evaluated, type ExistingAlert, identityKey, identityOf, planAlertChanges } from './alert-plan.logic';
import type { JudgedStatus } from './condition.logic';

const now = new Date('2025-06-05T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);

const rule = testRule({ id: '7', name: 'spend spike', destination: 'ops' });

function item(entityId: string, status: JudgedStatus, value = '150'): Evaluated {
  return {
    rule,
    advertiserId: 'A1',
    entityType: 'campaign',
    entityId,
    campaignId: entityId,
    window: {
      key: '2025-06-05T00:00/24h',
      hours: 24,
      localStartMs: 0,
      localEndMs: 1,
      startUtcMs: 0,
      endUtcMs: 1,
      utcOffsetMinutes: 0,
    },
    judgement: { status, value, baseline: null, changePct: null, note: null },
    details: { campaign: entityId },
    name: null,
  };
}

function alert(it: Evaluated, over: Partial<ExistingAlert>): [string, ExistingAlert] {
  return [
    identityKey(identityOf(it)),
    {
      id: `a-${it.entityId}`,
      state: 'firing',
      acknowledged: false,
      snoozedUntil: null,
      firedAt: ago(300),
      lastNotifiedAt: ago(300),
      ...over,
    },
  ];
}

describe('alert change planner (pure)', () => {
  it('fires a new identity: firing since now, announced, history "fired"', () => {
    const plan = planAlertChanges([item('c1', 'breach')], new Map(), now);
    expect(plan.transitions).toEqual({ none: 0, fire: 1, refire: 0, resolve: 0, remind: 0, update: 0 });
    expect(plan.changes).toHaveLength(1);
    const [c] = plan.changes;
    expect(c.existing).toBeUndefined();
    expect(c).toMatchObject({
      state: 'firing',
      firedAt: now,
      resolvedAt: null,
      resetAck: false,
      lastNotifiedAt: now,
      notify: true,
      eventType: 'fired',
    });
    expect(c.details).toEqual({ campaign: 'c1', note: null, status: 'breach' });
  });

  it('counts a repeated identity once and keeps its last judgement', () => {
    const plan = planAlertChanges([item('c1', 'breach', '150'), item('c1', 'breach', '175')], new Map(), now);
    expect(plan.transitions.fire).toBe(1);
    expect(plan.changes.map((c) => c.item.judgement.value)).toEqual(['175']);
  });

  it('re-fires a resolved alert as a new episode: acknowledgement cleared, fired now', () => {
    const it = item('c1', 'breach');
    const plan = planAlertChanges([it], new Map([alert(it, { state: 'resolved', acknowledged: true })]), now);
    expect(plan.changes[0]).toMatchObject({
      transition: { type: 'refire' },
      state: 'firing',
      firedAt: now,
      resetAck: true,
      notify: true,
      eventType: 'fired',
    });
    expect(plan.changes[0].existing?.id).toBe('a-c1');
  });

  it('a snoozed re-fire is recorded but not announced: last_notified_at unchanged', () => {
    const it = item('c1', 'breach');
    const plan = planAlertChanges(
      [it],
      new Map([alert(it, { state: 'resolved', snoozedUntil: ago(-60), lastNotifiedAt: ago(500) })]),
      now,
    );
    expect(plan.changes[0]).toMatchObject({
      transition: { type: 'refire', notify: false },
      notify: false,
      lastNotifiedAt: ago(500),
      eventType: 'fired',
    });
  });

  it('refreshes a firing alert within the repeat interval without history or announcement', () => {
    const it = item('c1', 'breach');
    const plan = planAlertChanges([it], new Map([alert(it, { lastNotifiedAt: ago(30) })]), now);
    expect(plan.transitions.update).toBe(1);
    expect(plan.changes[0]).toMatchObject({
      state: 'firing',
      firedAt: ago(300),
      notify: false,
      eventType: null,
      lastNotifiedAt: ago(30),
    });
  });

  it('reminds after the repeat interval: announced, history "reminded", episode start kept', () => {
    const it = item('c1', 'breach');
    const plan = planAlertChanges([it], new Map([alert(it, { lastNotifiedAt: ago(61) })]), now);
    expect(plan.changes[0]).toMatchObject({
      transition: { type: 'remind' },
      firedAt: ago(300),
      notify: true,
      lastNotifiedAt: now,
      eventType: 'reminded',
    });
  });

  it('resolves: announced only when the firing was announced', () => {
    const a = item('c1', 'ok');
    const b = item('c2', 'ok');
    const existing = new Map([alert(a, {}), alert(b, { lastNotifiedAt: null })]);
    const plan = planAlertChanges([a, b], existing, now);
    expect(plan.transitions.resolve).toBe(2);
    expect(plan.changes.map((c) => [c.item.entityId, c.state, c.resolvedAt, c.notify, c.eventType])).toEqual([
      ['c1', 'resolved', now, true, 'resolved'],
      ['c2', 'resolved', now, false, 'resolved'],
    ]);
  });

  it('plans nothing for healthy or unjudged entities without an alert', () => {
    const plan = planAlertChanges([item('c1', 'ok'), item('c2', 'insufficient')], new Map(), now);
    expect(plan.transitions.none).toBe(2);
    expect(plan.changes).toEqual([]);
  });
});
