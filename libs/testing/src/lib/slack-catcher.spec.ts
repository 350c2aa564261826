import { SlackCatcher, startSlackCatcher } from './slack-catcher';

async function post(url: string, body: unknown): Promise<{ status: number; text: string; retryAfter: string | null }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, text: await res.text(), retryAfter: res.headers.get('retry-after') };
}

describe('startSlackCatcher', () => {
  let slack: SlackCatcher;

  beforeEach(async () => {
    slack = await startSlackCatcher();
  });

  afterEach(async () => {
    await slack.close();
  });

  it('answers 200 "ok" by default and records the post', async () => {
    expect(slack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/hooks\/default$/);
    expect(await post(slack.url, { text: 'hi' })).toEqual({ status: 200, text: 'ok', retryAfter: null });
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]).toMatchObject({
      path: '/hooks/default',
      body: { text: 'hi' },
      raw: '{"text":"hi"}',
      answeredStatus: 200,
    });
    expect(slack.posts[0].headers['content-type']).toBe('application/json');
    expect(slack.delivered).toEqual(slack.posts);
  });

  it('plays a script: 429 with Retry-After, then 500, then 200', async () => {
    const url = slack.urlFor('alerts');
    slack.script('/hooks/alerts', [
      { status: 429, headers: { 'Retry-After': '1' }, body: 'rate_limited' },
      { status: 500, body: 'internal_error' },
    ]);

    expect(await post(url, { n: 1 })).toEqual({ status: 429, text: 'rate_limited', retryAfter: '1' });
    expect(await post(url, { n: 2 })).toEqual({ status: 500, text: 'internal_error', retryAfter: null });
    expect(await post(url, { n: 3 })).toEqual({ status: 200, text: 'ok', retryAfter: null });

    expect(slack.posts.map((p) => [p.body.n, p.answeredStatus])).toEqual([
      [1, 429],
      [2, 500],
      [3, 200],
    ]);
    expect(slack.delivered.map((p) => p.body.n)).toEqual([3]);
    expect(slack.posts.every((p) => p.path === '/hooks/alerts')).toBe(true);
  });

  it('scripts by full URL or for any path with *, path scripts first', async () => {
    slack.script(slack.urlFor('a'), [{ status: 503 }]);
    slack.script('*', [{ status: 429, headers: { 'Retry-After': '2' } }]);
    expect((await post(slack.urlFor('b'), {})).status).toBe(429);
    expect((await post(slack.urlFor('a'), {})).status).toBe(503);
    expect((await post(slack.urlFor('a'), {})).status).toBe(200);
    expect((await post(slack.urlFor('b'), {})).status).toBe(200);
  });

  it('delays an answer when asked', async () => {
    slack.script('*', [{ status: 200, delayMs: 300 }]);
    const started = Date.now();
    await post(slack.url, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('keeps a non-JSON body raw, and reset() forgets posts and scripts', async () => {
    const res = await fetch(slack.url, { method: 'POST', body: 'not json' });
    expect(res.status).toBe(200);
    expect(slack.posts[0]).toMatchObject({ raw: 'not json', body: undefined });
    const posts = slack.posts;

    slack.script('*', [{ status: 500 }]);
    slack.reset();
    expect(slack.posts).toBe(posts);
    expect(slack.posts).toHaveLength(0);
    expect(slack.delivered).toHaveLength(0);
    expect((await post(slack.url, {})).status).toBe(200);
  });
});
