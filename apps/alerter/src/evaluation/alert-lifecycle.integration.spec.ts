import {
  ALERT_ACKNOWLEDGE,
  ALERT_RULE_CREATE,
  ALERT_RULE_DELETE,
  ALERT_RULE_LIST,
  ALERT_RULE_UPDATE,
  ALERT_SNOOZE,
  AlertRuleV1,
  type CommandDescriptor,
  DURABLES,
  STREAMS,
} from '@ams/contracts';
import { MessagingRemoteError } from '@ams/platform';
import { waitFor } from '@ams/testing';
import { AlerterHarness, ADVERTISER, HOUR } from '../testing/alerter.harness';
import { EvaluationService } from './evaluation.service';

/**
 * The lifecycle of one alert identity with a rule managed over NATS: one notification when it fires,
 * none for duplicate or replayed events, a reminder only after the repeat interval and never while
 * acknowledged or snoozed, one when a restatement resolves it.
 */
describe('alerter: rules over NATS and the alert lifecycle', () => {
  let h: AlerterHarness;
  let rule: AlertRuleV1;
  const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR - 3 * HOUR).toISOString();
  const touched = [{ advertiserId: ADVERTISER, campaignId: 'life-1', hourStart: hour, utcOffsetMinutes: 0 }];
  const later = (hours: number) => new Date(Date.now() + hours * HOUR);
  const evaluation = () => h.app?.app.get(EvaluationService) as EvaluationService;
  /** Sends a command as the api would, malformed bodies included (the alerter must refuse them). */
  const request = <Req extends object, Res>(command: CommandDescriptor<Req, Res>, body: unknown) =>
    h.js.request(command, body as Req, 5000);
  const notificationsOf = async (alertId: string) =>
    h.rows<{ kind: string }>(`SELECT kind FROM notification_outbox WHERE alert_id = $1 ORDER BY id`, [alertId]);

  beforeAll(async () => {
    h = await AlerterHarness.create('alert_life', () => ({
      ALERT_DEFAULT_RULES: 'false',
      SLACK_MIN_INTERVAL_MS: '100',
    }));
    await h.start();
  });
  afterAll(async () => {
    await h?.dispose();
  });

  it('creates, validates, updates and lists rules over NATS request/reply', async () => {
    await expect(
      request(ALERT_RULE_CREATE, {
        name: 'x',
        metric: 'budget_usage',
        condition: 'increase_pct',
        threshold: '5',
        entityLevel: 'keyword',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringMatching(/entityLevel.*condition/s) });
    await expect(request(ALERT_RULE_CREATE, { name: 'x', metric: 'spend' })).rejects.toBeInstanceOf(
      MessagingRemoteError,
    );
    await expect(
      request(ALERT_RULE_CREATE, {
        name: 'x',
        metric: 'spend',
        condition: 'above',
        threshold: '1',
        windowHours: 1,
        entityLevel: 'campaign',
        destination: 'nowhere',
      }),
    ).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('destination') });

    rule = await request(ALERT_RULE_CREATE, {
      name: 'Hourly spend above 100',
      metric: 'spend',
      condition: 'above',
      threshold: '90',
      windowHours: 1,
      entityLevel: 'campaign',
      scopeType: 'advertiser',
      scopeId: ADVERTISER,
      repeatIntervalMinutes: 60,
    });
    expect(rule).toMatchObject({
      metric: 'spend',
      threshold: '90',
      windowHours: 1,
      destination: 'default',
      enabled: true,
      settlingHours: 0,
    });
    await expect(request(ALERT_RULE_UPDATE, { id: rule.id, metric: 'ctr' })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'metric: is not a field of this command',
    });
    await expect(request(ALERT_RULE_UPDATE, { id: '999999', threshold: '1' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    rule = await request(ALERT_RULE_UPDATE, { id: rule.id, threshold: '100' });
    expect(rule.threshold).toBe('100');
    const list = await request(ALERT_RULE_LIST, {});
    expect(list.rules.map((r) => r.id)).toEqual([rule.id]);
  });

  it('notifies once on firing, however often the event is duplicated or replayed', async () => {
    await h.facts([{ campaignId: 'life-1', hourStart: hour, cost: '150.00', clicks: 10 }]);
    for (let i = 0; i < 4; i++) await h.publishPerf(touched);
    await waitFor(() => h.catcher.delivered.length >= 1, { description: 'the firing notification' });
    await waitFor(async () => (await h.js.consumerPending(STREAMS.events.name, DURABLES.alerterPerf)) === 0, {
      description: 'every duplicate evaluated',
    });
    // a later alert through the same destination: once it has arrived, anything sent before it has too
    await h.facts([{ campaignId: 'life-sentinel', hourStart: hour, cost: '500.00' }]);
    await h.publishPerf([{ campaignId: 'life-sentinel', hourStart: hour }]);
    await waitFor(() => h.catcher.delivered.some((p) => p.raw.includes('life-sentinel')), {
      description: 'the sentinel alert',
    });

    const [alert] = await h.rows<{ id: string; state: string }>(
      `SELECT id::text, state FROM alert WHERE entity_id = 'life-1'`,
    );
    expect(alert.state).toBe('firing');
    expect(await notificationsOf(alert.id)).toEqual([{ kind: 'firing' }]);
    expect(h.catcher.delivered.filter((p) => p.raw.includes('life-1')).length).toBe(1);
    const card = h.catcher.delivered.find((p) => p.raw.includes('life-1'))?.body;
    expect(JSON.stringify(card)).toContain('Spend');
    expect(JSON.stringify(card)).toContain(`http://api.test/v1/alerts/${alert.id}`);

    // the event evaluated again (as after a crash before the ack): nothing new
    const again = await evaluation().onPerfUpdated(touched);
    expect(again).toMatchObject({ notifications: 0, transitions: { update: 1 } });
  });

  it('reminds only after the repeat interval, and not while acknowledged', async () => {
    const [{ id }] = await h.rows<{ id: string }>(`SELECT id::text FROM alert WHERE entity_id = 'life-1'`);
    expect(await evaluation().onPerfUpdated(touched, later(0.5))).toMatchObject({ notifications: 0 });
    expect(await evaluation().onPerfUpdated(touched, later(1.1))).toMatchObject({
      notifications: 1,
      transitions: { remind: 1 },
    });
    expect(await evaluation().onPerfUpdated(touched, later(1.2))).toMatchObject({ notifications: 0 });

    const acked = await request(ALERT_ACKNOWLEDGE, { alertId: id, by: 'oncall' });
    expect(acked).toMatchObject({ id, acknowledged: true, state: 'firing' });
    expect(await evaluation().onPerfUpdated(touched, later(5))).toMatchObject({
      notifications: 0,
      transitions: { update: 1 },
    });
    await expect(request(ALERT_ACKNOWLEDGE, { alertId: '987654' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await notificationsOf(id)).toEqual([{ kind: 'firing' }, { kind: 'reminder' }]);
  });

  it('resolves, with one notification, when a restatement brings the window back under the threshold', async () => {
    const [{ id }] = await h.rows<{ id: string }>(`SELECT id::text FROM alert WHERE entity_id = 'life-1'`);
    await h.facts([{ campaignId: 'life-1', hourStart: hour, cost: '60.00', clicks: 4 }]); // clicks invalidated, cost refunded
    await h.publishPerf(touched);
    await h.publishPerf(touched);
    await waitFor(async () => (await notificationsOf(id)).length === 3, { description: 'the resolution' });
    await waitFor(async () => (await h.js.consumerPending(STREAMS.events.name, DURABLES.alerterPerf)) === 0);
    expect((await notificationsOf(id)).map((n) => n.kind)).toEqual(['firing', 'reminder', 'resolved']);
    const history = await h.rows<{ type: string; value: string }>(
      `SELECT type, value::text FROM alert_event WHERE alert_id = $1 ORDER BY id`,
      [id],
    );
    expect(history).toEqual([
      { type: 'fired', value: '150' },
      { type: 'reminded', value: '150' },
      { type: 'acknowledged', value: '150' },
      { type: 'resolved', value: '60' },
    ]);
  });

  it('fires again as a new episode (acknowledgement cleared); a snoozed alert neither reminds nor announces a re-fire', async () => {
    const [{ id }] = await h.rows<{ id: string }>(`SELECT id::text FROM alert WHERE entity_id = 'life-1'`);
    await h.facts([{ campaignId: 'life-1', hourStart: hour, cost: '130.00' }]);
    expect(await evaluation().onPerfUpdated(touched)).toMatchObject({ notifications: 1, transitions: { refire: 1 } });
    const [row] = await h.rows<{ acknowledged: boolean }>(`SELECT acknowledged FROM alert WHERE id = $1`, [id]);
    expect(row.acknowledged).toBe(false);

    await expect(request(ALERT_SNOOZE, { alertId: id })).rejects.toMatchObject({ code: 'VALIDATION' });
    const snoozed = await request(ALERT_SNOOZE, { alertId: id, minutes: 600 });
    expect(Date.parse(snoozed.snoozedUntil as string)).toBeGreaterThan(Date.now() + 500 * 60_000);
    expect(await evaluation().onPerfUpdated(touched, later(3))).toMatchObject({
      notifications: 0,
      transitions: { update: 1 },
    });

    // resolves (announced: its firing was), then fires again while snoozed: recorded, not announced
    await h.facts([{ campaignId: 'life-1', hourStart: hour, cost: '10.00' }]);
    expect(await evaluation().onPerfUpdated(touched)).toMatchObject({ notifications: 1, transitions: { resolve: 1 } });
    await h.facts([{ campaignId: 'life-1', hourStart: hour, cost: '110.00' }]);
    expect(await evaluation().onPerfUpdated(touched)).toMatchObject({ notifications: 0, transitions: { refire: 1 } });
    // the snooze ends: the next evaluation reminds
    await request(ALERT_SNOOZE, { alertId: id, until: null });
    expect(await evaluation().onPerfUpdated(touched)).toMatchObject({ notifications: 1, transitions: { remind: 1 } });
    expect((await notificationsOf(id)).map((n) => n.kind)).toEqual([
      'firing',
      'reminder',
      'resolved',
      'firing',
      'resolved',
      'reminder',
    ]);
  });

  it('stops evaluating a deleted rule but keeps its alerts and history', async () => {
    await expect(request(ALERT_RULE_DELETE, { id: rule.id })).resolves.toEqual({ id: rule.id, deleted: true });
    await expect(request(ALERT_RULE_DELETE, { id: rule.id })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect((await request(ALERT_RULE_LIST, {})).rules).toEqual([]);
    expect(await evaluation().onPerfUpdated(touched)).toMatchObject({ judged: 0, notifications: 0 });
    expect((await h.rows(`SELECT 1 FROM alert_event`)).length).toBeGreaterThan(5);
  });
});
