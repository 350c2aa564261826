import { useRoute } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api/client';
import type { Alert } from '../api/types';
import { CommandButton } from '../components/command-button';
import { Empty, Loaded } from '../components/states';
import { formatDateTime } from '../lib/format';
import { pick, useQueryState } from '../lib/query';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useCan, useLiveRefresh } from '../session';

const STATES = ['firing', 'snoozed', 'resolved', 'all'] as const;
const STATE_LABEL = { firing: 'Firing', snoozed: 'Snoozed', resolved: 'Resolved', all: 'All' } as const;
const SEVERITIES = ['', 'critical', 'warning', 'info'] as const;
const SNOOZE_MINUTES = ['60', '240', '1440'] as const;
const SNOOZE_LABEL = { '60': '1 hour', '240': '4 hours', '1440': '1 day' } as const;

export const isSnoozed = (a: Alert, now = Date.now()) =>
  a.state === 'firing' && a.snoozedUntil !== null && Date.parse(a.snoozedUntil) > now;

/** The alert's figures in words: value against threshold (and its baseline change). */
export function alertFigures(a: Alert): string {
  const value = a.value ?? '—';
  return a.changePct !== null
    ? `${value} (${a.changePct} % vs ${a.baseline ?? '—'}), threshold ${a.threshold}`
    : `${value}, threshold ${a.threshold}`;
}

/** Acknowledge and Snooze for an operator key (the api refuses them to read keys). */
export function AlertCommands({ a, done }: { a: Alert; done: () => void }) {
  const [minutes, setMinutes] = useState<(typeof SNOOZE_MINUTES)[number]>('60');
  if (a.state !== 'firing') return null;
  return (
    <div class="actions">
      {!a.acknowledged ? (
        <CommandButton run={() => api(`/v1/alerts/${a.id}/acknowledge`, { method: 'POST', body: {} })} done={done}>
          Acknowledge
        </CommandButton>
      ) : null}
      <label class="sr-inline">
        <span class="visually-hidden">Snooze for</span>
        <select
          value={minutes}
          onChange={(e) => setMinutes((e.currentTarget as HTMLSelectElement).value as typeof minutes)}
        >
          {SNOOZE_MINUTES.map((m) => (
            <option key={m} value={m}>
              {SNOOZE_LABEL[m]}
            </option>
          ))}
        </select>
      </label>
      <CommandButton
        variant="secondary"
        run={() => api(`/v1/alerts/${a.id}/snooze`, { method: 'POST', body: { minutes: Number(minutes) } })}
        done={done}
      >
        Snooze
      </CommandButton>
    </div>
  );
}

export default function Alerts() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const adv = useAdvertiser(advertiserId);
  const canOperate = useCan('operator');
  const { query, set } = useQueryState();
  const state = pick(query['state'], STATES);
  const severity = pick(query['severity'], SEVERITIES);
  const campaign = query['campaign'] ?? '';
  const [pages, setPages] = useState(1);

  useEffect(() => {
    document.title = `Alerts · ${adv.name ?? advertiserId} · ams-sentinel`;
  }, [advertiserId, adv.name]);
  useEffect(() => setPages(1), [advertiserId, state, campaign]);

  const r = useResource(
    async (signal) => {
      const apiState = state === 'snoozed' ? 'firing' : state === 'all' ? undefined : state;
      const out: Alert[] = [];
      let cursor: string | undefined;
      let more = false;
      for (let i = 0; i < pages; i++) {
        const page = await api<{ data: Alert[]; nextCursor: string | null }>(
          `/v1/alerts${qs({ advertiserId, state: apiState, campaignId: campaign || undefined, limit: 100, cursor })}`,
          { signal },
        );
        out.push(...page.data);
        cursor = page.nextCursor ?? undefined;
        more = cursor !== undefined;
        if (!more) break;
      }
      return { alerts: out, more };
    },
    [advertiserId, state, campaign, pages],
  );

  useLiveRefresh((e) => e.type === 'alert' && e.advertiserId === advertiserId, r.reload);

  return (
    <section>
      <h1>Alerts</h1>
      <div class="controls">
        <label>
          State
          <select value={state} onChange={(e) => set({ state: (e.currentTarget as HTMLSelectElement).value })}>
            {STATES.map((s) => (
              <option key={s} value={s}>
                {STATE_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Severity
          <select value={severity} onChange={(e) => set({ severity: (e.currentTarget as HTMLSelectElement).value })}>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {s || 'All'}
              </option>
            ))}
          </select>
        </label>
        <label>
          Campaign id
          <input
            type="search"
            value={campaign}
            onChange={(e) => set({ campaign: (e.currentTarget as HTMLInputElement).value.trim() })}
          />
        </label>
      </div>
      <Loaded r={r}>
        {(d) => {
          const now = Date.now();
          const rows = d.alerts.filter(
            (a) =>
              (!severity || a.severity === severity) &&
              (state === 'snoozed' ? isSnoozed(a, now) : state === 'firing' ? !isSnoozed(a, now) : true),
          );
          if (!rows.length)
            return <Empty>No {state === 'all' ? '' : `${STATE_LABEL[state].toLowerCase()} `}alert.</Empty>;
          return (
            <>
              <div class="table-wrap">
                <table>
                  <caption>
                    {STATE_LABEL[state]} alerts ({rows.length}
                    {d.more ? '+' : ''})
                  </caption>
                  <thead>
                    <tr>
                      <th scope="col">Alert</th>
                      <th scope="col">Severity</th>
                      <th scope="col">Entity</th>
                      <th scope="col">Figures</th>
                      <th scope="col">Fired (local)</th>
                      <th scope="col">State</th>
                      {canOperate ? <th scope="col">Commands</th> : null}
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((a) => (
                      <tr key={a.id}>
                        <th scope="row">
                          <a href={`/advertisers/${encodeURIComponent(advertiserId)}/alerts/${a.id}`}>{a.rule.name}</a>
                        </th>
                        <td>
                          <span class={`label ${a.severity}`}>{a.severity}</span>
                        </td>
                        <td>
                          {a.entity.type} {a.entity.name ?? a.entity.id}
                        </td>
                        <td>{alertFigures(a)}</td>
                        <td>{formatDateTime(a.firedAt, adv.timeZone)}</td>
                        <td>
                          {isSnoozed(a, now)
                            ? `snoozed until ${formatDateTime(a.snoozedUntil, adv.timeZone)}`
                            : a.state === 'resolved'
                              ? `resolved ${formatDateTime(a.resolvedAt, adv.timeZone)}`
                              : 'firing'}
                          {a.acknowledged ? `, acknowledged${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ''}` : ''}
                        </td>
                        {canOperate ? (
                          <td>
                            <AlertCommands a={a} done={r.reload} />
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {d.more ? (
                <button type="button" class="secondary" onClick={() => setPages((p) => p + 1)}>
                  Load more
                </button>
              ) : null}
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
