import type { ThrottlerStorage } from '@nestjs/throttler';

/** The answer the throttler guard expects (@nestjs/throttler's ThrottlerStorageRecord). */
export interface ThrottleRecord {
  totalHits: number;
  /** Seconds until the oldest counted request leaves the window (X-RateLimit-Reset). */
  timeToExpire: number;
  isBlocked: boolean;
  /** Seconds until a blocked client may try again (Retry-After). */
  timeToBlockExpire: number;
}

interface Log {
  /** Times (ms) of the counted requests, oldest first, from `head` on. */
  times: number[];
  head: number;
  blockedUntil: number;
}

/**
 * Rate-limit state per client in this process: the exact count of requests in the last `ttl`, at constant cost per
 * request.
 *
 * @nestjs/throttler's default storage answers the same question by filtering the whole list of hit times on every
 * request (and spreading it into Math.min), so a request costs time in proportion to the limit: with a client allowed
 * 72,000 requests a minute, that filtering was 9 % of the api's CPU for a cached answer. Here the times are a queue,
 * oldest first: expired ones are dropped from the front as time passes, each once.
 *
 * Rules (the library's): a request is counted and allowed while fewer than `limit` were counted in the last `ttl`; the
 * first one over the limit blocks the client for `blockDuration` (the guard passes `ttl` unless told otherwise), and
 * requests during the block are refused without being counted.
 */
export class SlidingLogThrottlerStorage implements ThrottlerStorage {
  private readonly logs = new Map<string, Log>();
  private sweeper?: NodeJS.Timeout;
  /** The longest window asked for: what the sweeper must keep. */
  private maxTtl = 0;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly sweepEveryMs = 60_000,
  ) {}

  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    throttlerName: string,
  ): Promise<ThrottleRecord> {
    return this.hit(`${throttlerName}\u0000${key}`, ttl, limit, blockDuration);
  }

  /** Synchronous core of `increment`. */
  hit(key: string, ttl: number, limit: number, blockDuration: number): ThrottleRecord {
    this.startSweeper();
    if (ttl > this.maxTtl) this.maxTtl = ttl;
    const now = this.now();
    let log = this.logs.get(key);
    if (!log) this.logs.set(key, (log = { times: [], head: 0, blockedUntil: 0 }));
    expire(log, now - ttl);
    let count = log.times.length - log.head;
    const secondsUntil = (t: number) => Math.max(0, Math.ceil((t - now) / 1000));
    if (log.blockedUntil <= now && count < limit) {
      log.times.push(now);
      count++;
      return {
        totalHits: count,
        timeToExpire: secondsUntil(log.times[log.head] + ttl),
        isBlocked: false,
        timeToBlockExpire: 0,
      };
    }
    if (log.blockedUntil <= now) log.blockedUntil = now + (blockDuration > 0 ? blockDuration : ttl);
    const oldest = count > 0 ? log.times[log.head] + ttl : now;
    return {
      totalHits: count + 1,
      timeToExpire: secondsUntil(oldest),
      isBlocked: true,
      timeToBlockExpire: secondsUntil(log.blockedUntil),
    };
  }

  /** Seconds until a blocked client may try again, 0 when it is not blocked; counts nothing. */
  blockedFor(key: string): number {
    const until = this.logs.get(key)?.blockedUntil ?? 0;
    return Math.max(0, Math.ceil((until - this.now()) / 1000));
  }

  /** Clients with state kept. */
  get size(): number {
    return this.logs.size;
  }

  /** Forgets clients with nothing counted and no block; `ttl` is the longest window in use. */
  sweep(ttl: number): void {
    const now = this.now();
    for (const [key, log] of this.logs) {
      expire(log, now - ttl);
      if (log.head === log.times.length && log.blockedUntil <= now) this.logs.delete(key);
    }
  }

  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    this.logs.clear();
  }

  private startSweeper(): void {
    if (this.sweeper) return;
    this.sweeper = setInterval(() => this.sweep(this.maxTtl), this.sweepEveryMs);
    this.sweeper.unref();
  }
}

/** Drops the counted times at or before `cutoff` from the front; compacts the array once most of it is dropped. */
function expire(log: Log, cutoff: number): void {
  const t = log.times;
  while (log.head < t.length && t[log.head] <= cutoff) log.head++;
  if (log.head === t.length) {
    t.length = 0;
    log.head = 0;
  } else if (log.head >= 1024 && log.head * 2 >= t.length) {
    log.times = t.slice(log.head);
    log.head = 0;
  }
}
