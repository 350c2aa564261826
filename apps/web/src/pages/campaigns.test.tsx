import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../app';
import type { CampaignPerformance } from '../api/types';
import { at, fakeApi, sessionRoutes } from '../test/fake-api';
import { rangeDates } from './campaigns';

const perf = (campaignId: string, cost: string, acos: number | null): CampaignPerformance => ({
  campaignId,
  impressions: 1000,
  clicks: 10,
  cost,
  orders: 1,
  sales: '50.00',
  units: 1,
  ctr: 0.01,
  cpc: '1.00',
  cvr: 0.1,
  acos,
  roas: 2,
  daily: [
    { date: '2026-12-06', impressions: 500, clicks: 5, cost: '1.00', orders: 0, sales: '0.00', units: 0 },
    { date: '2026-12-07', impressions: 500, clicks: 5, cost: '2.00', orders: 1, sales: '50.00', units: 1 },
  ],
});

describe('campaigns', () => {
  beforeEach(() => {
    sessionStorage.clear();
    sessionStorage.setItem('ams-sentinel.apiKey', 'k-0123456789abcdefghij');
  });
  afterEach(cleanup);

  it('names the last N days ending today, inclusive', () => {
    expect(rangeDates('7d', '2026-12-07')).toEqual({ from: '2026-12-01', to: '2026-12-07' });
    expect(rangeDates('yesterday', '2026-12-01')).toEqual({ from: '2026-11-30', to: '2026-11-30' });
  });

  it('joins names, totals, usage and pacing; sorts by spend, re-sorts on a header, filters, pages by 50', async () => {
    const campaigns = Array.from({ length: 120 }, (_, i) => ({
      advertiserId: 'ADV1',
      campaignId: `C${String(i).padStart(3, '0')}`,
      name: i === 7 ? 'Winter boots' : `Campaign ${i}`,
      state: i % 2 ? 'PAUSED' : 'ENABLED',
      adProduct: 'SPONSORED_PRODUCTS',
      budget: { amount: '100.00', currency: 'USD', type: 'daily' },
    }));
    const { calls } = fakeApi({
      ...sessionRoutes('read'),
      'GET /v1/campaigns': { data: campaigns, nextCursor: null },
      'GET /v1/advertisers/ADV1/campaign-performance': {
        from: '2026-12-01',
        to: '2026-12-07',
        data: [perf('C007', '250.10', 0.5), perf('C003', '99.999', null), perf('C050', '1000.00', 0.1)],
        totals: {},
      },
      'GET /v1/budgets': {
        data: [
          {
            advertiserId: 'ADV1',
            budgetScopeType: 'CAMPAIGN',
            budgetScopeId: 'C007',
            budget: '100',
            usagePercentage: 87.5,
            usageUpdatedAt: '',
          },
        ],
        nextCursor: null,
      },
      'GET /v1/forecasts/budgets': { data: [{ campaignId: 'C007', label: 'overpacing' }] },
    });
    at('/advertisers/ADV1/campaigns');
    render(<App />);
    const table = await screen.findByRole('table');
    expect(table.querySelector('caption')?.textContent).toContain('120 shown');
    const names = () =>
      within(screen.getByRole('table'))
        .getAllByRole('rowheader')
        .map((th) => th.textContent);
    expect(names().slice(0, 3)).toEqual(['Campaign 50', 'Winter boots', 'Campaign 3']);
    expect(names()).toHaveLength(50);
    const boots = screen.getByText('Winter boots').closest('tr') as HTMLElement;
    expect(boots.textContent).toContain('$250.10');
    expect(boots.textContent).toContain('87.5 %');
    expect(boots.textContent).toContain('overpacing');
    expect(screen.getByText('Campaign 3').closest('tr')?.textContent).toContain('$99.999');

    fireEvent.click(screen.getByRole('button', { name: /^ACOS/ }));
    await waitFor(() => expect(names().slice(0, 2)).toEqual(['Winter boots', 'Campaign 50']));
    expect(window.location.search).toContain('sort=acos');

    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(window.location.search).toContain('page=2'));
    expect(screen.getByText(/Rows 51–100 of 120/)).toBeTruthy();

    fireEvent.input(screen.getByLabelText('Filter by name or id'), { target: { value: 'boots' } });
    await waitFor(() => expect(names()).toEqual(['Winter boots']));
    expect(calls.find((c) => c.path.startsWith('/v1/advertisers/ADV1/campaign-performance'))?.path).toMatch(
      /from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/,
    );
  });
});
