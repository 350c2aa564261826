import { useRoute } from 'preact-iso';
import { useEffect, useMemo } from 'preact/hooks';
import { api, qs } from '../api/client';
import type { Alert, Freshness, PerformanceResponse } from '../api/types';
import { LineChart } from '../components/line-chart';
import { MetricPicker } from '../components/metric-picker';
import { Empty, Loaded } from '../components/states';
import {
  addDays,
  changePct,
  formatAgo,
  formatDateTime,
  hourOfPeriod,
  localDate,
  yesterdayUntilThisHour,
} from '../lib/format';
import {
  formatAxis,
  formatMetric,
  METRIC_LABEL,
  METRICS,
  type MetricName,
  numericValue,
  rawValue,
} from '../lib/metrics';
import { pick, useQueryState } from '../lib/query';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useLiveRefresh } from '../session';

interface OverviewData {
  today: string;
  yesterday: string;
  todayPerf: PerformanceResponse;
  yesterdayPerf: PerformanceResponse;
  /** yesterday up to the end of the current local hour: what today's totals are compared with */
  yesterdaySoFar: PerformanceResponse;
  freshness: Freshness[];
  alerts: Alert[];
}

const hourlyRange = (advertiserId: string, r: { from: string; to: string }, signal: AbortSignal) =>
  hourly(advertiserId, r.from, signal, r.to);

/** One local day by hour (`from` = `to` = a date), or an instant range (`from`, `to` exclusive). */
const hourly = (advertiserId: string, from: string, signal: AbortSignal, to = from) =>
  api<PerformanceResponse>(`/v1/performance${qs({ advertiserId, from, to, granularity: 'hour', limit: 100 })}`, {
    signal,
  });

/** Today against yesterday by local hour, totals, data freshness and firing alerts of one advertiser. */
export default function Overview() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const adv = useAdvertiser(advertiserId);
  const { query, set } = useQueryState();
  const metric = pick(query['metric'], METRICS);

  useEffect(() => {
    document.title = `Overview · ${adv.name ?? advertiserId} · ams-sentinel`;
  }, [advertiserId, adv.name]);

  const r = useResource<OverviewData>(
    async (signal) => {
      const now = Date.now();
      const today = localDate(now, adv.timeZone);
      const yesterday = addDays(today, -1);
      const [todayPerf, yesterdayPerf, yesterdaySoFar, freshness, alerts] = await Promise.all([
        hourly(advertiserId, today, signal),
        hourly(advertiserId, yesterday, signal),
        hourlyRange(advertiserId, yesterdayUntilThisHour(now, adv.timeZone), signal),
        api<{ data: Freshness[] }>(`/v1/advertisers/${encodeURIComponent(advertiserId)}/freshness`, { signal }),
        api<{ data: Alert[] }>(`/v1/alerts${qs({ advertiserId, state: 'firing', limit: 20 })}`, { signal }),
      ]);
      return {
        today,
        yesterday,
        todayPerf,
        yesterdayPerf,
        yesterdaySoFar,
        freshness: freshness.data,
        alerts: alerts.data,
      };
    },
    [advertiserId, adv.timeZone],
  );

  useLiveRefresh(
    (e) =>
      e.type === 'perf'
        ? e.advertiserIds.includes(advertiserId)
        : e.type === 'alert' && e.advertiserId === advertiserId,
    r.reload,
  );

  return (
    <section>
      <h1>Overview</h1>
      <p class="subtitle">
        {adv.name ?? advertiserId} · local time {adv.timeZone}
        {adv.currencyCode ? ` · ${adv.currencyCode}` : ''}
      </p>
      <Loaded r={r}>
        {(d) => <OverviewBody d={d} metric={metric} setMetric={(m) => set({ metric: m })} adv={adv} />}
      </Loaded>
    </section>
  );
}

function OverviewBody({
  d,
  metric,
  setMetric,
  adv,
}: {
  d: OverviewData;
  metric: MetricName;
  setMetric: (m: MetricName) => void;
  adv: ReturnType<typeof useAdvertiser>;
}) {
  const cur = adv.currencyCode;
  const chart = useMemo(() => {
    const byHour = (p: PerformanceResponse) => {
      const v: Array<number | null> = new Array(24).fill(null);
      for (const row of p.data) v[hourOfPeriod(row.period)] = numericValue(row, metric);
      return v;
    };
    return {
      x: Array.from({ length: 24 }, (_, h) => h),
      series: [
        {
          label: `Today (${d.today})`,
          values: byHour(d.todayPerf),
          color: '#0b5cad',
          format: (v: number) => formatAxis(metric, v, cur),
        },
        {
          label: `Yesterday (${d.yesterday})`,
          values: byHour(d.yesterdayPerf),
          color: '#6b6b6b',
          dash: [6, 4],
          format: (v: number) => formatAxis(metric, v, cur),
        },
      ],
    };
  }, [d, metric, cur]);

  return (
    <>
      <ul class="tiles" aria-label="Today's totals">
        {METRICS.map((m) => {
          const today = rawValue(d.todayPerf.totals, m);
          const yesterday = rawValue(d.yesterdaySoFar.totals, m);
          const change = changePct(numericValue(d.todayPerf.totals, m), numericValue(d.yesterdaySoFar.totals, m));
          return (
            <li key={m} class="tile" data-testid={`tile-${m}`} data-value={today === null ? '' : String(today)}>
              <span class="tile-label">{METRIC_LABEL[m]} today</span>
              <span class="tile-value">{formatMetric(m, today, cur)}</span>
              <span class="tile-change">
                {change === null ? 'no change figure' : `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)} %`} vs
                yesterday by this hour ({formatMetric(m, yesterday, cur)})
              </span>
            </li>
          );
        })}
      </ul>

      <h2>By local hour</h2>
      <MetricPicker value={metric} options={METRICS} onChange={setMetric} />
      <LineChart
        x={chart.x}
        series={chart.series}
        xKind="hour"
        timeZone={adv.timeZone}
        label={`${METRIC_LABEL[metric]} by local hour, today against yesterday`}
      />
      <details>
        <summary>The same as a table</summary>
        <div class="table-wrap">
          <table>
            <caption>{METRIC_LABEL[metric]} by local hour</caption>
            <thead>
              <tr>
                <th scope="col">Hour</th>
                <th scope="col">Today</th>
                <th scope="col">Yesterday</th>
              </tr>
            </thead>
            <tbody>
              {chart.x.map((h) => {
                const t = d.todayPerf.data.find((row) => hourOfPeriod(row.period) === h);
                const y = d.yesterdayPerf.data.find((row) => hourOfPeriod(row.period) === h);
                return (
                  <tr key={h}>
                    <th scope="row">{`${String(h).padStart(2, '0')}:00`}</th>
                    <td class="num">{t ? formatMetric(metric, rawValue(t, metric), cur) : '—'}</td>
                    <td class="num">{y ? formatMetric(metric, rawValue(y, metric), cur) : '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </details>

      <div class="columns">
        <div>
          <h2>Data freshness</h2>
          {d.freshness.length ? (
            <div class="table-wrap">
              <table>
                <caption>Last record per dataset</caption>
                <thead>
                  <tr>
                    <th scope="col">Dataset</th>
                    <th scope="col">Last record</th>
                    <th scope="col">Latest hour</th>
                  </tr>
                </thead>
                <tbody>
                  {d.freshness.map((f) => (
                    <tr key={f.datasetId}>
                      <th scope="row">{f.datasetId}</th>
                      <td title={formatDateTime(f.lastReceivedAt, adv.timeZone)}>
                        last record {formatAgo(f.lastReceivedAt)}
                      </td>
                      <td>{formatDateTime(f.latestHourStart, adv.timeZone)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : (
            <Empty>No dataset has delivered a record for this advertiser yet.</Empty>
          )}
        </div>
        <div>
          <h2>Firing alerts</h2>
          {d.alerts.length ? (
            <ul class="alert-list">
              {d.alerts.map((a) => (
                <li key={a.id} class={`sev-${a.severity}`}>
                  <a href={`/advertisers/${encodeURIComponent(a.advertiserId)}/alerts/${a.id}`}>
                    {a.rule.name}: {a.entity.name ?? a.entity.id}
                  </a>{' '}
                  <span class="muted">
                    {a.severity}, since {formatDateTime(a.firedAt, adv.timeZone)}
                  </span>
                </li>
              ))}
            </ul>
          ) : (
            <Empty>No alert is firing.</Empty>
          )}
        </div>
      </div>
    </>
  );
}
