import { type AlertSnapshot, decideTransition } from './transition.logic';

const now = new Date('2025-06-05T12:00:00Z');
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const firing = (over: Partial<AlertSnapshot> = {}): AlertSnapshot => ({
  state: 'firing',
  acknowledged: false,
  snoozedUntil: null,
  firedAt: ago(300),
  lastNotifiedAt: ago(300),
  ...over,
});

describe('alert lifecycle', () => {
  it('fires once, then stays quiet until the repeat interval', () => {
    expect(decideTransition(undefined, 'breach', 60, now)).toEqual({ type: 'fire', notify: true });
    expect(decideTransition(firing({ lastNotifiedAt: ago(30) }), 'breach', 60, now)).toEqual({ type: 'update' });
    expect(decideTransition(firing({ lastNotifiedAt: ago(61) }), 'breach', 60, now)).toEqual({ type: 'remind' });
  });

  it('does not remind when acknowledged or snoozed', () => {
    expect(decideTransition(firing({ acknowledged: true }), 'breach', 60, now)).toEqual({ type: 'update' });
    expect(decideTransition(firing({ snoozedUntil: new Date(now.getTime() + 1000) }), 'breach', 60, now)).toEqual({
      type: 'update',
    });
    expect(decideTransition(firing({ snoozedUntil: ago(1) }), 'breach', 60, now)).toEqual({ type: 'remind' });
  });

  it('resolves on recovery or lost volume, announcing only what was announced', () => {
    expect(decideTransition(firing(), 'ok', 60, now)).toEqual({ type: 'resolve', notify: true });
    expect(decideTransition(firing(), 'insufficient', 60, now)).toEqual({ type: 'resolve', notify: true });
    expect(decideTransition(firing({ firedAt: ago(10), lastNotifiedAt: ago(60) }), 'ok', 60, now)).toEqual({
      type: 'resolve',
      notify: false,
    });
    expect(decideTransition(undefined, 'ok', 60, now)).toEqual({ type: 'none' });
    expect(decideTransition({ ...firing(), state: 'resolved' }, 'ok', 60, now)).toEqual({ type: 'none' });
  });

  it('fires again as a new episode, silently while snoozed, and announces it once the snooze ends', () => {
    const resolved = { ...firing(), state: 'resolved' as const };
    expect(decideTransition(resolved, 'breach', 60, now)).toEqual({ type: 'refire', notify: true });
    expect(decideTransition({ ...resolved, snoozedUntil: new Date(now.getTime() + 1000) }, 'breach', 60, now)).toEqual({
      type: 'refire',
      notify: false,
    });
    expect(decideTransition(firing({ firedAt: ago(5), lastNotifiedAt: ago(6) }), 'breach', 60, now)).toEqual({
      type: 'remind',
    });
  });
});
