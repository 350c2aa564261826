import type { Evaluated } from '../evaluation/alert-plan.logic';
import { testRule } from '../testing/rule.fixture';
import { notificationKind, notificationPayload } from './notification-payload.logic';

const queueAlert: Evaluated = {
  rule: testRule({
    id: '3',
    name: 'queue backlog',
    metric: 'dead_letter_messages',
    condition: 'at_least',
    threshold: '1',
    windowHours: null,
    entityLevel: 'queue',
    severity: 'critical',
  }),
  advertiserId: '',
  entityType: 'queue',
  entityId: 'ams-dlq',
  campaignId: null,
  window: null,
  judgement: { status: 'breach', value: '4', baseline: null, changePct: null, note: null },
  details: {},
  name: 'ams-dlq',
};

describe('notification payload (pure)', () => {
  it('maps transitions to message kinds', () => {
    expect(notificationKind({ type: 'fire', notify: true })).toBe('firing');
    expect(notificationKind({ type: 'refire', notify: true })).toBe('firing');
    expect(notificationKind({ type: 'remind' })).toBe('reminder');
    expect(notificationKind({ type: 'resolve', notify: true })).toBe('resolved');
  });

  it('freezes the rule, entity, values and times of the change', () => {
    const now = new Date('2025-06-05T12:00:00Z');
    const p = notificationPayload(
      queueAlert,
      { type: 'remind' },
      { id: '42', firedAt: new Date('2025-06-05T09:00:00Z') },
      now,
    );
    expect(p).toEqual({
      v: 1,
      kind: 'reminder',
      alertId: '42',
      rule: {
        id: '3',
        name: 'queue backlog',
        metric: 'dead_letter_messages',
        condition: 'at_least',
        threshold: '1',
        baseline: null,
        severity: 'critical',
      },
      entity: { type: 'queue', id: 'ams-dlq', name: 'ams-dlq', advertiserId: '', campaignId: null, campaignName: null },
      window: null,
      value: '4',
      baseline: null,
      changePct: null,
      note: null,
      at: '2025-06-05T12:00:00.000Z',
      firedAt: '2025-06-05T09:00:00.000Z',
    });
  });

  it('states a window in UTC', () => {
    const startUtcMs = Date.parse('2025-06-05T07:00:00Z');
    const window = {
      key: '2025-06-05T00:00/24h',
      hours: 24,
      localStartMs: 0,
      localEndMs: 0,
      startUtcMs,
      endUtcMs: startUtcMs + 86_400_000,
      utcOffsetMinutes: -420,
    };
    const w: Evaluated = { ...queueAlert, window };
    const p = notificationPayload(w, { type: 'fire', notify: true }, { id: '1', firedAt: new Date(0) }, new Date(0));
    expect(p.window).toEqual({
      key: '2025-06-05T00:00/24h',
      startUtc: '2025-06-05T07:00:00.000Z',
      endUtc: '2025-06-06T07:00:00.000Z',
    });
  });
});
