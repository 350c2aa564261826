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
  /**
   * Read from a replica: what its snapshot is known to include (a replay position it had reached before the read, and
   * the time of the newest primary position it had replayed). Absent: read from the primary, which has everything.
   */
  readFrom?: { lsn: bigint; caughtUpAt: number };
}

/**
 * What an answer stored from a replica must include: the WAL position of the updates heard for it (events that carry
 * `walLsn`), and a primary position sampled after `at` (updates heard at `at` whose position is unknown).
 */
export interface Need {
  lsn: bigint;
  at: number;
}

interface Entry extends CachedResponse {
  key: string;
  bytes: number;
  expiresAt: number;
}

/** Taken at request start; `undefined` when the cache is off or not live (then the result is never stored). */
export type CacheTicket = number | undefined;

export type StoreOutcome = 'stored' | 'off' | 'raced' | 'too-large' | 'behind';

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
  private readonly campaignNeeds = new Map<string, Need>();
  private readonly advertiserNeeds = new Map<string, Need>();
  /** What every answer stored from a replica must include (needs forgotten, events missed). */
  private floor: Need = { lsn: 0n, at: 0 };
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

  /**
   * What an answer about this campaign or advertiser must include to be stored when it is read from a replica: every
   * update heard for them (and the floor). An answer read from the primary includes it all.
   */
  need(campaignId?: string, advertiserId?: string): Need {
    let n = this.floor;
    for (const m of [
      campaignId === undefined ? undefined : this.campaignNeeds.get(campaignId),
      advertiserId === undefined ? undefined : this.advertiserNeeds.get(advertiserId),
    ]) {
      if (m) n = maxNeed(n, m);
    }
    return n;
  }

  /**
   * Stores `value` unless the ticket is void, something it depends on was invalidated since, or it was read from a
   * replica that had not yet replayed an update heard for it (`behind`: the answer may predate an invalidation).
   */
  set(key: string, value: CachedResponse, ticket: CacheTicket): StoreOutcome {
    if (ticket === undefined || !this.live || !this.enabled) return 'off';
    if (ticket < this.minTicket) return 'raced';
    if (value.campaignId !== undefined && (this.campaignMarks.get(value.campaignId) ?? -1) > ticket) return 'raced';
    if (value.advertiserId !== undefined && (this.advertiserMarks.get(value.advertiserId) ?? -1) > ticket)
      return 'raced';
    if (value.readFrom) {
      const need = this.need(value.campaignId, value.advertiserId);
      if (value.readFrom.lsn < need.lsn || value.readFrom.caughtUpAt < need.at) return 'behind';
    }
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

  /**
   * Drops every entry of the touched campaigns and advertisers; results in flight for them will not be stored. `walLsn`:
   * the primary's WAL position after the update committed (the event's), else the update is assumed to have committed
   * just before now: answers read from a replica are stored only once it has replayed that far.
   */
  invalidate(touched: Iterable<{ advertiserId: string; campaignId: string }>, walLsn?: bigint): number {
    const mark = ++this.seq;
    const need: Need = walLsn === undefined ? { lsn: 0n, at: this.now() } : { lsn: walLsn, at: 0 };
    let dropped = 0;
    for (const t of touched) {
      this.campaignMarks.set(t.campaignId, mark);
      this.advertiserMarks.set(t.advertiserId, mark);
      this.campaignNeeds.set(t.campaignId, maxNeed(this.campaignNeeds.get(t.campaignId), need));
      this.advertiserNeeds.set(t.advertiserId, maxNeed(this.advertiserNeeds.get(t.advertiserId), need));
      dropped += this.dropAll(this.byCampaign.get(t.campaignId));
      dropped += this.dropAll(this.byAdvertiser.get(t.advertiserId));
    }
    if (this.campaignMarks.size + this.advertiserMarks.size > MAX_MARKS) {
      // forget the marks, and with them every ticket that could need one; every need becomes the floor
      this.campaignMarks.clear();
      this.advertiserMarks.clear();
      this.forgetNeeds();
      this.minTicket = ++this.seq;
    }
    return dropped;
  }

  /**
   * Empties the cache; results in flight are not stored. Updates may have gone unheard (this is called when the event
   * feed was lost or an event could not be read): answers read from a replica are stored only once it has replayed a
   * primary position sampled after now.
   */
  clear(): void {
    this.entries.clear();
    this.byCampaign.clear();
    this.byAdvertiser.clear();
    this.campaignMarks.clear();
    this.advertiserMarks.clear();
    this.forgetNeeds();
    this.floor = maxNeed(this.floor, { lsn: 0n, at: this.now() });
    this.totalBytes = 0;
    this.minTicket = ++this.seq;
  }

  private forgetNeeds(): void {
    for (const n of [...this.campaignNeeds.values(), ...this.advertiserNeeds.values()])
      this.floor = maxNeed(this.floor, n);
    this.campaignNeeds.clear();
    this.advertiserNeeds.clear();
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

function maxNeed(a: Need | undefined, b: Need): Need {
  if (!a) return b;
  return { lsn: a.lsn > b.lsn ? a.lsn : b.lsn, at: Math.max(a.at, b.at) };
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
