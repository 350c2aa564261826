import type { AlertBaseline, AlertCondition, AlertMetric, AlertSeverity } from '@ams/contracts';
import { describeCondition, formatValue, METRIC_LABELS, metricUnit } from '../rules/rule.logic';
import { describeWindow } from '../evaluation/window.logic';

export type NotificationKind = 'firing' | 'resolved' | 'reminder';

/** A message about automation (an action proposed, executed, failed; a daily digest), already worded. */
export interface AutomationNotice {
  v: 1;
  kind: 'action' | 'action_result' | 'digest';
  actionId: string | null;
  advertiserId: string;
  title: string;
  lines: string[];
  at: string;
}

export function isAutomationNotice(p: NotificationPayload | AutomationNotice): p is AutomationNotice {
  return p.kind === 'action' || p.kind === 'action_result' || p.kind === 'digest';
}

function renderNotices(notices: AutomationNotice[], footer: string): MessageBlock[] {
  const blocks: MessageBlock[] = [];
  for (const n of notices.slice(0, 15)) {
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*${escapeMrkdwn(n.title)}*`, SECTION_LIMIT) } });
    if (n.lines.length) {
      blocks.push({
        type: 'section',
        text: { type: 'mrkdwn', text: clip(n.lines.map((l) => escapeMrkdwn(l)).join('\n'), SECTION_LIMIT) },
      });
    }
    blocks.push({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: clip(
            `${n.actionId ? `Action #${n.actionId} · ` : ''}advertiser ${n.advertiserId} · ${n.at}${footer}`,
            2000,
          ),
        },
      ],
    });
  }
  if (notices.length > 15) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `… and ${notices.length - 15} more automation messages` }],
    });
  }
  return blocks;
}

/** What an outbox entry says, frozen at the state change (stored as `notification_outbox.payload`). */
export interface NotificationPayload {
  v: 1;
  kind: NotificationKind;
  alertId: string;
  rule: {
    id: string;
    name: string;
    metric: AlertMetric;
    condition: AlertCondition;
    threshold: string;
    baseline: AlertBaseline | null;
    severity: AlertSeverity;
  };
  entity: {
    type: string;
    id: string;
    name: string | null;
    advertiserId: string;
    campaignId: string | null;
    campaignName: string | null;
  };
  /** null for rules that are not window-based (budget usage) */
  window: { key: string; startUtc: string; endUtc: string } | null;
  value: string | null;
  baseline: string | null;
  changePct: string | null;
  note: string | null;
  /** when the state change happened */
  at: string;
  firedAt: string;
  /** pipeline health: profile, dataset, destination, since when (absent in older entries) */
  facts?: Array<{ label: string; value: string }>;
  /** pipeline health: what to do (firing and reminders only) */
  action?: string;
}

/** The Block Kit subset these messages use (structurally what `@slack/webhook` accepts). */
interface TextObject {
  type: 'plain_text' | 'mrkdwn';
  text: string;
  emoji?: boolean;
}
export type MessageBlock =
  | { type: 'header'; text: TextObject & { type: 'plain_text' } }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'actions'; elements: Array<{ type: 'button'; text: TextObject & { type: 'plain_text' }; url: string }> };

export interface SlackMessage {
  text: string;
  blocks: MessageBlock[];
}

export interface RenderOptions {
  linkBaseUrl: string;
  /** an earlier attempt was interrupted and may have been delivered: say so */
  mayRepeat: boolean;
}

const ICON: Record<NotificationKind, string> = { firing: '🔴', resolved: '✅', reminder: '🔁' };
const ENTITY_WORDS: Record<string, [string, string]> = {
  advertiser: ['advertiser', 'advertisers'],
  campaign: ['campaign', 'campaigns'],
  ad_group: ['ad group', 'ad groups'],
  keyword: ['keyword', 'keywords'],
  portfolio: ['portfolio', 'portfolios'],
  queue: ['queue', 'queues'],
  subscription: ['subscription', 'subscriptions'],
  connection: ['connection', 'connections'],
};
const SECTION_LIMIT = 2900;
const HEADER_LIMIT = 150;

/** Slack mrkdwn needs &, < and > escaped in text that is not markup. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function alertLink(base: string, alertId: string): string {
  return `${base.replace(/\/+$/, '')}/v1/alerts/${encodeURIComponent(alertId)}`;
}

function entityWord(type: string, n: number): string {
  const w = ENTITY_WORDS[type] ?? [type, `${type}s`];
  return n === 1 ? w[0] : w[1];
}

/** `Campaign “SP - Earbuds” (185402650650808)` — names when known, ids always. */
export function entityLabel(p: NotificationPayload, markup = true): string {
  const e = p.entity;
  const word = entityWord(e.type, 1);
  const cap = word[0].toUpperCase() + word.slice(1);
  const name = e.name ? (markup ? `*${escapeMrkdwn(e.name)}*` : `“${e.name}”`) : null;
  const id = markup ? `\`${escapeMrkdwn(e.id)}\`` : e.id;
  const inCampaign =
    e.campaignId && e.type !== 'campaign'
      ? ` in campaign ${e.campaignName ? escapeMrkdwn(e.campaignName) : e.campaignId}`
      : '';
  return `${cap} ${name ? `${name} (${id})` : id}${inCampaign}`;
}

function valueText(p: NotificationPayload): string {
  const unit = metricUnit(p.rule.metric);
  if (p.value === null && p.note) return p.note;
  return formatValue(p.value, unit);
}

function baselineText(p: NotificationPayload): string | null {
  if (p.baseline === null) return null;
  const unit = metricUnit(p.rule.metric);
  const change =
    p.changePct === null
      ? ''
      : ` (${Number(p.changePct) >= 0 ? '+' : ''}${String(Number(Number(p.changePct).toFixed(1)))} %)`;
  return `${formatValue(p.baseline, unit)}${change}`;
}

function windowText(p: NotificationPayload): string {
  if (p.window) return describeWindow(p.window.key);
  return p.rule.metric === 'budget_usage' || p.rule.metric === 'projected_out_of_budget_before'
    ? 'latest usage'
    : 'latest status';
}

function groupTitle(kind: NotificationKind, ruleName: string, entityType: string, n: number): string {
  const what = `${n} ${entityWord(entityType, n)}`;
  switch (kind) {
    case 'firing':
      return `${ICON.firing} ${what}: ${ruleName}`;
    case 'resolved':
      return `${ICON.resolved} ${what} recovered: ${ruleName}`;
    case 'reminder':
      return `${ICON.reminder} ${what} still firing: ${ruleName}`;
  }
}

function singleTitle(p: NotificationPayload): string {
  const label = entityLabel(p, false);
  switch (p.kind) {
    case 'firing':
      return `${ICON.firing} ${p.rule.name}: ${label}`;
    case 'resolved':
      return `${ICON.resolved} Resolved: ${p.rule.name}: ${label}`;
    case 'reminder':
      return `${ICON.reminder} Still firing: ${p.rule.name}: ${label}`;
  }
}

function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** One line of a grouped message. */
function line(p: NotificationPayload, linkBaseUrl: string): string {
  const metric = METRIC_LABELS[p.rule.metric];
  const base = baselineText(p);
  return (
    `• ${entityLabel(p)} — ${metric} ${valueText(p)}${base ? ` vs ${base}` : ''}` +
    (p.facts?.length
      ? ` · ${p.facts.map((f) => `${escapeMrkdwn(f.label)} ${escapeMrkdwn(f.value)}`).join(' · ')}`
      : '') +
    ` · ${escapeMrkdwn(windowText(p))} · <${alertLink(linkBaseUrl, p.alertId)}|#${p.alertId}>`
  );
}

/**
 * The Block Kit message for the entries sent together to one destination: one alert gets the full
 * card (entity, value vs threshold vs baseline, window, severity, link); several get one line each
 * under a title per rule and kind, e.g. "🔴 12 campaigns: out of budget".
 */
export function renderSlackMessage(
  all: Array<NotificationPayload | AutomationNotice>,
  opts: RenderOptions,
): SlackMessage {
  if (all.length === 0) throw new Error('nothing to render');
  const footer = opts.mayRepeat ? ' · ⚠️ re-sent after an interrupted delivery: may repeat an earlier message' : '';
  const notices = all.filter(isAutomationNotice);
  const payloads = all.filter((p): p is NotificationPayload => !isAutomationNotice(p));
  if (notices.length) {
    const blocks = renderNotices(notices, footer);
    const text = notices.map((n) => n.title).join(' · ');
    if (payloads.length === 0) return { text: clip(text, 3000), blocks };
    const alerts = renderSlackMessage(payloads, opts);
    return { text: clip(`${alerts.text} · ${text}`, 3000), blocks: [...alerts.blocks, ...blocks].slice(0, 50) };
  }
  if (payloads.length === 1) {
    const p = payloads[0];
    const title = singleTitle(p);
    const fields = [
      `*Entity*\n${entityLabel(p)}`,
      `*${METRIC_LABELS[p.rule.metric]}*\n${valueText(p)}`,
      `*Condition*\n${escapeMrkdwn(describeCondition(p.rule))}`,
      ...(baselineText(p) ? [`*Baseline*\n${baselineText(p)}`] : []),
      `*Window*\n${escapeMrkdwn(windowText(p))}`,
      `*Severity*\n${p.rule.severity}`,
      // pipeline alerts (queues) belong to no advertiser
      ...(p.entity.advertiserId ? [`*Advertiser*\n\`${escapeMrkdwn(p.entity.advertiserId)}\``] : []),
      ...(p.facts ?? []).map((f) => `*${escapeMrkdwn(f.label)}*\n${escapeMrkdwn(f.value)}`),
    ];
    const when = p.kind === 'resolved' ? `resolved ${p.at}` : `fired ${p.firedAt}`;
    return {
      text: `${title} — ${METRIC_LABELS[p.rule.metric]} ${valueText(p)} (${describeCondition(p.rule)})`,
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: clip(title, HEADER_LIMIT), emoji: true } },
        // Slack allows 10 fields per section
        { type: 'section', fields: fields.slice(0, 10).map((text) => ({ type: 'mrkdwn', text: clip(text, 2000) })) },
        ...(fields.length > 10
          ? [
              {
                type: 'section' as const,
                fields: fields.slice(10).map((text) => ({ type: 'mrkdwn' as const, text: clip(text, 2000) })),
              },
            ]
          : []),
        ...(p.action
          ? [
              {
                type: 'section' as const,
                text: { type: 'mrkdwn' as const, text: clip(`*What to do*\n${escapeMrkdwn(p.action)}`, SECTION_LIMIT) },
              },
            ]
          : []),
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: clip(`Alert #${p.alertId} · ${when}${p.note ? ` · ${escapeMrkdwn(p.note)}` : ''}${footer}`, 2000),
            },
          ],
        },
        {
          type: 'actions',
          elements: [
            {
              type: 'button',
              text: { type: 'plain_text', text: 'Open alert' },
              url: alertLink(opts.linkBaseUrl, p.alertId),
            },
          ],
        },
      ],
    };
  }

  // several alerts: one title per (kind, rule), one line per alert
  const groups = new Map<string, NotificationPayload[]>();
  for (const p of payloads) {
    const key = `${p.kind}\u0000${p.rule.id}\u0000${p.entity.type}`;
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  const titles = [...groups.values()].map((g) => groupTitle(g[0].kind, g[0].rule.name, g[0].entity.type, g.length));
  const title = groups.size === 1 ? titles[0] : `🔔 ${payloads.length} alerts`;
  const blocks: MessageBlock[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(title, HEADER_LIMIT), emoji: true } },
  ];
  let i = 0;
  for (const g of groups.values()) {
    const head =
      groups.size === 1
        ? `*${escapeMrkdwn(describeCondition(g[0].rule))}* · ${g[0].rule.severity}`
        : `*${escapeMrkdwn(titles[i])}* · ${escapeMrkdwn(describeCondition(g[0].rule))}`;
    i++;
    let text = head;
    for (const p of g) {
      const l = clip(line(p, opts.linkBaseUrl), SECTION_LIMIT - 10);
      if (text.length + 1 + l.length > SECTION_LIMIT) {
        blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
        text = l;
      } else {
        text = `${text}\n${l}`;
      }
    }
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
    const actions = [...new Set(g.map((p) => p.action).filter((a): a is string => !!a))];
    if (actions.length) {
      const todo = actions.map((a) => `• ${escapeMrkdwn(a)}`).join('\n');
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: clip(`*What to do*\n${todo}`, SECTION_LIMIT) } });
    }
  }
  const severities = [...new Set(payloads.map((p) => p.rule.severity))].join(', ');
  blocks.push({
    type: 'context',
    elements: [{ type: 'mrkdwn', text: clip(`${payloads.length} alerts · severity ${severities}${footer}`, 2000) }],
  });
  blocks.push({
    type: 'actions',
    elements: [
      {
        type: 'button',
        text: { type: 'plain_text', text: 'Open alerts' },
        url: `${opts.linkBaseUrl.replace(/\/+$/, '')}/v1/alerts?state=firing`,
      },
    ],
  });
  return { text: `${title}: ${titles.join('; ')}`, blocks: blocks.slice(0, 50) };
}

/**
 * Slack mrkdwn as plain text: links `<url|label>` become `label (url)`, and the three escaped
 * characters are restored, so a name reads in a log exactly as the advertiser wrote it.
 */
export function mrkdwnToPlain(s: string): string {
  return s
    .replace(/<([^<>|]+)\|([^<>]*)>/g, '$2 ($1)')
    .replace(/<([^<>|]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** Plain text of a message, for the log when no webhook is configured. */
export function messageAsText(m: SlackMessage): string {
  const parts: string[] = [];
  for (const b of m.blocks) {
    if (b.type === 'header') parts.push(b.text.text);
    else if (b.type === 'section') {
      if (b.text) parts.push(b.text.text);
      for (const f of b.fields ?? []) parts.push(f.text.replace(/\n/g, ': '));
    } else if (b.type === 'context') {
      for (const e of b.elements) parts.push(e.text);
    }
  }
  return mrkdwnToPlain(parts.join('\n'));
}
