import { useRoute } from 'preact-iso';
import { useEffect, useMemo } from 'preact/hooks';
import { allPages, api } from '../api/client';
import type { Budget, BudgetForecast, Campaign, CampaignPerformance, Metrics } from '../api/types';
import { Sparkline } from '../components/sparkline';
import { Empty, Loaded } from '../components/states';
import { addDays, formatCount, formatMoney, formatPercent, formatRatio, localDate } from '../lib/format';
import { pick, useQueryState } from '../lib/query';
import { useResource } from '../lib/use-resource';
import { useAdvertiser, useLiveRefresh } from '../session';

// at most 30 days: the answer carries each campaign's daily values (sparklines), ~110 bytes a campaign-day
export const RANGES = ['7d', 'today', 'yesterday', '30d'] as const;
export type RangeName = (typeof RANGES)[number];
const RANGE_LABEL: Record<RangeName, string> = {
  '7d': 'Last 7 days',
  today: 'Today',
  yesterday: 'Yesterday',
  '30d': 'Last 30 days',
};

/** A named range as local dates, both inclusive (the last N days end today). */
export function rangeDates(range: RangeName, today: string): { from: string; to: string } {
  switch (range) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    default:
      return { from: addDays(today, 1 - Number(range.slice(0, -1))), to: today };
  }
}

const SORTS = ['spend', 'name', 'state', 'budget', 'sales', 'acos', 'roas', 'ctr', 'usage'] as const;
type SortKey = (typeof SORTS)[number];
const PAGE = 50;

export interface CampaignRow {
  campaignId: string;
  name: string | null;
  state: string | null;
  budget: string | null;
  perf: (Metrics & { daily: CampaignPerformance['daily'] }) | undefined;
  usage: number | undefined;
  pacing: BudgetForecast['label'] | undefined;
}

interface CampaignsData {
  from: string;
  to: string;
  rows: CampaignRow[];
  pacingError?: string;
}

/** Joins the campaign list, the range's totals, budget usage and pacing by campaign id. */
export function joinCampaigns(
  campaigns: Campaign[],
  perf: CampaignPerformance[],
  budgets: Budget[],
  pacing: BudgetForecast[],
): CampaignRow[] {
  const byId = new Map<string, CampaignRow>();
  const row = (id: string): CampaignRow => {
    let r = byId.get(id);
    if (!r) {
      r = {
        campaignId: id,
        name: null,
        state: null,
        budget: null,
        perf: undefined,
        usage: undefined,
        pacing: undefined,
      };
      byId.set(id, r);
    }
    return r;
  };
  for (const c of campaigns)
    Object.assign(row(c.campaignId), { name: c.name, state: c.state, budget: c.budget?.amount ?? null });
  for (const p of perf) row(p.campaignId).perf = p;
  for (const b of budgets)
    if (b.budgetScopeType === 'CAMPAIGN' && byId.has(b.budgetScopeId)) row(b.budgetScopeId).usage = b.usagePercentage;
  for (const f of pacing) if (byId.has(f.campaignId)) row(f.campaignId).pacing = f.label;
  return [...byId.values()];
}

function sortValue(r: CampaignRow, key: SortKey): number | string | null {
  switch (key) {
    case 'name':
      return (r.name ?? r.campaignId).toLowerCase();
    case 'state':
      return r.state ?? '';
    case 'budget':
      return r.budget === null ? null : Number(r.budget);
    case 'spend':
      return r.perf ? Number(r.perf.cost) : null;
    case 'sales':
      return r.perf ? Number(r.perf.sales) : null;
    case 'acos':
      return r.perf?.acos ?? null;
    case 'roas':
      return r.perf?.roas ?? null;
    case 'ctr':
      return r.perf?.ctr ?? null;
    case 'usage':
      return r.usage ?? null;
  }
}

/** Sorted by `key` (missing values last whatever the direction), ties by campaign id. */
export function sortRows(rows: CampaignRow[], key: SortKey, dir: 'asc' | 'desc'): CampaignRow[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = sortValue(a, key);
    const y = sortValue(b, key);
    if (x === null && y !== null) return 1;
    if (y === null && x !== null) return -1;
    if (x !== null && y !== null && x !== y) return (x < y ? -1 : 1) * sign;
    return a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : 0;
  });
}

const PACING_TEXT = { on_track: 'on track', overpacing: 'overpacing', underpacing: 'underpacing' } as const;

export default function Campaigns() {
  const { params } = useRoute();
  const advertiserId = params['advertiserId'];
  const adv = useAdvertiser(advertiserId);
  const { query, set } = useQueryState();
  const range = pick(query['range'], RANGES);
  const sort = pick(query['sort'], SORTS);
  const dir = query['dir'] === 'asc' ? 'asc' : 'desc';
  const filter = query['q'] ?? '';
  const stateFilter = query['state'] ?? '';
  const page = Math.max(1, Number(query['page']) || 1);

  useEffect(() => {
    document.title = `Campaigns · ${adv.name ?? advertiserId} · ams-sentinel`;
  }, [advertiserId, adv.name]);

  const r = useResource<CampaignsData>(
    async (signal) => {
      const { from, to } = rangeDates(range, localDate(Date.now(), adv.timeZone));
      const enc = encodeURIComponent(advertiserId);
      const [campaigns, perf, budgets, pacing] = await Promise.all([
        allPages<Campaign>('/v1/campaigns', { advertiserId, limit: 1000 }, 50, signal),
        api<{ data: CampaignPerformance[] }>(`/v1/advertisers/${enc}/campaign-performance?from=${from}&to=${to}`, {
          signal,
        }),
        allPages<Budget>('/v1/budgets', { advertiserId, limit: 1000 }, 50, signal),
        api<{ data: BudgetForecast[] }>(`/v1/forecasts/budgets?advertiserId=${enc}`, { signal }).then(
          (x) => ({ data: x.data, error: undefined }),
          (e: unknown) => ({ data: [] as BudgetForecast[], error: e instanceof Error ? e.message : String(e) }),
        ),
      ]);
      return { from, to, rows: joinCampaigns(campaigns, perf.data, budgets, pacing.data), pacingError: pacing.error };
    },
    [advertiserId, adv.timeZone, range],
  );

  useLiveRefresh(
    (e) =>
      e.type === 'perf'
        ? e.advertiserIds.includes(advertiserId)
        : e.type === 'budget' && e.advertiserId === advertiserId,
    r.reload,
  );

  const states = useMemo(
    () => [...new Set((r.data?.rows ?? []).map((x) => x.state).filter((s): s is string => !!s))].sort(),
    [r.data],
  );
  const shown = useMemo(() => {
    const needle = filter.trim().toLowerCase();
    const rows = (r.data?.rows ?? []).filter(
      (x) =>
        (!needle || (x.name ?? '').toLowerCase().includes(needle) || x.campaignId.toLowerCase().includes(needle)) &&
        (!stateFilter || x.state === stateFilter),
    );
    return sortRows(rows, sort, dir);
  }, [r.data, filter, stateFilter, sort, dir]);
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const current = Math.min(page, pages);
  const visible = shown.slice((current - 1) * PAGE, current * PAGE);
  const cur = adv.currencyCode;

  const header = (key: SortKey, label: string, num = false) => (
    <th
      scope="col"
      class={num ? 'num' : undefined}
      aria-sort={sort === key ? (dir === 'asc' ? 'ascending' : 'descending') : undefined}
    >
      <button
        type="button"
        class="sort"
        onClick={() => set({ sort: key, dir: sort === key && dir === 'desc' ? 'asc' : 'desc', page: undefined })}
      >
        {label}
        {sort === key ? (dir === 'asc' ? ' ▲' : ' ▼') : ''}
      </button>
    </th>
  );

  return (
    <section>
      <h1>Campaigns</h1>
      <div class="controls">
        <label>
          Range
          <select
            value={range}
            onChange={(e) => set({ range: (e.currentTarget as HTMLSelectElement).value, page: undefined })}
          >
            {RANGES.map((x) => (
              <option key={x} value={x}>
                {RANGE_LABEL[x]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Filter by name or id
          <input
            type="search"
            value={filter}
            onInput={(e) => set({ q: (e.currentTarget as HTMLInputElement).value, page: undefined })}
          />
        </label>
        <label>
          State
          <select
            value={stateFilter}
            onChange={(e) => set({ state: (e.currentTarget as HTMLSelectElement).value, page: undefined })}
          >
            <option value="">All</option>
            {states.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <Loaded r={r}>
        {(d) => (
          <>
            {d.pacingError ? <p class="notice">Pacing is not available: {d.pacingError}</p> : null}
            {shown.length === 0 ? (
              <Empty>
                {d.rows.length ? 'No campaign matches the filter.' : 'No campaign is known for this advertiser yet.'}
              </Empty>
            ) : (
              <>
                <div class="table-wrap">
                  <table>
                    <caption>
                      Campaigns, {d.from === d.to ? d.from : `${d.from} to ${d.to}`} (local days),{' '}
                      {formatCount(shown.length)} shown
                    </caption>
                    <thead>
                      <tr>
                        {header('name', 'Name')}
                        {header('state', 'State')}
                        {header('budget', 'Budget', true)}
                        {header('spend', 'Spend', true)}
                        <th scope="col">Daily spend</th>
                        {header('sales', 'Sales', true)}
                        {header('acos', 'ACOS', true)}
                        {header('roas', 'ROAS', true)}
                        {header('ctr', 'CTR', true)}
                        {header('usage', 'Budget used')}
                        <th scope="col">Pacing</th>
                      </tr>
                    </thead>
                    <tbody>
                      {visible.map((c) => (
                        <tr key={c.campaignId}>
                          <th scope="row">
                            <a
                              href={`/advertisers/${encodeURIComponent(advertiserId)}/campaigns/${encodeURIComponent(c.campaignId)}`}
                            >
                              {c.name ?? c.campaignId}
                            </a>
                          </th>
                          <td>{c.state ?? '—'}</td>
                          <td class="num">{formatMoney(c.budget, cur)}</td>
                          <td class="num">{c.perf ? formatMoney(c.perf.cost, cur) : '—'}</td>
                          <td>
                            <Sparkline values={c.perf ? c.perf.daily.map((x) => Number(x.cost)) : []} />
                          </td>
                          <td class="num">{c.perf ? formatMoney(c.perf.sales, cur) : '—'}</td>
                          <td class="num">{formatPercent(c.perf?.acos)}</td>
                          <td class="num">{formatRatio(c.perf?.roas)}</td>
                          <td class="num">{formatPercent(c.perf?.ctr)}</td>
                          <td>
                            {c.usage === undefined ? (
                              '—'
                            ) : (
                              <>
                                <span class={`bar${c.usage >= 100 ? ' full' : ''}`} aria-hidden="true">
                                  <span style={{ width: `${Math.min(100, Math.max(0, c.usage))}%` }} />
                                </span>
                                {c.usage.toFixed(1)} %
                              </>
                            )}
                          </td>
                          <td>{c.pacing ? <span class={`label ${c.pacing}`}>{PACING_TEXT[c.pacing]}</span> : '—'}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
                <nav class="pager" aria-label="Pages">
                  <button
                    type="button"
                    class="secondary"
                    disabled={current <= 1}
                    onClick={() => set({ page: String(current - 1) })}
                  >
                    Previous
                  </button>
                  <span>
                    Rows {(current - 1) * PAGE + 1}–{Math.min(current * PAGE, shown.length)} of{' '}
                    {formatCount(shown.length)}
                  </span>
                  <button
                    type="button"
                    class="secondary"
                    disabled={current >= pages}
                    onClick={() => set({ page: String(current + 1) })}
                  >
                    Next
                  </button>
                </nav>
              </>
            )}
          </>
        )}
      </Loaded>
    </section>
  );
}
