import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { SlidingLogThrottlerStorage } from '../common/sliding-log.storage';
import { ApiEnv } from '../config/api.env';

const MINUTE = 60_000;

/**
 * Failed authentications per client address (req.ip: the socket's address, or the client's as given by a proxy the
 * app trusts, see API_TRUST_PROXY). Over API_AUTH_FAILURES_PER_MINUTE, the address is refused with 429 for a minute
 * before its key is even looked at: guessing keys costs a minute per that many tries. One per process, shared by
 * every route (a provider, not state of a guard instance); each api replica counts its own.
 */
@Injectable()
export class AuthFailureLimiter implements OnModuleDestroy {
  private readonly limit: number;
  private readonly storage = new SlidingLogThrottlerStorage();

  constructor(env: ApiEnv) {
    this.limit = env.API_AUTH_FAILURES_PER_MINUTE;
  }

  /** Seconds the address must wait, or 0 when it may try. */
  blockedFor(address: string): number {
    return this.storage.blockedFor(address);
  }

  /** Counts a failure; returns the seconds to wait when this one crossed the limit, else 0. */
  fail(address: string): number {
    const r = this.storage.hit(address, MINUTE, this.limit, MINUTE);
    return r.isBlocked ? r.timeToBlockExpire : 0;
  }

  onModuleDestroy(): void {
    this.storage.stop();
  }
}
