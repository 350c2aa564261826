// @vitest-environment node
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { coalesce, type LiveEvent, type LiveMode, liveEventOf, subscribeLive } from './live';

/** A fake /v1/events answer: the given chunks as bytes, then (unless `hold`) the end of the stream. */
function sseResponse(
  chunks: string[],
  hold = false,
): { response: Response; push: (s: string) => void; end: () => void } {
  let ctrl!: ReadableStreamDefaultController<Uint8Array>;
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      ctrl = c;
      for (const s of chunks) c.enqueue(enc.encode(s));
      if (!hold) c.close();
    },
  });
  return {
    response: new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } }),
    push: (s) => ctrl.enqueue(enc.encode(s)),
    end: () => ctrl.close(),
  };
}

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('liveEventOf', () => {
  it('maps the documented events and ignores unknown or malformed ones', () => {
    expect(liveEventOf('perf', '{"advertiserIds":["A"],"campaignIds":["C"]}')).toEqual({
      type: 'perf',
      advertiserIds: ['A'],
      campaignIds: ['C'],
    });
    expect(liveEventOf('action', '{"advertiserId":"A","actionId":"9"}')).toEqual({
      type: 'action',
      advertiserId: 'A',
      actionId: '9',
    });
    expect(liveEventOf('other', '{}')).toBeUndefined();
    expect(liveEventOf('alert', 'not json')).toBeUndefined();
  });
});

describe('subscribeLive', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('reads events from the stream with the key in the Authorization header, never in the URL', async () => {
    const s = sseResponse(
      [
        ': ping\n\n',
        'event: alert\ndata: {"advertiserId":"A1","alertId":"5"}\n',
        '\nevent: perf\nda',
        'ta: {"advertiserIds":["A1"],"campaignIds":[]}\n\n',
      ],
      true,
    );
    const fetchMock = vi.fn(async () => s.response);
    const events: LiveEvent[] = [];
    const modes: LiveMode[] = [];
    stop = subscribeLive({
      advertiserId: 'A1',
      key: 'secret-key',
      fetch: fetchMock as unknown as typeof fetch,
      onEvent: (e) => events.push(e),
      onMode: (m) => modes.push(m),
    });
    await until(() => events.length === 2, 'two events');
    expect(events).toEqual([
      { type: 'alert', advertiserId: 'A1', alertId: '5' },
      { type: 'perf', advertiserIds: ['A1'], campaignIds: [] },
    ]);
    expect(modes).toEqual(['connecting', 'live']);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/v1/events?advertiserId=A1');
    expect(url).not.toContain('secret-key');
    expect((init.headers as Record<string, string>)['authorization']).toBe('Bearer secret-key');
  });

  describe('when the stream is missing or fails', () => {
    beforeEach(() => vi.useFakeTimers());
    afterEach(() => vi.useRealTimers());

    it('polls every 60 s after a 404 and retries the stream with a doubling backoff', async () => {
      const fetchMock = vi.fn(async () => new Response('{"code":"NOT_FOUND"}', { status: 404 }));
      const events: LiveEvent[] = [];
      const modes: LiveMode[] = [];
      stop = subscribeLive({
        advertiserId: 'A1',
        key: 'k',
        fetch: fetchMock as unknown as typeof fetch,
        onEvent: (e) => events.push(e),
        onMode: (m) => modes.push(m),
        backoffMs: 1000,
      });
      await vi.advanceTimersByTimeAsync(0);
      expect(modes).toEqual(['connecting', 'polling']);
      expect(fetchMock).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1000); // retry 1 after 1 s
      expect(fetchMock).toHaveBeenCalledTimes(2);
      await vi.advanceTimersByTimeAsync(2000); // retry 2 after 2 s more
      expect(fetchMock).toHaveBeenCalledTimes(3);
      expect(events).toEqual([]);
      await vi.advanceTimersByTimeAsync(57_000); // 60 s since polling began
      expect(events).toEqual([{ type: 'poll' }]);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(events).toEqual([{ type: 'poll' }, { type: 'poll' }]);
    });

    it('goes back to live when the stream answers again, and stops polling', async () => {
      let n = 0;
      const fetchMock = vi.fn(async () =>
        ++n === 1
          ? new Response('down', { status: 503 })
          : sseResponse(['event: action\ndata: {"advertiserId":"A1","actionId":"3"}\n\n'], true).response,
      );
      const events: LiveEvent[] = [];
      const modes: LiveMode[] = [];
      stop = subscribeLive({
        advertiserId: 'A1',
        key: 'k',
        fetch: fetchMock as unknown as typeof fetch,
        onEvent: (e) => events.push(e),
        onMode: (m) => modes.push(m),
        backoffMs: 1000,
      });
      await vi.advanceTimersByTimeAsync(1000);
      expect(modes).toEqual(['connecting', 'polling', 'live']);
      expect(events).toEqual([{ type: 'action', advertiserId: 'A1', actionId: '3' }]);
      await vi.advanceTimersByTimeAsync(30_000);
      expect(events).toHaveLength(1); // no poll while live, pings keep it
    });

    it('treats a silent stream (no ping within idleMs) as failed', async () => {
      const fetchMock = vi.fn(async () => sseResponse([': ping\n\n'], true).response);
      const modes: LiveMode[] = [];
      stop = subscribeLive({
        advertiserId: 'A1',
        key: 'k',
        fetch: fetchMock as unknown as typeof fetch,
        onEvent: () => undefined,
        onMode: (m) => modes.push(m),
        idleMs: 45_000,
        backoffMs: 1000,
      });
      await vi.advanceTimersByTimeAsync(44_000);
      expect(modes).toEqual(['connecting', 'live']);
      await vi.advanceTimersByTimeAsync(1_500); // silent for 45 s: failed, polling
      expect(modes).toEqual(['connecting', 'live', 'polling']);
      expect(fetchMock).toHaveBeenCalledTimes(1);
      await vi.advanceTimersByTimeAsync(1_000); // the retry after 1 s connects again
      expect(modes).toEqual(['connecting', 'live', 'polling', 'live']);
      expect(fetchMock).toHaveBeenCalledTimes(2);
    });
  });
});

describe('coalesce', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('runs once per burst, at most once per interval, and a steady stream cannot postpone it', () => {
    const fn = vi.fn();
    const c = coalesce(fn, 2000);
    c();
    vi.advanceTimersByTime(500);
    c();
    vi.advanceTimersByTime(1499);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(fn).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 10; i++) {
      c();
      vi.advanceTimersByTime(500);
    }
    expect(fn).toHaveBeenCalledTimes(3);
    c.cancel();
    vi.advanceTimersByTime(5000);
    expect(fn).toHaveBeenCalledTimes(3);
  });
});
