import { useRoute } from 'preact-iso';
import { useEffect, useMemo } from 'preact/hooks';
import { api, qs } from '../api/client';
import type {
  Action,
  Alert,
  BudgetForecast,
  Campaign as CampaignEntity,
  CampaignPerformance,
  PerformanceResponse,
  PerformanceRow,
} from '../api/types';
import { HEAT_LABEL, HEAT_METRICS, Heatmap, heatCells } from '../components/heatmap';
import { type ChartMarker, LineChart } from '../components/line-chart';
import { MetricPicker } from '../components/metric-picker';
import { Pacing } from '../components/pacing';
import { Empty, ErrorMessage, Loaded } from '../components/states';
import {
  addDays,
  formatCount,
  formatDateTime,
  formatMoney,
  formatPercent,
  formatRatio,
  localDate,
} from '../lib/format';
import { formatAxis, formatMetric, METRIC_LABEL, METRICS, numericValue, rawValue } from '../lib/metrics';
import { pick, useQueryState } from '../lib/query';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useLiveRefresh } from '../session';

const DAYS = ['7', '30', '90'] as const;
const DAY_LABEL = { '7': '7 days', '30': '30 days', '90': '90 days' } as const;

interface CampaignData {
  from: string;
  to: string;
  campaign: CampaignEntity | undefined;
  hourly: PerformanceRow[];
  daily: PerformanceResponse;
  pacing: BudgetForecast | undefined;
  pacingError?: string;
  alerts: Alert[];
  actions: Action[];
  adGroups: CampaignPerformance[];
  keywords: CampaignPerformance[];
}

async function allHours(advertiserId: string, campaignId: string, from: string, to: string, signal: AbortSignal) {
  const rows: PerformanceRow[] = [];
  let cursor: string | undefined;
  do {
    const page = await api<PerformanceResponse>(
      `/v1/performance${qs({ advertiserId, campaignId, from, to, granularity: 'hour', limit: 5000, cursor })}`,
      { signal },
    );
    rows.push(...page.data);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return rows;
}

const settle = <T,>(p: Promise<T>, fallback: T) =>
  p.then(
    (v) => ({ value: v, error: undefined as string | undefined }),
    (e: unknown) => ({ value: fallback, error: e instanceof Error ? e.message : String(e) }),
  );

/** One campaign: hourly chart with alert/action markers, daily table, heatmap, pacing, ad groups and keywords. */
export default function CampaignPage() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const campaignId = params['campaignId'];
  const adv = useAdvertiser(advertiserId);
  const { query, set } = useQueryState();
  const days = pick(query['days'], DAYS);
  const metric = pick(query['metric'], METRICS);
  const heat = pick(query['heat'], HEAT_METRICS);
  const cur = adv.currencyCode;

  const r = useResource<CampaignData>(
    async (signal) => {
      const to = localDate(Date.now(), adv.timeZone);
      const from = addDays(to, 1 - Number(days));
      const enc = encodeURIComponent(advertiserId);
      const breakdown = (groupBy: string) =>
        api<{ data: CampaignPerformance[] }>(
          `/v1/advertisers/${enc}/campaign-performance${qs({ from, to, groupBy, campaignId })}`,
          { signal },
        ).then((x) => x.data);
      const [campaign, hourly, daily, pacing, alerts, actions, adGroups, keywords] = await Promise.all([
        api<CampaignEntity>(`/v1/campaigns/${encodeURIComponent(campaignId)}`, { signal }).catch((e: unknown) => {
          if ((e as { status?: number }).status === 404) return undefined; // facts without a name yet
          throw e;
        }),
        allHours(advertiserId, campaignId, from, to, signal),
        api<PerformanceResponse>(
          `/v1/performance${qs({ advertiserId, campaignId, from, to, granularity: 'day', limit: 500 })}`,
          { signal },
        ),
        settle(
          api<{ data: BudgetForecast[] }>(`/v1/forecasts/budgets${qs({ advertiserId, campaignId })}`, { signal }).then(
            (x) => x.data[0],
          ),
          undefined,
        ),
        api<{ data: Alert[] }>(
          `/v1/alerts${qs({ advertiserId, campaignId, since: `${addDays(from, -1)}T00:00:00Z`, limit: 200 })}`,
          { signal },
        ),
        api<{ data: Action[] }>(`/v1/actions${qs({ advertiserId, limit: 500 })}`, { signal }),
        breakdown('adGroup'),
        breakdown('keyword'),
      ]);
      return {
        from,
        to,
        campaign,
        hourly,
        daily,
        pacing: pacing.value,
        pacingError: pacing.error,
        alerts: alerts.data,
        actions: actions.data.filter(
          (a) => a.campaignId === campaignId || (a.entityType === 'campaign' && a.entityId === campaignId),
        ),
        adGroups,
        keywords,
      };
    },
    [advertiserId, campaignId, adv.timeZone, days],
  );

  useLiveRefresh(
    (e) =>
      e.type === 'perf'
        ? e.campaignIds.includes(campaignId) || (e.campaignIds.length === 0 && e.advertiserIds.includes(advertiserId))
        : e.type === 'budget'
          ? e.advertiserId === advertiserId && (e.campaignIds.length === 0 || e.campaignIds.includes(campaignId))
          : e.advertiserId === advertiserId,
    r.reload,
  );

  const name = r.data?.campaign?.name ?? campaignId;
  useEffect(() => {
    document.title = `${name} · ams-sentinel`;
  }, [name]);

  const chart = useMemo(() => {
    const d = r.data;
    if (!d) return undefined;
    const x = d.hourly.map((row) => Date.parse(row.period) / 1000);
    const markers: ChartMarker[] = [
      ...d.alerts.map((a) => ({ x: Date.parse(a.firedAt) / 1000, label: `Alert: ${a.rule.name}`, color: '#b00020' })),
      ...d.actions.map((a) => ({
        x: Date.parse(a.executedAt ?? a.createdAt) / 1000,
        label: `Action: ${a.reason}`,
        color: '#1d6b36',
      })),
    ];
    return {
      x,
      markers,
      series: [
        {
          label: METRIC_LABEL[metric],
          values: d.hourly.map((row) => numericValue(row, metric)),
          color: '#0b5cad',
          format: (v: number) => formatAxis(metric, v, cur),
        },
      ],
    };
  }, [r.data, metric, cur]);

  const cells = useMemo(() => (r.data ? heatCells(r.data.hourly, heat) : undefined), [r.data, heat]);
  const heatFormat = (v: string) =>
    heat === 'spend' || heat === 'sales' ? formatMoney(v, cur) : formatCount(Number(v));

  return (
    <section>
      <h1>{name}</h1>
      <p class="subtitle">
        <a href={`/advertisers/${encodeURIComponent(advertiserId)}/campaigns`}>Campaigns</a> · {campaignId}
        {r.data?.campaign
          ? ` · ${r.data.campaign.state ?? ''} · budget ${formatMoney(r.data.campaign.budget?.amount, cur)}`
          : ''}
      </p>
      <div class="controls">
        <label>
          Range
          <select value={days} onChange={(e) => set({ days: (e.currentTarget as HTMLSelectElement).value })}>
            {DAYS.map((x) => (
              <option key={x} value={x}>
                Last {DAY_LABEL[x]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Loaded r={r}>
        {(d) => (
          <>
            <h2>Hourly</h2>
            <MetricPicker value={metric} options={METRICS} onChange={(m) => set({ metric: m })} />
            <div data-testid="hourly-chart">
              {d.hourly.length && chart ? (
                <LineChart
                  x={chart.x}
                  series={chart.series}
                  markers={chart.markers}
                  xKind="time"
                  timeZone={adv.timeZone}
                  zoom
                  label={`${METRIC_LABEL[metric]} by hour, ${d.from} to ${d.to}, local time; drag to zoom`}
                />
              ) : (
                <Empty>No hourly data in this range.</Empty>
              )}
            </div>
            <p class="muted">
              Drag across the chart to zoom. Dashed lines: alerts (red) and automation actions (green), listed below.
            </p>

            <h2>Today's budget</h2>
            {d.pacing ? (
              <Pacing f={d.pacing} currency={cur} timeZone={adv.timeZone} />
            ) : (
              <div data-testid="pacing">
                {d.pacingError ? (
                  <ErrorMessage error={new Error(`Pacing is not available: ${d.pacingError}`)} />
                ) : (
                  <Empty>No budget usage of today for this campaign yet, so no pacing forecast.</Empty>
                )}
              </div>
            )}

            <h2>Alerts and actions</h2>
            {d.alerts.length || d.actions.length ? (
              <div class="table-wrap">
                <table>
                  <caption>Alerts and automation actions on this campaign</caption>
                  <thead>
                    <tr>
                      <th scope="col">When (local)</th>
                      <th scope="col">What</th>
                      <th scope="col">State</th>
                    </tr>
                  </thead>
                  <tbody>
                    {[
                      ...d.alerts.map((a) => ({
                        at: a.firedAt,
                        key: `alert-${a.id}`,
                        what: (
                          <a href={`/advertisers/${encodeURIComponent(advertiserId)}/alerts/${a.id}`}>
                            Alert: {a.rule.name}
                          </a>
                        ),
                        state: a.state,
                      })),
                      ...d.actions.map((a) => ({
                        at: a.executedAt ?? a.createdAt,
                        key: `action-${a.id}`,
                        what: <>Action: {a.reason}</>,
                        state: a.state,
                      })),
                    ]
                      .sort((a, b) => (a.at < b.at ? 1 : -1))
                      .map((m) => (
                        <tr key={m.key}>
                          <td>{formatDateTime(m.at, adv.timeZone)}</td>
                          <td>{m.what}</td>
                          <td>{m.state}</td>
                        </tr>
                      ))}
                  </tbody>
                </table>
              </div>
            ) : (
              <Empty>No alert or action on this campaign in this range.</Empty>
            )}

            <h2>Hour × weekday</h2>
            <MetricPicker
              value={heat}
              options={HEAT_METRICS}
              labels={HEAT_LABEL}
              legend="Heatmap metric"
              onChange={(m) => set({ heat: m })}
            />
            {cells ? (
              <Heatmap cells={cells} format={heatFormat} label={`${HEAT_LABEL[heat]}, ${d.from} to ${d.to}`} />
            ) : null}

            <h2>Daily</h2>
            <DailyTable d={d} currency={cur} />

            <h2>Ad groups</h2>
            <Breakdown
              rows={d.adGroups}
              idKey="adGroupId"
              label="Ad group"
              currency={cur}
              caption={`Ad groups, ${d.from} to ${d.to}`}
            />
            <h2>Keywords</h2>
            <Breakdown
              rows={d.keywords}
              idKey="keywordId"
              label="Keyword"
              currency={cur}
              caption={`Keywords, ${d.from} to ${d.to}`}
            />
            <p class="muted">
              Ad groups and keywords are shown by id: the API does not name them in performance answers.
            </p>
          </>
        )}
      </Loaded>
    </section>
  );
}

function DailyTable({ d, currency }: { d: CampaignData; currency: string | null }) {
  if (!d.daily.data.length) return <Empty>No daily data in this range.</Empty>;
  return (
    <div class="table-wrap">
      <table>
        <caption>Daily totals (local days)</caption>
        <thead>
          <tr>
            <th scope="col">Day</th>
            {METRICS.map((m) => (
              <th key={m} scope="col" class="num">
                {METRIC_LABEL[m]}
              </th>
            ))}
            <th scope="col" class="num">
              Impressions
            </th>
            <th scope="col" class="num">
              Orders
            </th>
          </tr>
        </thead>
        <tbody>
          {d.daily.data.map((row) => (
            <tr key={row.period}>
              <th scope="row">{row.period}</th>
              {METRICS.map((m) => (
                <td key={m} class="num">
                  {formatMetric(m, rawValue(row, m), currency)}
                </td>
              ))}
              <td class="num">{formatCount(row.impressions)}</td>
              <td class="num">{formatCount(row.orders)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            {METRICS.map((m) => (
              <td key={m} class="num">
                {formatMetric(m, rawValue(d.daily.totals, m), currency)}
              </td>
            ))}
            <td class="num">{formatCount(d.daily.totals.impressions)}</td>
            <td class="num">{formatCount(d.daily.totals.orders)}</td>
          </tr>
        </tfoot>
      </table>
    </div>
  );
}

function Breakdown({
  rows,
  idKey,
  label,
  currency,
  caption,
}: {
  rows: CampaignPerformance[];
  idKey: 'adGroupId' | 'keywordId';
  label: string;
  currency: string | null;
  caption: string;
}) {
  if (!rows.length) return <Empty>No {label.toLowerCase()} has data in this range.</Empty>;
  const sorted = [...rows].sort((a, b) => Number(b.cost) - Number(a.cost)).slice(0, 200);
  return (
    <div class="table-wrap">
      <table>
        <caption>
          {caption}
          {rows.length > 200 ? ` (top 200 of ${rows.length} by spend)` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">{label}</th>
            {idKey === 'keywordId' ? <th scope="col">Ad group</th> : null}
            <th scope="col" class="num">
              Spend
            </th>
            <th scope="col" class="num">
              Sales
            </th>
            <th scope="col" class="num">
              ACOS
            </th>
            <th scope="col" class="num">
              ROAS
            </th>
            <th scope="col" class="num">
              Clicks
            </th>
            <th scope="col" class="num">
              CTR
            </th>
          </tr>
        </thead>
        <tbody>
          {sorted.map((g) => (
            <tr key={`${g.adGroupId}/${g.keywordId ?? ''}`}>
              <th scope="row">{g[idKey]}</th>
              {idKey === 'keywordId' ? <td>{g.adGroupId}</td> : null}
              <td class="num">{formatMoney(g.cost, currency)}</td>
              <td class="num">{formatMoney(g.sales, currency)}</td>
              <td class="num">{formatPercent(g.acos)}</td>
              <td class="num">{formatRatio(g.roas)}</td>
              <td class="num">{formatCount(g.clicks)}</td>
              <td class="num">{formatPercent(g.ctr)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
