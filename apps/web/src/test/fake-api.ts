import { vi } from 'vitest';

export interface FakeCall {
  method: string;
  path: string;
  authorization: string | null;
  body: unknown;
}

type Handler = (call: FakeCall) => unknown;

/**
 * Replaces fetch with a fake API: `routes` maps "METHOD /path" (the path without its query) to a handler returning a
 * JSON body, or a Response for another status. Unknown routes answer 404 as the API would. Calls are recorded.
 */
export function fakeApi(routes: Record<string, Handler | unknown>): { calls: FakeCall[] } {
  const calls: FakeCall[] = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (input: string, init: RequestInit = {}) => {
      const url = new URL(input, 'http://localhost');
      const headers = (init.headers ?? {}) as Record<string, string>;
      const call: FakeCall = {
        method: init.method ?? 'GET',
        path: url.pathname + url.search,
        authorization: headers['authorization'] ?? null,
        body: init.body ? JSON.parse(String(init.body)) : undefined,
      };
      calls.push(call);
      const route = routes[`${call.method} ${url.pathname}`];
      if (route === undefined) {
        return new Response(JSON.stringify({ code: 'NOT_FOUND', message: `${url.pathname} does not exist` }), {
          status: 404,
          headers: { 'content-type': 'application/json' },
        });
      }
      const out = typeof route === 'function' ? (route as Handler)(call) : route;
      if (out instanceof Response) return out;
      return new Response(JSON.stringify(out), { status: 200, headers: { 'content-type': 'application/json' } });
    }),
  );
  return { calls };
}

export const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

export const ADVERTISER = {
  advertiserId: 'ADV1',
  name: 'Acme',
  accountType: 'seller',
  timeZone: 'America/Los_Angeles',
  currencyCode: 'USD',
  countryCode: 'US',
};

export const me = (scope: 'read' | 'operator' | 'admin') => ({ keyId: 'env:0123456789ab', scope, advertiserIds: null });

/** Routes every signed-in page needs: /v1/me of `scope` and one advertiser. */
export function sessionRoutes(scope: 'read' | 'operator' | 'admin') {
  return { 'GET /v1/me': me(scope), 'GET /v1/advertisers': { data: [ADVERTISER] } };
}

export function at(path: string): void {
  window.history.replaceState(null, '', path);
}
