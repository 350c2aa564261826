/** What a browser hears on `GET /v1/events` (the `event:` name and the JSON of `data:`). */
export type LiveEvent =
  | { kind: 'perf'; advertiserId: string; data: { advertiserIds: string[]; campaignIds: string[] } }
  | { kind: 'budget'; advertiserId: string; data: { advertiserId: string; campaignIds: string[] } }
  | { kind: 'alert'; advertiserId: string; data: { advertiserId: string; alertId: string; alertIds: string[] } }
  | { kind: 'action'; advertiserId: string; data: { advertiserId: string; actionId: string; actionIds: string[] } };

export type LiveEventKind = LiveEvent['kind'];

/** One change as the sources report it: an advertiser, a kind, and the ids it touched (campaigns, an alert, an action). */
export interface Change {
  kind: LiveEventKind;
  advertiserId: string;
  ids: string[];
}

interface Slot {
  lastSentAt: number;
  ids: Set<string>;
  /** the latest id (alert/action: the event's `alertId`/`actionId`) */
  latest?: string;
  timer?: ReturnType<typeof setTimeout>;
}

const MAX_IDS = 1000;

/**
 * At most one event per kind and advertiser per `intervalMs`: the first change goes out at once, later ones inside the
 * interval are merged (ids united) and sent when it ends. A busy pipeline costs a browser one message a second per kind.
 */
export class Coalescer {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly intervalMs: number,
    private readonly emit: (e: LiveEvent) => void,
    private readonly now: () => number = Date.now,
  ) {}

  add(change: Change): void {
    const key = `${change.kind}\u0000${change.advertiserId}`;
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { lastSentAt: -Infinity, ids: new Set() };
      this.slots.set(key, slot);
    }
    for (const id of change.ids) if (slot.ids.size < MAX_IDS) slot.ids.add(id);
    if (change.ids.length > 0) slot.latest = change.ids[change.ids.length - 1];
    if (slot.timer) return;
    const wait = slot.lastSentAt + this.intervalMs - this.now();
    if (wait <= 0) this.flush(key, change.kind, change.advertiserId);
    else
      slot.timer = setTimeout(() => {
        const s = this.slots.get(key);
        if (s) s.timer = undefined;
        this.flush(key, change.kind, change.advertiserId);
      }, wait);
  }

  /** Drops pending events and timers (shutdown, no listeners left). */
  clear(): void {
    for (const s of this.slots.values()) if (s.timer) clearTimeout(s.timer);
    this.slots.clear();
  }

  /** Forget slots idle for longer than the interval (bounded memory over many advertisers). */
  prune(): void {
    const cutoff = this.now() - this.intervalMs;
    for (const [key, s] of this.slots) if (!s.timer && s.lastSentAt < cutoff) this.slots.delete(key);
  }

  private flush(key: string, kind: LiveEventKind, advertiserId: string): void {
    const slot = this.slots.get(key);
    if (!slot) return;
    const ids = [...slot.ids];
    const latest = slot.latest ?? ids[ids.length - 1] ?? '';
    slot.ids = new Set();
    slot.latest = undefined;
    slot.lastSentAt = this.now();
    this.emit(toEvent(kind, advertiserId, ids, latest));
  }
}

function toEvent(kind: LiveEventKind, advertiserId: string, ids: string[], latest: string): LiveEvent {
  switch (kind) {
    case 'perf':
      return { kind, advertiserId, data: { advertiserIds: [advertiserId], campaignIds: ids } };
    case 'budget':
      return { kind, advertiserId, data: { advertiserId, campaignIds: ids } };
    case 'alert':
      return { kind, advertiserId, data: { advertiserId, alertId: latest, alertIds: ids } };
    case 'action':
      return { kind, advertiserId, data: { advertiserId, actionId: latest, actionIds: ids } };
  }
}

/** One server-sent event as written on the wire. */
export function formatSse(e: LiveEvent): string {
  return `event: ${e.kind}\ndata: ${JSON.stringify(e.data)}\n\n`;
}
