import { useRoute } from 'preact-iso';
import { useEffect } from 'preact/hooks';
import { api } from '../api/client';
import type { AlertDetail as AlertDetailData } from '../api/types';
import { Empty, Loaded } from '../components/states';
import { formatDateTime } from '../lib/format';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useCan, useLiveRefresh } from '../session';
import { AlertCommands, alertFigures, isSnoozed } from './alerts';

/** One alert: its figures, history (every state change) and notifications. */
export default function AlertDetail() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const alertId = params['alertId'];
  const adv = useAdvertiser(advertiserId);
  const canOperate = useCan('operator');
  const r = useResource(
    (signal) => api<AlertDetailData>(`/v1/alerts/${encodeURIComponent(alertId)}`, { signal }),
    [alertId],
  );
  useLiveRefresh((e) => e.type === 'alert' && e.alertId === alertId, r.reload);
  useEffect(() => {
    document.title = `Alert ${alertId} · ams-sentinel`;
  }, [alertId]);
  const tz = adv.timeZone;

  return (
    <section>
      <h1>Alerts</h1>
      <p class="subtitle">
        <a href={`/advertisers/${encodeURIComponent(advertiserId)}/alerts`}>All alerts</a> · alert {alertId}
      </p>
      <Loaded r={r}>
        {(a) => (
          <>
            <h2>
              {a.rule.name}: {a.entity.name ?? a.entity.id}
            </h2>
            <dl class="facts">
              <dt>State</dt>
              <dd>
                {isSnoozed(a) ? `snoozed until ${formatDateTime(a.snoozedUntil, tz)}` : a.state}
                {a.acknowledged ? `, acknowledged${a.acknowledgedBy ? ` by ${a.acknowledgedBy}` : ''}` : ''}
              </dd>
              <dt>Severity</dt>
              <dd>{a.severity}</dd>
              <dt>Metric</dt>
              <dd>{a.rule.metric}</dd>
              <dt>Figures</dt>
              <dd>{alertFigures(a)}</dd>
              <dt>Window</dt>
              <dd>{a.window ? `${formatDateTime(a.window.start, tz)} – ${formatDateTime(a.window.end, tz)}` : '—'}</dd>
              <dt>Fired</dt>
              <dd>{formatDateTime(a.firedAt, tz)}</dd>
              <dt>Resolved</dt>
              <dd>{formatDateTime(a.resolvedAt, tz)}</dd>
              {a.entity.campaignId ? (
                <>
                  <dt>Campaign</dt>
                  <dd>
                    <a
                      href={`/advertisers/${encodeURIComponent(advertiserId)}/campaigns/${encodeURIComponent(a.entity.campaignId)}`}
                    >
                      {a.entity.campaignId}
                    </a>
                  </dd>
                </>
              ) : null}
            </dl>
            {canOperate ? <AlertCommands a={a} done={r.reload} /> : null}
            <h2>History</h2>
            {a.history.length ? (
              <div class="table-wrap">
                <table>
                  <caption>State changes</caption>
                  <thead>
                    <tr>
                      <th scope="col">When (local)</th>
                      <th scope="col">Event</th>
                      <th scope="col">Value</th>
                      <th scope="col">Threshold</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.history.map((h) => (
                      <tr key={h.id}>
                        <td>{formatDateTime(h.at, tz)}</td>
                        <td>{h.type}</td>
                        <td>{h.value ?? '—'}</td>
                        <td>{h.threshold ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No history.</Empty>
            )}
            <h2>Notifications</h2>
            {a.notifications.length ? (
              <div class="table-wrap">
                <table>
                  <caption>Notifications sent for this alert</caption>
                  <thead>
                    <tr>
                      <th scope="col">Created (local)</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Destination</th>
                      <th scope="col">Status</th>
                      <th scope="col">Sent</th>
                      <th scope="col">Last error</th>
                    </tr>
                  </thead>
                  <tbody>
                    {a.notifications.map((n) => (
                      <tr key={n.id}>
                        <td>{formatDateTime(n.created_at, tz)}</td>
                        <td>{n.kind}</td>
                        <td>{n.destination}</td>
                        <td>
                          {n.status} ({n.attempts} attempts)
                        </td>
                        <td>{formatDateTime(n.sent_at, tz)}</td>
                        <td>{n.last_error ?? '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No notification.</Empty>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
