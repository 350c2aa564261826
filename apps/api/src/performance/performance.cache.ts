import { createHash } from 'node:crypto';

export interface CacheLimits {
  /** 0 turns the cache off. */
  maxEntries: number;
  maxBytes: number;
  ttlMs: number;
}

/** What a response depends on, besides the facts of its campaign or advertiser. */
export interface CachedResponse {
  /** The response's UTF-8 bytes, held off the V8 heap and sent as they are (no re-encoding per hit). */
  body: Buffer;
  /** Weak ETag as Express would compute it for the same body, so a hit and a miss agree. */
  etag: string;
  /** The query's campaign and advertiser filters: an event touching either drops the entry. */
  campaignId?: string;
  advertiserId?: string;
  /**
   * Advertisers whose attribution settings the numbers used (null: the query named its window, settings do not
   * matter), and those settings as read before the query ran. A hit is served only if they still read the same.
   */
  settingsAdvertisers: string[] | null;
  settingsStamp: string;
}

interface Entry extends CachedResponse {
  key: string;
  bytes: number;
  expiresAt: number;
}

/** Taken at request start; `undefined` when the cache is off or not live (then the result is never stored). */
export type CacheTicket = number | undefined;

export type StoreOutcome = 'stored' | 'off' | 'raced' | 'too-large';

/** How many per-campaign/advertiser invalidation marks are kept before they are forgotten all at once. */
const MAX_MARKS = 100_000;

/**
 * An exact, bounded response cache for /v1/performance (one per api process).
 *
 * Exact: an entry is dropped when an event touches its campaign or advertiser, and a result is stored only if nothing
 * it depends on was invalidated between its ticket (taken before the query ran) and the store — otherwise a slow query
 * that read the facts before an update would put the old numbers back after the update's invalidation. While the
 * event subscription is not live (NATS down or reconnecting), events may be missed: the cache is emptied and stores
 * nothing until it is live again, and tickets taken before that are void.
 *
 * Bounded: at most `maxEntries` entries and `maxBytes` of bodies and keys (bytes), least recently
 * used evicted first, and each entry lives `ttlMs` at most.
 */
export class PerformanceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly byCampaign = new Map<string, Set<string>>();
  private readonly byAdvertiser = new Map<string, Set<string>>();
  private readonly campaignMarks = new Map<string, number>();
  private readonly advertiserMarks = new Map<string, number>();
  private seq = 0;
  /** Tickets below this are void (cleared, or marks forgotten). */
  private minTicket = 0;
  private live = false;
  private totalBytes = 0;

  constructor(
    private readonly limits: CacheLimits,
    private readonly now: () => number = Date.now,
  ) {}

  get enabled(): boolean {
    return this.limits.maxEntries > 0 && this.limits.maxBytes > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Grows with every invalidation and clear (tests wait on it to know an event was applied). */
  get generation(): number {
    return this.seq;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  /** The invalidation feed became live (true) or stopped being trustworthy (false): empties the cache either way. */
  setLive(live: boolean): void {
    this.clear();
    this.live = live;
  }

  ticket(): CacheTicket {
    return this.live && this.enabled ? this.seq : undefined;
  }

  get(key: string): CachedResponse | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt <= this.now()) {
      this.remove(e);
      return undefined;
    }
    // most recently used last
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  /** Whether `value` (as returned by get) is still the entry of `key`. */
  holds(key: string, value: CachedResponse): boolean {
    return this.entries.get(key) === value;
  }

  /** Stores `value` unless the ticket is void or something it depends on was invalidated since. */
  set(key: string, value: CachedResponse, ticket: CacheTicket): StoreOutcome {
    if (ticket === undefined || !this.live || !this.enabled) return 'off';
    if (ticket < this.minTicket) return 'raced';
    if (value.campaignId !== undefined && (this.campaignMarks.get(value.campaignId) ?? -1) > ticket) return 'raced';
    if (value.advertiserId !== undefined && (this.advertiserMarks.get(value.advertiserId) ?? -1) > ticket)
      return 'raced';
    const bytes = value.body.length + key.length * 2;
    if (bytes > this.limits.maxBytes) return 'too-large';
    const old = this.entries.get(key);
    if (old) this.remove(old);
    const e: Entry = { ...value, key, bytes, expiresAt: this.now() + this.limits.ttlMs };
    this.entries.set(key, e);
    this.totalBytes += bytes;
    if (e.campaignId !== undefined) index(this.byCampaign, e.campaignId, key);
    if (e.advertiserId !== undefined) index(this.byAdvertiser, e.advertiserId, key);
    while (this.entries.size > this.limits.maxEntries || this.totalBytes > this.limits.maxBytes) {
      const oldest = this.entries.values().next().value as Entry;
      this.remove(oldest);
    }
    return 'stored';
  }

  /** Drops every entry of the touched campaigns and advertisers; results in flight for them will not be stored. */
  invalidate(touched: Iterable<{ advertiserId: string; campaignId: string }>): number {
    const mark = ++this.seq;
    let dropped = 0;
    for (const t of touched) {
      this.campaignMarks.set(t.campaignId, mark);
      this.advertiserMarks.set(t.advertiserId, mark);
      dropped += this.dropAll(this.byCampaign.get(t.campaignId));
      dropped += this.dropAll(this.byAdvertiser.get(t.advertiserId));
    }
    if (this.campaignMarks.size + this.advertiserMarks.size > MAX_MARKS) {
      // forget the marks, and with them every ticket that could need one
      this.campaignMarks.clear();
      this.advertiserMarks.clear();
      this.minTicket = ++this.seq;
    }
    return dropped;
  }

  /** Empties the cache; results in flight are not stored. */
  clear(): void {
    this.entries.clear();
    this.byCampaign.clear();
    this.byAdvertiser.clear();
    this.campaignMarks.clear();
    this.advertiserMarks.clear();
    this.totalBytes = 0;
    this.minTicket = ++this.seq;
  }

  private dropAll(keys: Set<string> | undefined): number {
    if (!keys) return 0;
    let n = 0;
    for (const k of [...keys]) {
      const e = this.entries.get(k);
      if (e) {
        this.remove(e);
        n++;
      }
    }
    return n;
  }

  private remove(e: Entry): void {
    this.entries.delete(e.key);
    this.totalBytes -= e.bytes;
    if (e.campaignId !== undefined) unindex(this.byCampaign, e.campaignId, e.key);
    if (e.advertiserId !== undefined) unindex(this.byAdvertiser, e.advertiserId, e.key);
  }
}

function index(map: Map<string, Set<string>>, id: string, key: string): void {
  let keys = map.get(id);
  if (!keys) map.set(id, (keys = new Set()));
  keys.add(key);
}

function unindex(map: Map<string, Set<string>>, id: string, key: string): void {
  const keys = map.get(id);
  if (!keys) return;
  keys.delete(key);
  if (keys.size === 0) map.delete(id);
}

/** Express's default (weak) ETag of a body: W/"<byte length hex>-<sha1 base64, 27 chars>". */
export function weakEtag(body: Buffer): string {
  const hash = createHash('sha1').update(body).digest('base64').substring(0, 27);
  return `W/"${body.length.toString(16)}-${hash}"`;
}
