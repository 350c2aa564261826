import { SlidingLogThrottlerStorage } from '../common/sliding-log.storage';

const MINUTE = 60_000;

/**
 * Failed authentications per client address (req.ip: the socket's address, or the client's as given by a proxy the
 * app trusts, see API_TRUST_PROXY). Over `limit` a minute, the address is refused with 429 for a minute before its key
 * is even looked at: guessing keys costs a minute per `limit` tries.
 */
export class AuthFailureLimiter {
  constructor(
    private readonly limit: number,
    private readonly storage = new SlidingLogThrottlerStorage(),
  ) {}

  /** Seconds the address must wait, or 0 when it may try. */
  blockedFor(address: string): number {
    return this.storage.blockedFor(address);
  }

  /** Counts a failure; returns the seconds to wait when this one crossed the limit, else 0. */
  fail(address: string): number {
    const r = this.storage.hit(address, MINUTE, this.limit, MINUTE);
    return r.isBlocked ? r.timeToBlockExpire : 0;
  }

  stop(): void {
    this.storage.stop();
  }
}
