import { useEffect, useState } from 'preact/hooks';
import { api, qs } from '../api/client';
import type {
  AdsConnection,
  Freshness,
  Health,
  QuarantineItem,
  SnsSubscription,
  StreamSubscription,
} from '../api/types';
import { CommandButton } from '../components/command-button';
import { Empty, ErrorMessage, Loaded } from '../components/states';
import { formatAgo, formatCount, formatDateTime } from '../lib/format';
import { useResource } from '../lib/use-resource';
import { useCan, useSession } from '../session';

type Settled<T> = { value: T; error?: undefined } | { value?: undefined; error: string };
const settle = <T,>(p: Promise<T>): Promise<Settled<T>> =>
  p.then(
    (value) => ({ value }),
    (e: unknown) => ({ error: e instanceof Error ? e.message : String(e) }),
  );

interface PipelineData {
  health: Settled<Health>;
  quarantine: Settled<{ data: QuarantineItem[]; nextCursor: string | null }>;
  subscriptions: Settled<{ data: SnsSubscription[] }>;
  connection: Settled<AdsConnection>;
  streams: Settled<{ data: StreamSubscription[] }>;
  freshness: Array<{ advertiserId: string; rows: Settled<{ data: Freshness[] }> }>;
}

const MAX_FRESHNESS_ADVERTISERS = 20;
const PIPELINE_REFRESH_MS = 60_000;

/**
 * The pipeline: SQS queue and dead-letter depth (GET /health), quarantine (inspect, replay), SNS confirmations,
 * Marketing Stream subscriptions, the Ads API connection, and the last record of each dataset. Times are UTC here:
 * the pipeline is not one advertiser's.
 */
export default function Pipeline() {
  const { session } = useSession();
  const canReplay = useCan('admin');
  const advertisers = (session?.advertisers ?? []).slice(0, MAX_FRESHNESS_ADVERTISERS);
  useEffect(() => {
    document.title = 'Pipeline · ams-sentinel';
  }, []);

  const r = useResource<PipelineData>(
    async (signal) => {
      const [health, quarantine, subscriptions, connection, streams, freshness] = await Promise.all([
        settle(api<Health>('/health', { signal })),
        settle(
          api<{ data: QuarantineItem[]; nextCursor: string | null }>(
            `/v1/quarantine${qs({ status: 'open', limit: 50 })}`,
            { signal },
          ),
        ),
        settle(api<{ data: SnsSubscription[] }>('/v1/subscriptions?limit=50', { signal })),
        settle(api<AdsConnection>('/v1/ads/connection', { signal })),
        settle(api<{ data: StreamSubscription[] }>('/v1/ads/stream-subscriptions?limit=200', { signal })),
        Promise.all(
          advertisers.map(async (a) => ({
            advertiserId: a.advertiserId,
            rows: await settle(
              api<{ data: Freshness[] }>(`/v1/advertisers/${encodeURIComponent(a.advertiserId)}/freshness`, { signal }),
            ),
          })),
        ),
      ]);
      return { health, quarantine, subscriptions, connection, streams, freshness };
    },
    [advertisers.map((a) => a.advertiserId).join(',')],
  );

  // the pipeline is no advertiser's, so no event stream: it refreshes every minute
  useEffect(() => {
    const t = setInterval(r.reload, PIPELINE_REFRESH_MS);
    return () => clearInterval(t);
  }, [r.reload]);

  return (
    <section>
      <h1>Pipeline</h1>
      <p class="subtitle">Times in UTC; refreshed every minute.</p>
      <Loaded r={r}>
        {(d) => (
          <>
            <h2>Queues</h2>
            <Part s={d.health}>{(h) => <Queues h={h} />}</Part>

            <h2>Quarantine</h2>
            <Part s={d.quarantine}>
              {(q) =>
                q.data.length ? (
                  <div class="table-wrap">
                    <table>
                      <caption>
                        Open quarantine items ({q.data.length}
                        {q.nextCursor ? '+' : ''})
                      </caption>
                      <thead>
                        <tr>
                          <th scope="col">Id</th>
                          <th scope="col">Dataset</th>
                          <th scope="col">Reason</th>
                          <th scope="col">Received</th>
                          <th scope="col">Payload</th>
                          {canReplay ? <th scope="col">Replay</th> : null}
                        </tr>
                      </thead>
                      <tbody>
                        {q.data.map((item) => (
                          <tr key={item.id}>
                            <th scope="row">{item.id}</th>
                            <td>{item.datasetId ?? '—'}</td>
                            <td>
                              <code>{item.code}</code> {item.reason}
                            </td>
                            <td>{formatDateTime(item.receivedAt, 'UTC')}</td>
                            <td>
                              <Payload item={item} />
                            </td>
                            {canReplay ? (
                              <td>
                                <CommandButton
                                  run={() => api(`/v1/quarantine/${item.id}/replay`, { method: 'POST', body: {} })}
                                  done={r.reload}
                                >
                                  Replay
                                </CommandButton>
                              </td>
                            ) : null}
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : (
                  <Empty>Nothing is quarantined.</Empty>
                )
              }
            </Part>

            <h2>Last record per dataset</h2>
            {d.freshness.length ? (
              <div class="table-wrap">
                <table>
                  <caption>Last record of each dataset, per advertiser</caption>
                  <thead>
                    <tr>
                      <th scope="col">Advertiser</th>
                      <th scope="col">Dataset</th>
                      <th scope="col">Last record</th>
                      <th scope="col">Latest hour</th>
                    </tr>
                  </thead>
                  <tbody>
                    {d.freshness.flatMap((f) =>
                      f.rows.error !== undefined
                        ? [
                            <tr key={f.advertiserId}>
                              <th scope="row">{f.advertiserId}</th>
                              <td colSpan={3}>{f.rows.error}</td>
                            </tr>,
                          ]
                        : f.rows.value.data.map((x) => (
                            <tr key={`${f.advertiserId}/${x.datasetId}`}>
                              <th scope="row">{f.advertiserId}</th>
                              <td>{x.datasetId}</td>
                              <td title={formatDateTime(x.lastReceivedAt, 'UTC')}>{formatAgo(x.lastReceivedAt)}</td>
                              <td>{formatDateTime(x.latestHourStart, 'UTC')}</td>
                            </tr>
                          )),
                    )}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No advertiser yet.</Empty>
            )}

            <h2>Amazon Ads API connection</h2>
            <Part s={d.connection}>
              {(c) => (
                <>
                  <dl class="facts">
                    <dt>State</dt>
                    <dd>
                      <strong>{c.state}</strong>
                      {c.region ? ` (${c.region})` : ''}
                    </dd>
                    <dt>Token refreshed</dt>
                    <dd>{formatDateTime(c.lastTokenRefreshAt, 'UTC')}</dd>
                    <dt>Last error</dt>
                    <dd>{c.lastError ? `${c.lastError} (${formatDateTime(c.lastErrorAt, 'UTC')})` : 'none'}</dd>
                  </dl>
                  {c.syncs.length ? (
                    <div class="table-wrap">
                      <table>
                        <caption>Syncs: last run of each</caption>
                        <thead>
                          <tr>
                            <th scope="col">Kind</th>
                            <th scope="col">Scope</th>
                            <th scope="col">Status</th>
                            <th scope="col">Finished</th>
                            <th scope="col">Error</th>
                          </tr>
                        </thead>
                        <tbody>
                          {c.syncs.map((s) => (
                            <tr key={`${s.kind}/${s.scope}`}>
                              <th scope="row">{s.kind}</th>
                              <td>{s.scope}</td>
                              <td>{s.status}</td>
                              <td>{formatDateTime(s.finishedAt, 'UTC')}</td>
                              <td>{s.error ?? '—'}</td>
                            </tr>
                          ))}
                        </tbody>
                      </table>
                    </div>
                  ) : null}
                </>
              )}
            </Part>

            <h2>Marketing Stream subscriptions</h2>
            <Part s={d.streams}>
              {(s) =>
                s.data.length ? (
                  <div class="table-wrap">
                    <table>
                      <caption>Stream subscriptions as last polled</caption>
                      <thead>
                        <tr>
                          <th scope="col">Dataset</th>
                          <th scope="col">Profile</th>
                          <th scope="col">Status</th>
                          <th scope="col">Since</th>
                          <th scope="col">Polled</th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.data.map((x) => (
                          <tr key={x.subscriptionId}>
                            <th scope="row">{x.dataSetId}</th>
                            <td>{x.profileId}</td>
                            <td>{x.status}</td>
                            <td>{formatDateTime(x.statusSince, 'UTC')}</td>
                            <td>{formatAgo(x.polledAt)}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : (
                  <Empty>No Marketing Stream subscription is known.</Empty>
                )
              }
            </Part>

            <h2>SNS subscription confirmations</h2>
            <Part s={d.subscriptions}>
              {(s) =>
                s.data.length ? (
                  <div class="table-wrap">
                    <table>
                      <caption>SNS confirmations (latest 50)</caption>
                      <thead>
                        <tr>
                          <th scope="col">Topic</th>
                          <th scope="col">Dataset</th>
                          <th scope="col">Outcome</th>
                          <th scope="col">When</th>
                        </tr>
                      </thead>
                      <tbody>
                        {s.data.map((x) => (
                          <tr key={x.id}>
                            <th scope="row">
                              <code>{x.topicArn}</code>
                            </th>
                            <td>{x.datasetId ?? '—'}</td>
                            <td>
                              {x.outcome}
                              {x.detail ? <div class="muted">{x.detail}</div> : null}
                            </td>
                            <td>{formatDateTime(x.attemptedAt, 'UTC')}</td>
                          </tr>
                        ))}
                      </tbody>
                    </table>
                  </div>
                ) : (
                  <Empty>No SNS confirmation yet.</Empty>
                )
              }
            </Part>
          </>
        )}
      </Loaded>
    </section>
  );
}

function Part<T>({ s, children }: { s: Settled<T>; children: (v: T) => preact.ComponentChildren }) {
  return s.error !== undefined ? <ErrorMessage error={new Error(s.error)} /> : <>{children(s.value)}</>;
}

function Queues({ h }: { h: Health }) {
  const p = h.integrations.pipeline;
  if (p.status === 'unknown') return <p class="state error">Pipeline state unknown: {p.reason}</p>;
  return (
    <>
      <p>
        Pipeline <strong>{p.status}</strong>; hand-off to JetStream {p.handOffOpen ? 'open' : 'stopped'};{' '}
        {formatCount(p.deadLetterMessages)} dead-lettered message(s).
      </p>
      {p.queues?.length ? (
        <div class="table-wrap">
          <table>
            <caption>SQS queues and their dead-letter queues</caption>
            <thead>
              <tr>
                <th scope="col">Queue</th>
                <th scope="col" class="num">
                  Visible
                </th>
                <th scope="col" class="num">
                  In flight
                </th>
                <th scope="col" class="num">
                  Oldest (s)
                </th>
                <th scope="col">Dead-letter queue</th>
                <th scope="col" class="num">
                  DLQ depth
                </th>
              </tr>
            </thead>
            <tbody>
              {p.queues.map((q) => (
                <tr key={q.queue}>
                  <th scope="row">{q.queue}</th>
                  <td class="num">{q.depth ? formatCount(q.depth.visible) : (q.error ?? '—')}</td>
                  <td class="num">{q.depth ? formatCount(q.depth.notVisible) : '—'}</td>
                  <td class="num">{q.depth?.oldestAgeSeconds ?? '—'}</td>
                  <td>{q.deadLetter?.queue ?? 'none'}</td>
                  <td class="num">
                    {q.deadLetter
                      ? formatCount(q.deadLetter.visible + q.deadLetter.notVisible + q.deadLetter.delayed)
                      : '—'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </>
  );
}

/** The payload preview, and the whole stored body on demand (GET /v1/quarantine/{id}). */
function Payload({ item }: { item: QuarantineItem }) {
  const [full, setFull] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const onToggle = (e: Event) => {
    if (!(e.currentTarget as HTMLDetailsElement).open || full !== undefined || !item.rawBodyTruncated) return;
    api<QuarantineItem>(`/v1/quarantine/${item.id}`).then(
      (x) => setFull(x.rawBody),
      (err: unknown) => setError(err instanceof Error ? err.message : String(err)),
    );
  };
  return (
    <details onToggle={onToggle}>
      <summary>Inspect ({formatCount(item.rawBodyBytes)} bytes)</summary>
      {error ? <p class="field-error">{error}</p> : null}
      <pre>{full ?? item.rawBody}</pre>
    </details>
  );
}
