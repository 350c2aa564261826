import { cleanup, render, screen, waitFor } from '@testing-library/preact';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { App } from '../app';
import { ADVERTISER, at, me } from '../test/fake-api';

const totals = {
  impressions: 1,
  clicks: 1,
  cost: '1.00',
  orders: 0,
  sales: '0.00',
  units: 0,
  ctr: 1,
  cpc: '1.00',
  cvr: 0,
  acos: null,
  roas: 0,
};

describe('live refresh of the page', () => {
  let push: (s: string) => void;
  beforeEach(() => {
    sessionStorage.clear();
    sessionStorage.setItem('ams-sentinel.apiKey', 'k-0123456789abcdefghij');
  });
  afterEach(cleanup);

  it("refetches the overview's data once, 2 s after a burst of relevant events, ignoring other advertisers'", async () => {
    const enc = new TextEncoder();
    const paths: string[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (input: string) => {
        const url = new URL(input, 'http://localhost');
        paths.push(url.pathname);
        const ok = (body: unknown) =>
          new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
        switch (url.pathname) {
          case '/v1/me':
            return ok(me('read'));
          case '/v1/advertisers':
            return ok({ data: [ADVERTISER] });
          case '/v1/performance':
            return ok({ data: [], totals, nextCursor: null });
          case '/v1/alerts':
            return ok({ data: [], nextCursor: null });
          case '/v1/advertisers/ADV1/freshness':
            return ok({ data: [] });
          case '/v1/events':
            return new Response(
              new ReadableStream<Uint8Array>({
                start(c) {
                  push = (s) => c.enqueue(enc.encode(s));
                  c.enqueue(enc.encode(': ping\n\n'));
                },
              }),
              { headers: { 'content-type': 'text/event-stream' } },
            );
        }
        return new Response('{}', { status: 404 });
      }),
    );
    at('/advertisers/ADV1');
    render(<App />);
    await screen.findByText('Live');
    await waitFor(() => expect(paths.filter((p) => p === '/v1/performance')).toHaveLength(3));
    await screen.findByText('No alert is firing.'); // the first load is rendered
    const perfCalls = () => paths.filter((p) => p === '/v1/performance').length;

    push('event: perf\ndata: {"advertiserIds":["OTHER"],"campaignIds":["X"]}\n\n');
    push('event: perf\ndata: {"advertiserIds":["ADV1"],"campaignIds":["C1"]}\n\n');
    push('event: alert\ndata: {"advertiserId":"ADV1","alertId":"3"}\n\n');
    const pushedAt = Date.now();
    await new Promise((r) => setTimeout(r, 1000));
    expect(perfCalls()).toBe(3); // not yet: coalesced for 2 s
    await waitFor(() => expect(perfCalls()).toBe(6), { timeout: 5000 }); // one reload: today, yesterday, yesterday by this hour
    expect(Date.now() - pushedAt).toBeGreaterThanOrEqual(2000);
    expect(screen.getByRole('heading', { level: 1, name: 'Overview' })).toBeTruthy();

    push('event: perf\ndata: {"advertiserIds":["OTHER"],"campaignIds":[]}\n\n');
    await new Promise((r) => setTimeout(r, 2200));
    expect(perfCalls()).toBe(6); // another advertiser's event: nothing
  }, 20_000);
});
