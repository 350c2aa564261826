import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { principalOf } from '../auth/principal';

/**
 * Rate limit per client on /v1 (health and metrics are never throttled: they don't use it). Answers 429 with
 * Retry-After.
 *
 * One bucket per key identity across every route: runs after ApiKeyGuard, which names the caller (`env:<digest>` or
 * `key:<id>`), so `bearer k`, `Bearer  k` and `Bearer k` are one client, and spreading requests over routes gains
 * nothing. Without authentication (API_INSECURE_NO_AUTH) the bucket is the client address. Failed authentications
 * never get here: ApiKeyGuard limits them per address itself.
 */
@Injectable()
export class ThrottledGuard extends ThrottlerGuard {
  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const p = principalOf(req);
    return p && p.source !== 'insecure' ? p.id : `ip:${String(req['ip'] ?? 'unknown')}`;
  }

  /** The bucket is the client alone (the library's default adds the controller and handler: a bucket per route). */
  protected override generateKey(_ctx: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
  }
}
