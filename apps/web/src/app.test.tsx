import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from './app';
import { at, fakeApi, json, sessionRoutes } from './test/fake-api';

const perf = (cost: string, sales: string) => ({
  data: [
    {
      period: '2026-12-07T09:00:00-08:00',
      impressions: 100,
      clicks: 7,
      cost,
      orders: 1,
      sales,
      units: 1,
      ctr: 0.07,
      cpc: '0.18',
      cvr: 0.142857,
      acos: 0.108039,
      roas: 9.255892,
    },
  ],
  totals: {
    impressions: 100,
    clicks: 7,
    cost,
    orders: 1,
    sales,
    units: 1,
    ctr: 0.07,
    cpc: '0.18',
    cvr: 0.142857,
    acos: 0.108039,
    roas: 9.255892,
  },
  nextCursor: null,
});

const overviewRoutes = {
  'GET /v1/performance': perf('1234.5678', '99.10'),
  'GET /v1/advertisers/ADV1/freshness': {
    data: [
      {
        datasetId: 'sp-traffic',
        lastReceivedAt: new Date(Date.now() - 4 * 60_000).toISOString(),
        latestHourStart: null,
      },
    ],
  },
  'GET /v1/alerts': { data: [], nextCursor: null },
};

describe('sign-in and the overview', () => {
  beforeEach(() => sessionStorage.clear());
  afterEach(cleanup);

  it('signs in with a key kept in sessionStorage, sent as a bearer header, then shows the first advertiser', async () => {
    const { calls } = fakeApi({ ...sessionRoutes('read'), ...overviewRoutes });
    at('/');
    render(<App />);
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    fireEvent.input(screen.getByLabelText('API key'), { target: { value: 'read-key-0123456789abcdef' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();
    expect(window.location.pathname).toBe('/advertisers/ADV1');
    expect(sessionStorage.getItem('ams-sentinel.apiKey')).toBe('read-key-0123456789abcdef');
    expect(localStorage.length).toBe(0);
    expect(calls.every((c) => c.authorization === 'Bearer read-key-0123456789abcdef')).toBe(true);
    expect(calls.some((c) => c.path.includes('read-key'))).toBe(false);
  });

  it("shows the API's message when the key is refused, and keeps nothing", async () => {
    fakeApi({ 'GET /v1/me': json(401, { code: 'AUTH_INVALID', message: 'unknown API key' }) });
    at('/sign-in');
    render(<App />);
    fireEvent.input(await screen.findByLabelText('API key'), { target: { value: 'wrong-key-0123456789abcdef' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('unknown API key');
    expect(sessionStorage.getItem('ams-sentinel.apiKey')).toBeNull();
  });

  it("tiles carry the API's exact totals in data-value and show them formatted, never re-rounded", async () => {
    sessionStorage.setItem('ams-sentinel.apiKey', 'k-0123456789abcdefghij');
    fakeApi({ ...sessionRoutes('read'), ...overviewRoutes });
    at('/advertisers/ADV1');
    const { container } = render(<App />);
    await screen.findByRole('heading', { level: 1, name: 'Overview' });
    const tile = async (m: string) => {
      await waitFor(() => expect(container.querySelector(`[data-testid="tile-${m}"]`)).toBeTruthy());
      return container.querySelector(`[data-testid="tile-${m}"]`) as HTMLElement;
    };
    expect((await tile('spend')).dataset['value']).toBe('1234.5678');
    expect((await tile('spend')).textContent).toContain('$1,234.5678');
    expect((await tile('sales')).dataset['value']).toBe('99.10');
    expect((await tile('acos')).dataset['value']).toBe('0.108039');
    expect((await tile('roas')).dataset['value']).toBe('9.255892');
    expect((await tile('clicks')).dataset['value']).toBe('7');
    expect(screen.getByText('last record 4 min ago')).toBeTruthy();
    expect(screen.getByText('No alert is firing.')).toBeTruthy();
  });

  it('signs out: the key is forgotten and the sign-in form is back', async () => {
    sessionStorage.setItem('ams-sentinel.apiKey', 'k-0123456789abcdefghij');
    fakeApi({ ...sessionRoutes('read'), ...overviewRoutes });
    at('/advertisers/ADV1');
    render(<App />);
    fireEvent.click(await screen.findByRole('button', { name: 'Sign out' }));
    expect(await screen.findByRole('heading', { level: 1, name: 'Sign in' })).toBeTruthy();
    expect(sessionStorage.getItem('ams-sentinel.apiKey')).toBeNull();
  });
});
