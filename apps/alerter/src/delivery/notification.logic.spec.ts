import {
  escapeMrkdwn,
  messageAsText,
  mrkdwnToPlain,
  NotificationPayload,
  renderSlackMessage,
} from './notification.logic';

const payload = (
  over: Partial<NotificationPayload> = {},
  entity: Partial<NotificationPayload['entity']> = {},
): NotificationPayload => ({
  v: 1,
  kind: 'firing',
  alertId: '42',
  rule: {
    id: '3',
    name: 'ACOS above target',
    metric: 'acos',
    condition: 'above',
    threshold: '30',
    baseline: null,
    severity: 'warning',
  },
  entity: {
    type: 'campaign',
    id: '185402650650808',
    name: 'SP - Earbuds <Exact>',
    advertiserId: 'A1',
    campaignId: '185402650650808',
    campaignName: null,
    ...entity,
  },
  window: { key: '2025-06-03T00:00/24h', startUtc: '2025-06-03T07:00:00.000Z', endUtc: '2025-06-04T07:00:00.000Z' },
  value: '41.2',
  baseline: null,
  changePct: null,
  note: null,
  at: '2025-06-05T10:00:00.000Z',
  firedAt: '2025-06-05T10:00:00.000Z',
  ...over,
});
const opts = { linkBaseUrl: 'https://ams.example.com/', mayRepeat: false };

describe('Slack messages', () => {
  it('renders one alert as a card: entity with its name, value vs threshold, window, severity, link', () => {
    const m = renderSlackMessage([payload()], opts);
    const text = messageAsText(m);
    expect(m.blocks[0]).toEqual({
      type: 'header',
      text: {
        type: 'plain_text',
        text: '🔴 ACOS above target: Campaign “SP - Earbuds <Exact>” (185402650650808)',
        emoji: true,
      },
    });
    expect(JSON.stringify(m.blocks)).toContain('*SP - Earbuds &lt;Exact&gt;* (`185402650650808`)');
    expect(text).toContain('*SP - Earbuds <Exact>* (`185402650650808`)');
    expect(text).toContain('41.2 %');
    expect(text).toContain('ACOS > 30 %');
    expect(text).toContain('2025-06-03 (local day)');
    expect(text).toContain('warning');
    expect(JSON.stringify(m.blocks)).toContain('"url":"https://ams.example.com/v1/alerts/42"');
    expect(m.text).toContain('ACOS 41.2 %');
  });

  it('shows the baseline and change of change conditions', () => {
    const m = renderSlackMessage(
      [
        payload({
          rule: {
            id: '1',
            name: 'CTR drop',
            metric: 'ctr',
            condition: 'decrease_pct',
            threshold: '20',
            baseline: 'previous',
            severity: 'warning',
          },
          value: '1',
          baseline: '2',
          changePct: '-50',
        }),
      ],
      opts,
    );
    expect(messageAsText(m)).toContain('*Baseline*: 2 % (-50 %)');
    expect(messageAsText(m)).toContain('CTR down > 20 % vs previous window');
  });

  it('groups a burst into one message per destination, with one line per alert', () => {
    const burst = Array.from({ length: 12 }, (_, i) =>
      payload(
        {
          alertId: String(100 + i),
          rule: {
            id: '6',
            name: 'out of budget',
            metric: 'budget_usage',
            condition: 'at_least',
            threshold: '100',
            baseline: null,
            severity: 'critical',
          },
          window: null,
          value: '100',
        },
        { id: `c${i}`, name: null },
      ),
    );
    const m = renderSlackMessage(burst, opts);
    expect(m.blocks[0]).toMatchObject({ type: 'header', text: { text: '🔴 12 campaigns: out of budget' } });
    const text = messageAsText(m);
    for (let i = 0; i < 12; i++) {
      expect(JSON.stringify(m.blocks)).toContain(`<https://ams.example.com/v1/alerts/${100 + i}|#${100 + i}>`);
      expect(text).toContain(`#${100 + i} (https://ams.example.com/v1/alerts/${100 + i})`);
    }
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });

  it('keeps kinds and rules apart in a mixed burst, and flags a possible repeat', () => {
    const m = renderSlackMessage([payload(), payload({ alertId: '43', kind: 'resolved' })], {
      ...opts,
      mayRepeat: true,
    });
    expect(m.blocks[0]).toMatchObject({ text: { text: '🔔 2 alerts' } });
    const text = messageAsText(m);
    expect(text).toContain('1 campaign: ACOS above target');
    expect(text).toContain('1 campaign recovered: ACOS above target');
    expect(text).toContain('may repeat an earlier message');
  });

  it('splits long groups into sections under Slack limits', () => {
    const many = Array.from({ length: 40 }, (_, i) =>
      payload({ alertId: String(i) }, { id: `c${i}`, name: 'N'.repeat(200) }),
    );
    const m = renderSlackMessage(many, opts);
    for (const b of m.blocks) if (b.type === 'section' && b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
    expect(m.blocks.length).toBeLessThanOrEqual(50);
  });

  it('escapes Slack markup in names', () => {
    expect(escapeMrkdwn('a <b> & c')).toBe('a &lt;b&gt; &amp; c');
  });

  it('logs names exactly as written: mrkdwn escapes and links are undone in the plain text', () => {
    for (const name of ['A & B <x>', '&lt;already&gt; &amp;', 'a|b <https://x.y|z>', '>>> &&']) {
      expect(mrkdwnToPlain(escapeMrkdwn(name))).toBe(name);
      const text = messageAsText(renderSlackMessage([payload({}, { name })], opts));
      expect(text).toContain(`*${name}*`);
    }
    expect(mrkdwnToPlain('see <https://a.example/v1/alerts/7|#7> and <https://b.example>')).toBe(
      'see #7 (https://a.example/v1/alerts/7) and https://b.example',
    );
  });

  it('renders a pipeline-health card with its facts and what to do; a group lists each line with its facts', () => {
    const health = (id: string, kind: NotificationPayload['kind'] = 'firing'): NotificationPayload =>
      payload(
        {
          kind,
          alertId: id,
          rule: {
            id: '12',
            name: 'Marketing Stream subscription failed',
            metric: 'subscription_failed_hours',
            condition: 'at_least',
            threshold: '0',
            baseline: null,
            severity: 'critical',
          },
          window: null,
          value: kind === 'resolved' ? null : '3.50',
          note: kind === 'resolved' ? 'now ACTIVE' : 'SUSPENDED since 2026-12-07T07:00:00.000Z',
          facts: [
            { label: 'Profile', value: '1234567890123' },
            { label: 'Dataset', value: 'sp-traffic' },
            { label: 'Destination', value: 'ams-sp-traffic' },
          ],
          ...(kind === 'resolved'
            ? {}
            : { action: 'A SUSPENDED subscription cannot be re-activated: subscribe again.' }),
        },
        { type: 'subscription', id: `amzn1.sub.${id}`, name: `sp-traffic of profile 1234567890123`, campaignId: null },
      );
    const card = messageAsText(renderSlackMessage([health('7')], opts));
    for (const text of [
      'Subscription',
      '*Hours failed*: 3.5 h',
      'Hours failed ≥ 0 h',
      '*Profile*: 1234567890123',
      '*Dataset*: sp-traffic',
      '*Destination*: ams-sp-traffic',
      'latest status',
      'critical',
      'What to do',
      'cannot be re-activated',
    ]) {
      expect({ text, found: card.includes(text) }).toEqual({ text, found: true });
    }
    const resolved = messageAsText(renderSlackMessage([health('7', 'resolved')], opts));
    expect(resolved).toContain('now ACTIVE');
    expect(resolved).not.toContain('What to do');

    const group = messageAsText(renderSlackMessage([health('7'), health('8')], opts));
    expect(group).toContain('2 subscriptions: Marketing Stream subscription failed');
    expect(group).toContain('Dataset sp-traffic');
    expect(group.match(/cannot be re-activated/g)).toHaveLength(1);
  });
});
