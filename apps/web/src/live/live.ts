import { SseParser } from './sse-parser';

/** What changed, as GET /v1/events tells it (webops' endpoint), or `poll` when the app polls instead. */
export type LiveEvent =
  | { type: 'perf'; advertiserIds: string[]; campaignIds: string[] }
  | { type: 'budget'; advertiserId: string; campaignIds: string[] }
  | { type: 'alert'; advertiserId: string; alertId: string }
  | { type: 'action'; advertiserId: string; actionId: string }
  | { type: 'poll' };

export type LiveMode = 'connecting' | 'live' | 'polling';

export interface LiveOptions {
  advertiserId: string;
  key: string;
  onEvent: (e: LiveEvent) => void;
  onMode?: (m: LiveMode) => void;
  fetch?: typeof fetch;
  /** every this many ms while the stream is down, a `poll` event (60 s) */
  pollMs?: number;
  /** first retry of the stream after a failure; doubles up to maxBackoffMs */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** no byte (event or ping) for this long: the stream is dead, reconnect (the server pings every 15 s) */
  idleMs?: number;
}

const KNOWN = new Set(['perf', 'budget', 'alert', 'action']);

/** A parsed event, or undefined for an unknown type or a body that is not the documented JSON. */
export function liveEventOf(event: string, data: string): LiveEvent | undefined {
  if (!KNOWN.has(event)) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(data);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const strings = (v: unknown): string[] =>
    Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  switch (event) {
    case 'perf':
      return { type: 'perf', advertiserIds: strings(b['advertiserIds']), campaignIds: strings(b['campaignIds']) };
    case 'budget':
      return { type: 'budget', advertiserId: String(b['advertiserId'] ?? ''), campaignIds: strings(b['campaignIds']) };
    case 'alert':
      return { type: 'alert', advertiserId: String(b['advertiserId'] ?? ''), alertId: String(b['alertId'] ?? '') };
    default:
      return { type: 'action', advertiserId: String(b['advertiserId'] ?? ''), actionId: String(b['actionId'] ?? '') };
  }
}

/**
 * Follows GET /v1/events?advertiserId=… with fetch and a ReadableStream (the key goes in the Authorization header,
 * never in a URL, so not EventSource). While the stream is down (refused, 404 before the endpoint exists, cut, or
 * silent past idleMs) it emits a `poll` event every pollMs and retries with a doubling backoff. Returns stop().
 */
export function subscribeLive(o: LiveOptions): () => void {
  const doFetch = o.fetch ?? ((...a: Parameters<typeof fetch>) => fetch(...a));
  const pollMs = o.pollMs ?? 60_000;
  const firstBackoff = o.backoffMs ?? 2_000;
  const maxBackoff = o.maxBackoffMs ?? 300_000;
  const idleMs = o.idleMs ?? 45_000;
  let stopped = false;
  let backoff = firstBackoff;
  let controller: AbortController | undefined;
  let pollTimer: ReturnType<typeof setInterval> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let idleTimer: ReturnType<typeof setTimeout> | undefined;
  let mode: LiveMode | undefined;

  const setMode = (m: LiveMode) => {
    if (m === mode) return;
    mode = m;
    o.onMode?.(m);
    if (m === 'polling' && !pollTimer) pollTimer = setInterval(() => o.onEvent({ type: 'poll' }), pollMs);
    if (m === 'live' && pollTimer) {
      clearInterval(pollTimer);
      pollTimer = undefined;
    }
  };

  const failed = () => {
    controller?.abort();
    clearTimeout(idleTimer);
    if (stopped) return;
    setMode('polling');
    clearTimeout(retryTimer);
    retryTimer = setTimeout(connect, backoff);
    backoff = Math.min(backoff * 2, maxBackoff);
  };

  const touch = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(failed, idleMs);
  };

  async function connect(): Promise<void> {
    if (stopped) return;
    if (mode === undefined) setMode('connecting');
    controller = new AbortController();
    try {
      const res = await doFetch(`/v1/events?advertiserId=${encodeURIComponent(o.advertiserId)}`, {
        headers: { authorization: `Bearer ${o.key}`, accept: 'text/event-stream' },
        signal: controller.signal,
        cache: 'no-store',
      });
      const type = res.headers.get('content-type') ?? '';
      if (!res.ok || !res.body || !type.startsWith('text/event-stream')) {
        await res.body?.cancel().catch(() => undefined);
        failed();
        return;
      }
      backoff = firstBackoff;
      setMode('live');
      touch();
      const parser = new SseParser((e) => {
        const ev = liveEventOf(e.event, e.data);
        if (ev) o.onEvent(ev);
      });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read();
        if (done || stopped) break;
        touch();
        parser.feed(decoder.decode(value, { stream: true }));
      }
      if (!stopped) failed();
    } catch {
      if (!stopped) failed();
    }
  }

  void connect();
  return () => {
    stopped = true;
    controller?.abort();
    clearInterval(pollTimer);
    clearTimeout(retryTimer);
    clearTimeout(idleTimer);
  };
}

/**
 * Coalesces calls: the first schedules `fn` in `ms`, the calls before it runs join it. A burst of events costs one
 * refetch, at most one per `ms`, and a steady stream of events cannot postpone it forever. cancel() drops it.
 */
export function coalesce(fn: () => void, ms: number): { (): void; cancel: () => void } {
  let t: ReturnType<typeof setTimeout> | undefined;
  const d = () => {
    if (t !== undefined) return;
    t = setTimeout(() => {
      t = undefined;
      fn();
    }, ms);
  };
  d.cancel = () => {
    clearTimeout(t);
    t = undefined;
  };
  return d;
}
